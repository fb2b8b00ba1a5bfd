/**
 * The exported use-lite-pairpm graph scores the held-out training pairs as the training code did:
 * every test-split pair rendered in both orders with the config's Jinja template, tokenised with
 * the folder's tokenizer, run through the ONNX graph, and decided by the mean of sigmoid(f(chosen,
 * rejected)) and 1 - sigmoid(f(rejected, chosen)); accuracy and order consistency must equal the
 * training report's. About 4 minutes on a loaded 2-core machine (986 long texts), hence e2e.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Template } from '@huggingface/jinja';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { buildModel } from '../src/default-models/build.js';
import { HEADS_DIR } from '../src/default-models/heads.js';
import type { TrainingReport } from '../src/default-models/model-card.js';
import { loadWeights } from '../src/default-models/weights.js';
import { evaluationPrompts, trainingPairs } from '../tools/use-lite/data.js';
import { orderFigures } from '../tools/use-lite/train-pairpm.js';
import { splitOf } from '../tools/use-lite/train.js';
import { formatPromptPlain, formatQuestion } from '../tools/use-lite/text.js';
import { excludeOverlap } from '../src/subsets/overlap.js';
import { hasShared } from './helpers/requires.js';

const BUILT = resolve(import.meta.dirname, '../models/use-lite-pairpm');
const report = JSON.parse(readFileSync(join(HEADS_DIR, 'training-report.json'), 'utf8')) as TrainingReport;

describe.skipIf(!hasShared('data'))('use-lite-pairpm on its test split', () => {
  let tmp: string | undefined;
  let dir: string;
  let tokenizer: PreTrainedTokenizer;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    if (existsSync(join(BUILT, 'onnx', 'model.onnx'))) {
      dir = BUILT;
    } else {
      tmp = mkdtempSync(join(tmpdir(), 'use-lite-pairpm-'));
      dir = buildModel('use-lite-pairpm', tmp, loadWeights(), report);
    }
    env.allowRemoteModels = false;
    tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
  });
  afterAll(async () => {
    await session?.release();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('reproduces the accuracy and order consistency of its training report', async () => {
    const block = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { rmbench: { pair_template: string; max_length: number } }).rmbench;
    const template = new Template(block.pair_template);
    const kept = excludeOverlap(trainingPairs(), (p) => p.prompt, await evaluationPrompts()).kept;
    const test = kept.filter((p) => splitOf(formatPromptPlain(p.prompt)) === 'test');
    const texts = test.flatMap((p) => {
      const question = formatQuestion(p.prompt);
      return [template.render({ question, response_a: p.chosen, response_b: p.rejected }), template.render({ question, response_a: p.rejected, response_b: p.chosen })];
    });
    const logits = new Float32Array(texts.length);
    for (let s = 0; s < texts.length; s += 32) {
      const ids = texts.slice(s, s + 32).map((t) => (tokenizer.encode(t, { add_special_tokens: true }) as number[]).slice(-block.max_length));
      const T = Math.max(...ids.map((r) => r.length));
      const input = new BigInt64Array(ids.length * T);
      const mask = new BigInt64Array(ids.length * T);
      ids.forEach((r, b) => r.forEach((id, j) => { input[b * T + j] = BigInt(id); mask[b * T + j] = 1n; }));
      const out = await session.run({ input_ids: new ort.Tensor('int64', input, [ids.length, T]), attention_mask: new ort.Tensor('int64', mask, [ids.length, T]) });
      logits.set(out.logits!.data as Float32Array, s);
    }
    const figures = orderFigures(logits);
    const expected = report.models['use-lite-pairpm'];
    expect(figures.pairs).toBe(expected.test.all!.pairs);
    expect(figures.accuracy).toBeCloseTo(expected.test.all!.accuracy, 3);
    expect(figures.consistency).toBeCloseTo(expected.order.test.consistency, 3);
    expect(figures.chosen_first_accuracy).toBeCloseTo(expected.order.test.chosen_first_accuracy, 3);
  });
});

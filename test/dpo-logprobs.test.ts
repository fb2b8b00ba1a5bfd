/**
 * @file DPO log-probs through the extended causal-LM graph: every response's summed log-prob equals
 * a batch-1 float64 hand computation, whatever the batch size, padding side and order; float16 and
 * external-data exports load; graphs that are not causal LMs fail with a one-line error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { GraphBuilder } from '../src/onnx/graph.js';
import { addTokenLogprobs, openLogprobSession, type CausalLmGraphInfo } from '../src/onnx/logprob-graph.js';
import { dpoReward, logitsTokenBudget, referenceFreeReward, responseLogprobs, type LogprobRunOptions } from '../src/dpo/logprobs.js';
import { DpoTokenizer, type DpoSequence } from '../src/dpo/tokens.js';
import { readModelFolder } from '../src/scorers/model-folder.js';
import { loadTextSetup } from '../src/scorers/text-setup.js';
import type { Prompt } from '../src/subsets/types.js';
import { referenceResponseLogprob, writeCausalLm, type CausalLmWeights } from './helpers/causal-lm.js';
import { UserError } from '../src/errors.js';

const { onnx } = onnxProto;

const PAIRS: [Prompt, string][] = [
  ['hello', 'hi .'],
  ['why is the cat on the mat ?', 'the cat sat on the mat , a dog ran far .'],
  [[{ role: 'system', content: 'be good' }, { role: 'user', content: 'how is the dog ?' }], 'good .'],
  [[{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'yes or no ?' }], 'no'],
  ['the dog', 'the dog ran far far far , the cat sat . yes , good dog . why ? how ? hello'],
];

let dir: string;
const within = (actual: number, expected: number) => Math.abs(actual - expected) <= Math.max(1e-3, 1e-6 * Math.abs(expected));

interface Loaded {
  weights: CausalLmWeights;
  session: ort.InferenceSession;
  info: CausalLmGraphInfo;
  sequences: DpoSequence[];
  options: LogprobRunOptions;
}

async function load(name: string, spec: Parameters<typeof writeCausalLm>[1]): Promise<Loaded> {
  const path = join(dir, name);
  const weights = writeCausalLm(path, spec);
  const folder = readModelFolder(path);
  const setup = await loadTextSetup(folder);
  const tokens = new DpoTokenizer(setup, folder.path);
  const { session, info } = await openLogprobSession(folder.onnxPath);
  return { weights, session, info, sequences: PAIRS.map(([p, r]) => tokens.sequence(p, r)), options: { paddingSide: 'right', padTokenId: setup.tokenizer.padTokenId } };
}

let policy: Loaded;
let reference: Loaded;
/** Large logits (hundreds: exp overflows float32 without the max subtracted), opset 18. */
let sharp: Loaded;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rmbench-dpo-'));
  policy = await load('policy', { seed: 1, positionIds: true, scale: 2 });
  reference = await load('reference', { seed: 2, externalData: true });
  sharp = await load('sharp', { seed: 3, positionIds: true, scale: 8, opset: 18 });
});
afterAll(async () => {
  await policy?.session.release();
  await reference?.session.release();
  await sharp?.session.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('response log-probs', () => {
  it('equal the float64 batch-1 hand computation for every response, policy (position_ids), reference (external data), sharp (large logits, opset 18)', async () => {
    for (const model of [policy, reference, sharp]) {
      const got = await responseLogprobs(model.session, model.info, model.weights.vocabSize, model.sequences, model.options);
      model.sequences.forEach((seq, i) => {
        const expected = referenceResponseLogprob(model.weights, seq.ids, seq.responseStart);
        expect(within(got[i]!.sum, expected), `response ${i}: ${got[i]!.sum} vs ${expected}`).toBe(true);
        expect(got[i]!.tokens).toBe(seq.ids.length - seq.responseStart);
        expect(got[i]!.mean).toBeCloseTo(got[i]!.sum / got[i]!.tokens, 12);
      });
    }
  });

  it('do not change with batch size, padding side or order', async () => {
    const { session, info, weights, sequences, options } = policy;
    const base = await responseLogprobs(session, info, weights.vocabSize, sequences, { ...options, logitsBudgetBytes: 1 });
    const order = [3, 0, 4, 2, 1];
    for (const paddingSide of ['left', 'right'] as const) {
      const all = await responseLogprobs(session, info, weights.vocabSize, sequences, { ...options, paddingSide });
      const shuffled = await responseLogprobs(session, info, weights.vocabSize, order.map((i) => sequences[i]!), { ...options, paddingSide });
      all.forEach((lp, i) => expect(lp.sum).toBeCloseTo(base[i]!.sum, 4));
      shuffled.forEach((lp, k) => expect(lp.sum).toBeCloseTo(base[order[k]!]!.sum, 4));
    }
  });

  it('give the DPO and reference-free rewards from the sums', async () => {
    const p = await responseLogprobs(policy.session, policy.info, policy.weights.vocabSize, policy.sequences, policy.options);
    const r = await responseLogprobs(reference.session, reference.info, reference.weights.vocabSize, reference.sequences, reference.options);
    const expected = policy.sequences.map((seq) => 0.1 * (referenceResponseLogprob(policy.weights, seq.ids, seq.responseStart) - referenceResponseLogprob(reference.weights, seq.ids, seq.responseStart)));
    const rewards = policy.sequences.map((_, i) => dpoReward(0.1, p[i]!, r[i]!));
    rewards.forEach((reward, i) => {
      expect(Math.abs(reward - expected[i]!)).toBeLessThan(2e-4);
      expect(referenceFreeReward('sum', p[i]!)).toBe(p[i]!.sum);
      expect(referenceFreeReward('avg', p[i]!)).toBe(p[i]!.sum / p[i]!.tokens);
    });
    // Every pair of responses is decided as the float64 rewards decide it: no decision flips.
    for (let i = 0; i < rewards.length; i++) {
      for (let j = 0; j < rewards.length; j++) expect(rewards[i]! > rewards[j]!).toBe(expected[i]! > expected[j]!);
    }
  });

  it('run float16 logits in float32 after the cast', async () => {
    const half = await load('half', { seed: 1, positionIds: true, float16: true });
    try {
      expect(half.info.logitsType).toBe('float16');
      const got = await responseLogprobs(half.session, half.info, half.weights.vocabSize, half.sequences, half.options);
      // float16 rounds each logit by up to |logit| * 2^-11; the sums stay close, not exact.
      half.sequences.forEach((seq, i) => expect(Math.abs(got[i]!.sum - referenceResponseLogprob(half.weights, seq.ids, seq.responseStart))).toBeLessThan(2e-2 * seq.ids.length));
    } finally {
      await half.session.release();
    }
  });

  it('batches by the logits budget: tokens x vocab x 4 bytes (x 6 for float16)', () => {
    expect(logitsTokenBudget({ logitsType: 'float32' }, 32_000, 2 ** 30)).toBe(Math.floor(2 ** 30 / (32_000 * 4)));
    expect(logitsTokenBudget({ logitsType: 'float16' }, 128_000, 2 ** 30)).toBe(Math.floor(2 ** 30 / (128_000 * 6)));
    expect(logitsTokenBudget({ logitsType: 'float32' }, 128_000, 1)).toBe(1);
  });
});

describe('graphs that are not causal LMs', () => {
  const oneLine = (f: () => unknown, pattern: RegExp) => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).not.toContain('\n');
      expect((err as Error).message).toMatch(pattern);
      return;
    }
    throw new Error('expected a UserError');
  };

  it('refuses logits of the wrong rank', () => {
    writeCausalLm(join(dir, 'rank2'), { seed: 3, logitsRank: 2 });
    const path = join(dir, 'rank2', 'onnx', 'model.onnx');
    oneLine(() => addTokenLogprobs(readFileSync(path), path), /model\.onnx: output "logits" is \[batch, \d+\] \(rank 2\); a causal LM returns logits \[batch, sequence, vocab\]/);
  });

  it('refuses a graph without attention_mask, with inputs rmbench does not feed, with undeclared logits, or too old', () => {
    const graph = (inputs: string[], opset = 17) => {
      const g = new GraphBuilder('not_causal', opset);
      for (const name of inputs) g.input(name, 'int64', ['batch', 'sequence']);
      g.node('Gather', [g.floats([0, 1, 2, 3, 4, 5], [2, 3]), 'input_ids'], { axis: 0 }, ['logits']);
      g.output('logits', 'float32', ['batch', 'sequence', 3]);
      return g.build().model;
    };
    oneLine(() => addTokenLogprobs(graph(['input_ids']), 'a.onnx'), /^a\.onnx: .* but this graph has no attention_mask input;/);
    oneLine(() => addTokenLogprobs(graph(['input_ids', 'attention_mask', 'past_key_values.0.key']), 'b.onnx'), /does not feed \(past_key_values\.0\.key\); export it without past key values/);
    const shapeless = onnx.ModelProto.decode(graph(['input_ids', 'attention_mask']));
    delete shapeless.graph!.output![0]!.type!.tensorType!.shape;
    oneLine(() => addTokenLogprobs(onnx.ModelProto.encode(shapeless).finish(), 'd.onnx'), /^d\.onnx: output "logits" declares no shape;/);
    oneLine(() => addTokenLogprobs(graph(['input_ids', 'attention_mask'], 12), 'c.onnx'), /^c\.onnx: opset 12 is too old; rmbench's log-prob head needs opset 13 or later/);
  });
});

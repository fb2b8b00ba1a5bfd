/**
 * @file DPO log-probs through vLLM (src/scorers/backends/vllm-logprobs.ts) against fake vLLM
 * servers of the tiny policy and reference (test/helpers/fake-vllm-logprobs.ts): a remote run
 * scores every response as the local causal-LM backend does, sends the pinned token ids with
 * prompt_logprobs, reads everything from the cache on a rerun, and a wrong model name, a malformed
 * answer or a missing --tokenizer is a one-line error.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { run, type RunOptions } from '../src/bench/run.js';
import type { ItemOutcome, PairOutcome } from '../src/report/schema.js';
import { fakeVllmLogprobs, type FakeVllm } from './helpers/fake-vllm-logprobs.js';
import { expectedLogprobs, ROWS, SUITE, within, writeDpoFixture, type DpoFixture } from './helpers/dpo-suite.js';
import { tempDir } from './helpers/suite.js';

let f: DpoFixture;
let policy: FakeVllm;
let reference: FakeVllm;
const pairs = (outcomes: readonly ItemOutcome[]) => outcomes as PairOutcome[];
const score = (model: string, options: Partial<RunOptions> = {}) => run({ model, manifest: f.manifest, suite: SUITE, ...options });
const remote = (scorer: RunOptions['scorer'] = {}, options: Partial<RunOptions> = {}) =>
  score(`vllm+${policy.url}/policy`, { scorer: { tokenizer: join(f.dir, 'policy'), retries: 0, ...scorer }, ...options });
const posts = (e: FakeVllm) => e.hits.filter((h) => h.startsWith('POST')).length;

async function expectUserError(promise: Promise<unknown>, message: RegExp) {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).not.toContain('\n');
  expect((err as Error).message).toMatch(message);
}

beforeAll(async () => {
  f = writeDpoFixture(tempDir('rmbench-vllm-logprobs-'));
  policy = await fakeVllmLogprobs(join(f.dir, 'policy', 'onnx', 'model.onnx'), 'policy');
  reference = await fakeVllmLogprobs(join(f.dir, 'reference', 'onnx', 'model.onnx'), 'ref');
});

afterAll(async () => {
  await Promise.all([policy?.close(), reference?.close()]);
});

describe('rmbench run vllm+http://.../policy --reference vllm+http://.../ref --tokenizer DIR', () => {
  it('gives the local backend\'s scores and log-probs (within 1e-6), from the pinned token ids sent as prompts', async () => {
    const local = await score(join(f.dir, 'policy'), { scorer: { reference: join(f.dir, 'reference'), beta: 0.5 } });
    const got = await remote({ reference: `vllm+${reference.url}/ref`, beta: 0.5 });
    const l = pairs(local.pairs);
    const r = pairs(got.pairs);
    expect(r).toHaveLength(l.length);
    r.forEach((o, i) => {
      const e = l[i]!;
      expect(Math.abs(o.chosen_score! - e.chosen_score!)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(o.rejected_score! - e.rejected_score!)).toBeLessThanOrEqual(1e-6);
      for (const [a, b] of [[o.chosen_outputs!, e.chosen_outputs!], [o.rejected_outputs!, e.rejected_outputs!]] as const) {
        expect(Math.abs(a.policy_logprob![0]! - b.policy_logprob![0]!)).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(a.reference_logprob![0]! - b.reference_logprob![0]!)).toBeLessThanOrEqual(1e-6);
        expect(a.policy_tokens).toEqual(b.policy_tokens);
        expect(a.truncation).toEqual([0, 0]);
      }
      expect(o.correct).toBe(e.correct);
      // And the tolerance against the float64 hand computation.
      const hand = expectedLogprobs(f, ROWS[i]!.prompt, ROWS[i]!.chosen);
      expect(within(o.chosen_outputs!.policy_logprob![0]!, hand.policy) && within(o.chosen_outputs!.reference_logprob![0]!, hand.reference)).toBe(true);
    });
    expect(got.results.scorer_report).toMatchObject({ kind: 'dpo', reward: 'reference', beta: 0.5, accuracy: local.results.scorer_report!.accuracy });
    expect(got.results.config).toMatchObject({ engine: 'vllm', endpoint: '/v1/completions', policy: { served_model: 'policy' }, reference: { served_model: 'ref' } });
    // Both servers got the same distinct sequences: every response once (the suite has no repeats).
    expect(policy.prompts).toHaveLength(2 * l.length);
    expect(reference.prompts).toEqual(policy.prompts);
    expect(new Set(policy.settings.map((b) => JSON.stringify(b)))).toEqual(new Set([JSON.stringify({ max_tokens: 1, temperature: 0, prompt_logprobs: 0 })]));
  });

  it('scores reference-free from the policy server alone', async () => {
    const before = posts(reference);
    const local = await score(join(f.dir, 'policy'), { scorer: { referenceFree: 'avg' } });
    const got = await remote({ referenceFree: 'avg' });
    pairs(got.pairs).forEach((o, i) => expect(Math.abs(o.chosen_score! - pairs(local.pairs)[i]!.chosen_score!)).toBeLessThanOrEqual(1e-6));
    expect(posts(reference)).toBe(before);
  });

  it('a rerun with the cache sends no completion request', async () => {
    const cacheDir = tempDir('rmbench-vllm-logprobs-cache-');
    const scorer = { reference: `vllm+${reference.url}/ref` };
    const first = await remote(scorer, { cacheDir });
    const sent = [posts(policy), posts(reference)];
    const second = await remote(scorer, { cacheDir });
    expect([posts(policy), posts(reference)]).toEqual(sent);
    expect(second.results.timing.cached_texts).toBe(second.results.timing.unique_texts);
    expect(pairs(second.pairs).map((o) => o.chosen_score)).toEqual(pairs(first.pairs).map((o) => o.chosen_score));
    // Another beta reads the same cached log-probs (the kind's setting, not the backend's).
    const other = await remote({ ...scorer, beta: 1 }, { cacheDir });
    expect([posts(policy), posts(reference)]).toEqual(sent);
    pairs(other.pairs).forEach((o, i) => expect(o.chosen_score).toBeCloseTo(pairs(first.pairs)[i]!.chosen_score! * 10, 9));
  });

  it('a wrong model name, a malformed answer, a missing --tokenizer or a local reference is a one-line error', async () => {
    await expectUserError(remote({ reference: `vllm+${reference.url}/policy` }), /serves "ref", not "policy"/);
    await expectUserError(score(`vllm+${policy.url}/policy`, { scorer: { referenceFree: 'sum' } }), /need --tokenizer DIR/);
    await expectUserError(remote({ reference: join(f.dir, 'reference') }), /not a remote model/);
    policy.answer = (body) => ({ choices: (body.prompt as number[][]).map((_, index) => ({ index, prompt_logprobs: null })) });
    try {
      await expectUserError(remote({ referenceFree: 'sum' }), /\/v1\/completions: malformed response: choices\[0\]\.prompt_logprobs is null/);
      policy.answer = (body) => ({ choices: (body.prompt as number[][]).map((ids, index) => ({ index, prompt_logprobs: ids.map(() => ({ 999: { logprob: -1 } })) })) });
      await expectUserError(remote({ referenceFree: 'sum' }), /has no finite log-prob ≤ 0 for token/);
    } finally {
      policy.answer = undefined;
    }
  });
});

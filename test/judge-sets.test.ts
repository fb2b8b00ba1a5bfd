/**
 * The judge on response sets (best-of-n, RewardBench 2 Ties), in process against the scripted
 * OpenAI-compatible server (test/helpers/openai-server.ts, answers by test/helpers/judge-suite.ts's
 * rules): set items reach results.judge (each pair of a pairwise set, each response of a rated set
 * once), an invalid answer makes an item wrong whatever the tie rule, an invalid rating on a Ties
 * group is counted and scored (not fatal), each distinct request is sent and counted once per run
 * across windows (dry run too), and shards merge to the unsharded results.judge. Every expected
 * figure is worked out by hand from the judge's script.
 */
import { describe, expect, it } from 'vitest';
import { mergeShards } from '../src/bench/merge.js';
import { run, type RunOptions } from '../src/bench/run.js';
import type { ItemOutcome, Results, SetOutcome } from '../src/report/schema.js';
import type { Row } from '../src/subsets/types.js';
import { judgeServers } from './helpers/judge-servers.js';
import { writeMixedSuite } from './helpers/mixed-suite.js';
import type { OpenAiServer } from './helpers/openai-server.js';
import { tempDir } from './helpers/suite.js';

const SUITE = 'sets';
const judgeServer = judgeServers();

const set = (id: string, prompt: string, chosen: string[], rejected: string[]): Row => ({ id, subset: 'bon', prompt, chosen, rejected });
/** b1 right; b2 wrong; b3 has an invalid answer; b4 real ties ([[C]], equal ratings); b5 repeats b1's questions. */
const BON = [
  set('b1', 'q b1', ['good b1'], ['bad b1 x', 'bad b1 y', 'meh b1']),
  set('b2', 'q b2', ['meh b2'], ['good b2', 'bad b2 x', 'bad b2 y']),
  set('b3', 'q b3', ['good b3'], ['bad b3', 'invalid b3', 'bad b3 z']),
  set('b4', 'q b4', ['good tie b4'], ['bad tie b4', 'bad b4 y', 'bad b4 z']),
  set('b5', 'q b1', ['good b1'], ['bad b1 x', 'meh b1']),
];

function judgeRun(server: OpenAiServer, manifest: string, scorer: RunOptions['scorer'] = {}, more: Partial<RunOptions> = {}) {
  return run({ model: `openai+${server.url}/judge/model-1`, manifest, suite: SUITE, scorer, ...more });
}

const values = (pairs: readonly ItemOutcome[]) => pairs.map((p) => (p as SetOutcome).value);

describe('a judge on best-of-n sets', () => {
  it('pairwise: every pair of every set in results.judge; an invalid answer makes its item wrong, and so does a tie (issue 14: ties count wrong)', async () => {
    const server = await judgeServer();
    const { results, pairs } = await judgeRun(server, writeMixedSuite(tempDir(), SUITE, [{ name: 'bon', metric: 'best-of-n', rows: BON }]));
    // b3's pair with "invalid b3" has no verdict in either order: wrong (it was 1/2 under "shared").
    // b4: every pair [[C]] twice: a tie, wrong for a judge (the suite's "shared" would give 1/(1+3)).
    // b5's 4 requests were b1's.
    expect(values(pairs)).toEqual([1, 0, 0, 0, 1]);
    expect(results.subsets.bon!.accuracy).toBe(2 / 5);
    expect(results.best_of_n_ties).toBe('wrong');
    expect(server.posts()).toBe(24);
    // Answers used 28 (4 x 3 x 2 + 2 x 2); invalid: b3's 2; ties: b4's 6 [[C]]; inconsistent: b2's (meh, bad) pairs
    // ([[B]] in both orders); A named: b1 3, b2 1, b3 2, b5 2 = 8 of 28 - 2 - 6 = 20 decisive.
    expect(results.judge).toEqual({ requests: 24, invalid: 2, ties: 6, inconsistent: 2, position_a_rate: 8 / 20, prompt_tokens: 2400, completion_tokens: 240, cost_usd: null });
    expect(results.scorer_report).toMatchObject({ totals: { answers: 28 }, by_subset: { bon: { answers: 28, invalid: 2, ties: 6, inconsistent: 2 } } });
    // Each pair's two orders in the scores file: b3's second pair, both invalid.
    const b3 = pairs[2] as SetOutcome;
    expect(b3.pair_outputs).toHaveLength(3);
    expect(b3.pair_outputs![1]!.map((o) => o.valid)).toEqual([[0], [0]]);
    expect(b3.pair_outputs![0]!.map((o) => o.verdict)).toEqual([[1], [-1]]);
  }, 20_000);

  it('rating: each response of a set counted once; an invalid rating makes its item wrong, and so do equal ratings', async () => {
    const server = await judgeServer();
    const { results, pairs } = await judgeRun(server, writeMixedSuite(tempDir(), SUITE, [{ name: 'bon', metric: 'best-of-n', rows: BON }]), { judge: 'rating' });
    // b1 8 > 3, 3, 4; b2 4 < 8; b3 "invalid b3" unrated: wrong (was 1/2); b4 5 = 5 > 3, 3: a tie, wrong; b5 = b1.
    expect(values(pairs)).toEqual([1, 0, 0, 0, 1]);
    expect(server.posts()).toBe(16);
    expect(results.judge).toEqual({ requests: 16, invalid: 1, ties: 1, inconsistent: 0, position_a_rate: null, prompt_tokens: 1600, completion_tokens: 160, cost_usd: null });
    expect(results.scorer_report).toMatchObject({ totals: { answers: 19 }, by_subset: { bon: { answers: 19, invalid: 1, ties: 1 } } });
    expect((pairs[2] as SetOutcome).rejected_outputs!.map((o) => o.valid)).toEqual([[1], [0], [1]]);
  }, 20_000);

  it('sends and counts each request once across windows, and so does a dry run', async () => {
    const server = await judgeServer();
    const manifest = writeMixedSuite(tempDir(), SUITE, [{ name: 'bon', metric: 'best-of-n', rows: BON }]);
    const dry = await judgeRun(server, manifest, { dryRun: true }, { windowItems: 1 });
    expect([server.posts(), dry.results.timing.unique_inputs]).toEqual([0, 24]);
    const real = await judgeRun(server, manifest, {}, { windowItems: 1 });
    expect([server.posts(), real.results.judge!.requests, real.results.timing.unique_inputs]).toEqual([24, 24, 24]);
  }, 20_000);

  it('shards merge to the unsharded results.judge and scorer_report, in both modes', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    // Without b5: a request two shards share is sent (and counted) by both.
    const manifest = writeMixedSuite(dir, SUITE, [{ name: 'bon', metric: 'best-of-n', rows: BON.slice(0, 4) }]);
    for (const scorer of [{}, { judge: 'rating' as const }]) {
      const whole = await judgeRun(server, manifest, scorer);
      const shards = await Promise.all([1, 2].map((index) => judgeRun(server, manifest, scorer, { shard: { index, count: 2 } })));
      const merged = mergeShards(
        shards.map((s, i) => ({ path: `shard${i + 1}.json`, results: s.results as Results, pairs: s.pairs })),
        { manifest },
      );
      expect(merged.results.judge).toEqual(whole.results.judge);
      expect(merged.results.scorer_report).toEqual(whole.results.scorer_report);
      expect(merged.results.subsets).toEqual(whole.results.subsets);
    }
  }, 30_000);
});

describe('a rating judge on RewardBench 2 Ties', () => {
  const tiesRow = (id: string, chosen: string[], rejected: string[]): Row => ({ id, subset: 'ties', prompt: `q ${id.split(':')[1]}`, chosen, rejected });
  const ROWS = [
    tiesRow('ref:p1', ['good p1'], ['bad p1 x', 'meh p1']),
    tiesRow('tied:p1', ['good p1 a', 'meh p1 b'], ['bad p1 z']),
    tiesRow('ref:p2', ['good p2'], ['invalid p2']),
    tiesRow('tied:p2', ['good p2 a', 'meh p2 b'], ['bad p2']),
  ];

  it('an invalid rating is counted, not fatal: its group is not accurate and its prompt scores 0 in the margin terms', async () => {
    const server = await judgeServer();
    const manifest = writeMixedSuite(tempDir(), SUITE, [{ name: 'ties', metric: 'rb2-ties', rows: ROWS }]);
    const { results, pairs } = await judgeRun(server, manifest, { judge: 'rating' });
    expect(values(pairs)).toEqual([1, 1, 0, 1]);
    // ref accuracy 1/2, tied 1; p1: tied margin 4 - 3 = 1, d = 8 - 4 = 4: not preferred, hard min(8 - 4, 1) = 1 not > 4,
    // margin term tanh(1/4 - 1); p2 (invalid): 0, 0, 0.
    expect(results.subsets.ties!.details).toEqual({ ref_accuracy: 0.5, tied_accuracy: 1, correctness_preferred: 0, correctness_preferred_hard: 0, margin_score: Math.tanh(1 / 4 - 1) / 2 });
    expect(results.subsets.ties!.accuracy).toBeCloseTo(0.3 * 1 + 0.3 * 0.5 + 0.01 * (Math.tanh(-0.75) / 2), 15);
    expect(results.judge).toMatchObject({ requests: 11, invalid: 1 });
  }, 20_000);

  it('a dry run on a suite with Ties ends normally and sends nothing', async () => {
    const server = await judgeServer();
    const manifest = writeMixedSuite(tempDir(), SUITE, [{ name: 'ties', metric: 'rb2-ties', rows: ROWS }]);
    const dry = await judgeRun(server, manifest, { judge: 'rating', dryRun: true });
    expect([server.posts(), dry.results.timing.unique_inputs]).toEqual([0, 11]);
  }, 20_000);

  it('a pairwise judge has no per-response scores: Ties is a one-line error', async () => {
    const server = await judgeServer();
    const manifest = writeMixedSuite(tempDir(), SUITE, [{ name: 'ties', metric: 'rb2-ties', rows: ROWS }]);
    await expect(judgeRun(server, manifest)).rejects.toThrow('subset ties: the rb2-ties metric needs a per-response score; scorer kind judge has none');
  }, 20_000);
});

/**
 * `rmbench run` with a pairwise model (the tiny exact pair graph of test/helpers/pairwise-model.ts)
 * on a small suite: accuracy per subset with ties, the pairwise summary, each order's logit in the
 * scores file, a rerun that computes nothing (the score cache), and two shards merged into the
 * results of one run. Every figure is worked out by hand from the graph's weights.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PairOutcome, Results } from '../src/report/schema.js';
import { writePairModel } from './helpers/pairwise-model.js';
import { rmbenchAsync } from './helpers/remote.js';
import { tempDir, writeSuite } from './helpers/suite.js';

const SUITE = 'pair-suite';

/** f(A, B) = sum of A's words' weightA + sum of B's words' weightB (logits per row in the comments: f(c, r), f(r, c)). */
function fixture(dir: string): { model: string; manifest: string } {
  const model = join(dir, 'pairwise');
  writePairModel(model, { weightA: { good: 1, bad: -1, bias: 0.5 }, weightB: { good: -1, bad: 1, bias: 0.5 }, words: ['meh'] });
  const manifest = writeSuite(dir, SUITE, [
    {
      name: 's1',
      section: 'chat',
      rows: [
        { id: '1', prompt: 'good question', chosen: 'good', rejected: 'bad' }, // 2, -2: right, consistent
        { id: '2', prompt: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'bad' }, { role: 'user', content: 'again' }], chosen: 'bias good', rejected: 'bias bad' }, // 3, -1: right, consistent
        { id: '3', prompt: 'q', chosen: 'meh', rejected: 'bias' }, // 0.5, 0.5: a tie (wrong), inconsistent
      ],
    },
    {
      name: 's2',
      section: 'reasoning',
      rows: [
        { id: '4', prompt: 'q', chosen: 'bad', rejected: 'good bias' }, // -1.5, 2.5: wrong, consistent
        { id: '5', prompt: 'q', chosen: 'good', rejected: 'meh' }, // 1, -1: right, consistent
      ],
    },
  ]);
  return { model, manifest };
}

const LOGITS = [
  ['s1/1', 2, -2],
  ['s1/2', 3, -1],
  ['s1/3', 0.5, 0.5],
  ['s2/4', -1.5, 2.5],
  ['s2/5', 1, -1],
] as const;

async function runPairwise(dir: string, model: string, manifest: string, out: string, args: string[] = []) {
  const cli = await rmbenchAsync(['run', model, '--manifest', manifest, '--suite', SUITE, '--out', out, '--cache-dir', join(dir, 'cache'), '--no-progress', ...args]);
  const results = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Results) : undefined;
  const scoresFile = out.replace(/\.json$/, '.scores.jsonl');
  const scores = existsSync(scoresFile) ? readFileSync(scoresFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PairOutcome) : [];
  return { cli, results, scores };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('rmbench run with a pairwise model', () => {
  it('scores the suite from both orders, summarises them, stores each order\'s logit; a rerun computes nothing', async () => {
    const dir = tempDir();
    const { model, manifest } = fixture(dir);
    const { cli, results, scores } = await runPairwise(dir, model, manifest, join(dir, 'results.json'));
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(Object.fromEntries(Object.entries(results!.subsets).map(([name, s]) => [name, [s.accuracy, s.n, s.ties]]))).toEqual({ s1: [2 / 3, 3, 1], s2: [0.5, 2, 0] });
    expect(results!.overall).toBeCloseTo((2 / 3 + 1 / 2) / 2, 15);
    expect(results!.model_type).toBe('pairwise');
    expect(scores.map((s) => [s.key, s.chosen_outputs!.logit![0], s.rejected_outputs!.logit![0]])).toEqual(LOGITS);
    expect(scores.map((s) => [s.chosen_score, s.rejected_score, s.correct])).toEqual([true, true, false, false, true].map((c) => [null, null, c]));
    // Four of five pairs consistent; A wins 1 + 1 + 2 + 1 + 1 = 6 of 10 single-order judgements.
    const meanP = LOGITS.reduce((sum, [, ab, ba]) => sum + (sigmoid(ab) + 1 - sigmoid(ba)) / 2, 0) / LOGITS.length;
    expect(results!.scorer_report).toMatchObject({ kind: 'pairwise', orders: 2, pairs: 5, order_consistency: 0.8, position_a_rate: 0.6, by_section: { chat: { pairs: 3, order_consistency: 2 / 3 }, reasoning: { pairs: 2, order_consistency: 1 } } });
    expect((results!.scorer_report as { mean_probability: number }).mean_probability).toBeCloseTo(meanP, 14);
    expect(cli.stdout).toContain('pairwise (both orders): order consistency 80.0% of 5 pairs (chat 66.7%, reasoning 100.0%)');
    expect(results!.timing).toMatchObject({ unique_inputs: 10, cached_texts: 0 });

    const rerun = await runPairwise(dir, model, manifest, join(dir, 'rerun.json'));
    expect(rerun.cli.code).toBe(0);
    expect(rerun.results!.timing).toMatchObject({ cached_texts: 10, unique_inputs: 0 });
    expect(rerun.scores).toEqual(scores);
    expect([rerun.results!.subsets, rerun.results!.scorer_report]).toEqual([results!.subsets, results!.scorer_report]);
  }, 30_000);

  it('two shards merge into the results of one run, the pairwise summary rebuilt from the stored logits', async () => {
    const dir = tempDir();
    const { model, manifest } = fixture(dir);
    for (const k of [1, 2]) expect((await runPairwise(dir, model, manifest, join(dir, `shard${k}.json`), ['--shard', `${k}/2`])).cli.code).toBe(0);
    const merged = await rmbenchAsync(['merge', join(dir, 'shard1.json'), join(dir, 'shard2.json'), '--out', join(dir, 'merged.json'), '--manifest', manifest]);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    const whole = await runPairwise(dir, model, manifest, join(dir, 'whole.json'));
    const m = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as Results;
    expect([m.subsets, m.sections, m.overall, m.scorer_report]).toEqual([whole.results!.subsets, whole.results!.sections, whole.results!.overall, whole.results!.scorer_report]);
    expect(merged.stdout).toContain('pairwise (both orders): order consistency 80.0% of 5 pairs');
  }, 30_000);
});

/**
 * Leaderboard tiers (issue 15 part 5): on hand-built runs of a two-section suite, through the real
 * CLI. Identical and nearly identical models share a tier; a model significantly below the tier's
 * top model (paired bootstrap, Holm over all pairs) starts the next one, per section too; the JSON
 * and the Markdown carry the tiers; bad options and a missing scores file are refused, nothing written.
 * Review round 2 (defect 2): the p-values are two-sided, and too few resamples for any Holm-adjusted
 * p-value to reach alpha are refused instead of putting every model in tier 1.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resamplesNeeded, type Leaderboard, type LeaderboardEntry } from '../src/report/leaderboard.js';
import type { Comparison } from '../src/report/compare.js';
import { rmbench } from './helpers/cli.js';
import { expectRefusal } from './helpers/refusal.js';
import { tempDir, writeSuite } from './helpers/suite.js';
import { writeBagOfWordsModel } from './helpers/tiny-models.js';

describe('rmbench leaderboard tiers', () => {
  const dir = tempDir();
  const runs: Record<string, string> = {};
  const pairs = (section: string, good: string, bad: string) =>
    Array.from({ length: 40 }, (_, k) => ({ id: String(k), prompt: `question ${k}`, chosen: `${good}${k === 0 && section === 'Reasoning' ? ' oops' : ''}`, rejected: bad }));
  const right = { good: 1, bad: -1, fine: 1, poor: -1 };

  beforeAll(() => {
    writeSuite(dir, 'two', [
      { name: 'logic', section: 'Reasoning', rows: pairs('Reasoning', 'good', 'bad') },
      { name: 'manners', section: 'Chat', rows: pairs('Chat', 'fine', 'poor') },
    ]);
    const models: Record<string, Record<string, number>> = {
      strong: right,
      twin: right, // the same weights: the same decisions
      nearly: { ...right, oops: -5 }, // one Reasoning pair wrong
      weak: { ...right, good: -1, bad: 1 }, // every Reasoning pair wrong, every Chat pair right
    };
    for (const [name, weights] of Object.entries(models)) {
      writeBagOfWordsModel(join(dir, name), weights);
      const out = join(dir, `${name}.json`);
      const r = rmbench(['run', join(dir, name), '--suite', 'two', '--manifest', 'datasets.manifest.json', '--out', out, '--no-progress'], dir);
      expect(r.code, r.stderr).toBe(0);
      runs[name] = out;
    }
  }, 60_000);

  it('puts models that are not significantly below the tier top in its tier, overall and per section, in the JSON and the Markdown', () => {
    const out = join(dir, 'board.json');
    const md = join(dir, 'board.md');
    const r = rmbench(['leaderboard', runs.weak!, runs.nearly!, runs.twin!, runs.strong!, '--out', out, '--markdown', md, '--resamples', '2000'], dir);
    expect(r.code, r.stderr).toBe(0);
    const board = JSON.parse(readFileSync(out, 'utf8')) as Leaderboard;
    expect(board.tiers).toEqual({ method: 'paired-bootstrap-holm', alpha: 0.05, resamples: 2000, seed: 20240 });
    const byModel: Record<string, LeaderboardEntry> = Object.fromEntries(board.entries.map((e) => [e.model.split('/').pop()!, e]));
    // overall: strong = twin = 100%, nearly 98.75% (one pair of 80: not significant), weak 50%.
    expect(Object.fromEntries(Object.entries(byModel).map(([m, e]) => [m, [e.overall, e.tier]]))).toEqual({ strong: [1, 1], twin: [1, 1], nearly: [0.9875, 1], weak: [0.5, 2] });
    expect(Object.fromEntries(Object.entries(byModel).map(([m, e]) => [m, e.sections.Reasoning!.tier]))).toEqual({ strong: 1, twin: 1, nearly: 1, weak: 2 });
    // Chat: every model right on every pair, so one tier.
    expect(Object.values(byModel).map((e) => e.sections.Chat!.tier)).toEqual([1, 1, 1, 1]);
    const markdown = readFileSync(md, 'utf8');
    expect(markdown).toMatch(/^\| rank \| tier \| model /m);
    expect(markdown).toMatch(/\| 4 \| 2 \| .*weak .*\| 50\.0 \[.*\] \| 0\.0 \(2\) \| 100\.0 \(1\) \|/);
    expect(markdown).toMatch(/Holm-corrected over all pairs, alpha 0\.05\) share a tier/);
  });

  it('refuses a bad --alpha or --resamples and a run without its scores file, writing nothing', () => {
    const out = join(dir, 'refused.json');
    const refused = (args: string[], message: RegExp) => {
      const r = rmbench(['leaderboard', runs.strong!, runs.weak!, '--out', out, ...args], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/^ {4}at |internal error/m);
      expect(existsSync(out)).toBe(false);
    };
    refused(['--alpha', '1'], /--alpha must be in \(0, 1\), got 1/);
    refused(['--resamples', '10'], /--resamples must be an integer >= 100, got 10/);
    const results = JSON.parse(readFileSync(runs.weak!, 'utf8')) as { scores_file: string };
    rmSync(join(dir, results.scores_file));
    refused([], /cannot read the per-pair scores named by .*weak\.json/);
  });
});

describe('leaderboard tiers: two-sided p-values, and enough resamples for Holm (review round 2, defect 2)', () => {
  const dir = tempDir();
  const runs: Record<string, string> = {};

  beforeAll(() => {
    // 40 pairs; "three" marks the first 3 chosen responses, "four" the first 4.
    const rows = Array.from({ length: 40 }, (_, k) => ({ id: String(k), prompt: `question ${k}`, chosen: `good${k < 3 ? ' three' : ''}${k < 4 ? ' four' : ''}`, rejected: 'bad' }));
    writeSuite(dir, 'one', [{ name: 'logic', section: 'Reasoning', rows }]);
    const right = { good: 1, bad: -1 };
    const models: Record<string, Record<string, number>> = {
      strong: right,
      wrong3: { ...right, three: -5 }, // wrong on 3 of 40 pairs
      // (-6, not -5: a graph identical to wrong3's would share its cached scores, the cache keying weights, not the tokenizer)
      wrong4: { ...right, four: -6 }, // wrong on 4 of 40 pairs
      twin: right,
    };
    for (const [name, weights] of Object.entries(models)) {
      writeBagOfWordsModel(join(dir, name), weights);
      const out = join(dir, `${name}.json`);
      const r = rmbench(['run', join(dir, name), '--suite', 'one', '--manifest', 'datasets.manifest.json', '--out', out, '--no-progress'], dir);
      expect(r.code, r.stderr).toBe(0);
      runs[name] = out;
    }
  }, 60_000);

  /** The lower model's tier in a two-model leaderboard, and `rmbench compare`'s two-sided p-value for the overall score. */
  const twoModels = (lower: string) => {
    const out = join(dir, `board-${lower}.json`);
    const r = rmbench(['leaderboard', runs.strong!, runs[lower]!, '--out', out, '--resamples', '2000'], dir);
    expect(r.code, r.stderr).toBe(0);
    const board = JSON.parse(readFileSync(out, 'utf8')) as Leaderboard;
    const compared = rmbench(['compare', runs.strong!, runs[lower]!, '--json', '--resamples', '2000'], dir);
    expect(compared.code, compared.stderr).toBe(0);
    const significance = (JSON.parse(compared.stdout) as Comparison).significance;
    const p = 'comparisons' in significance ? significance.comparisons.find((c) => c.name === 'overall')!.p_value : NaN;
    return { tier: board.entries.find((e) => e.results_file === runs[lower])!.tier, p };
  };

  it('splits two models exactly when the two-sided p-value (as `rmbench compare` gives it) is below alpha', () => {
    // 3 wrong pairs of 40: one-sided p = P(no wrong pair drawn) ~ (37/40)^40 = 0.045 < 0.05, two-sided ~ 0.09: one tier.
    const three = twoModels('wrong3');
    expect(three.p).toBeGreaterThan(0.05);
    expect(three.p).toBeLessThan(0.1);
    expect(three.tier).toBe(1);
    // 4 wrong pairs: two-sided ~ 2 (36/40)^40 = 0.03: a tier of its own.
    const four = twoModels('wrong4');
    expect(four.p).toBeLessThan(0.05);
    expect(four.tier).toBe(2);
  });

  it('refuses too few resamples for any Holm-adjusted p-value to reach alpha, naming how many are needed, and writes nothing', () => {
    expect(resamplesNeeded(6, 0.05)).toBe(240);
    expect(resamplesNeeded(528, 0.05)).toBe(21120); // 33 models at the default alpha
    const all = [runs.strong!, runs.wrong3!, runs.wrong4!, runs.twin!];
    expectRefusal(dir, () => rmbench(['leaderboard', ...all, '--out', join(dir, 'refused.json'), '--resamples', '239'], dir), 1, /--resamples 239 is too few for tiers of 4 models at --alpha 0\.05: no Holm-adjusted p-value over 6 pairs can fall below alpha, so every model would share tier 1; give --resamples 240 or more/);
    const r = rmbench(['leaderboard', ...all, '--out', join(dir, 'enough.json'), '--resamples', '240'], dir);
    expect(r.code, r.stderr).toBe(0);
  });
});

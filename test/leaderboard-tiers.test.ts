/**
 * Leaderboard tiers (issue 15 part 5): on hand-built runs of a two-section suite, through the real
 * CLI. Identical and nearly identical models share a tier; a model significantly below the tier's
 * top model (paired bootstrap, Holm over all pairs) starts the next one, per section too; the JSON
 * and the Markdown carry the tiers; bad options and a missing scores file are refused, nothing written.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Leaderboard, LeaderboardEntry } from '../src/report/leaderboard.js';
import { rmbench } from './helpers/cli.js';
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

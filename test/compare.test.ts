import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { averageRanks, spearman, type Comparison } from '../src/report/compare.js';
import type { PairOutcome } from '../src/report/schema.js';
import { ROOT, rmbench } from './helpers/cli.js';
import { tempDir, writeSuite } from './helpers/suite.js';
import { snapshot } from './helpers/refusal.js';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const readScores = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PairOutcome);


describe('Spearman: average ranks, then Pearson', () => {
  it('matches hand-computed values', () => {
    expect(averageRanks([3, 1, 2, 2])).toEqual([4, 1, 2.5, 2.5]);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 400])).toBe(1);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBe(-1);
    // ranks [1, 2.5, 2.5, 4] and [1, 2, 3, 4]: sxy = 4.5, sxx = 4.5, syy = 5
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 15);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});

describe('rmbench compare on real runs', () => {
  const dir = tempDir();
  const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
  const manifest = writeSuite(dir, 'mini', [
    { name: 'a', section: 'S1', rows: [1, 2, 3, 4, 5, 6].map((i) => ({ id: String(i), prompt: `p${i}`, chosen: words(i + 3), rejected: words(i) })) },
    { name: 'b', section: 'S2', rows: [1, 2, 3, 4].map((i) => ({ id: String(i), prompt: `q${i}`, chosen: words(i), rejected: words(2 * i + 1) })) },
  ]);
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  const compare = (...args: string[]) => rmbench(['compare', ...args], dir);

  beforeAll(() => {
    expect(rmbench(['run', 'length', '--suite', 'mini', '--manifest', manifest, '--out', a, '--no-progress'], dir).code).toBe(0);
    // B: the same run with items a/2 and b/3 decided the other way (their scores swapped), through reward-bench's files.
    expect(rmbench(['export', a, '--format', 'reward-bench', '--out-dir', 'rb'], dir).code).toBe(0);
    const file = join(dir, 'rb', 'eval-set-scores', 'length.json');
    const scores = readJson<Record<string, number[]>>(file);
    for (const row of [1, 8]) {
      [scores.scores_chosen![row], scores.scores_rejected![row]] = [scores.scores_rejected![row]!, scores.scores_chosen![row]!];
      scores.results![row] = scores.scores_chosen![row]! > scores.scores_rejected![row]! ? 1 : 0;
    }
    writeFileSync(file, JSON.stringify(scores));
    const r = rmbench(['import-results', file, '--suite', 'mini', '--manifest', manifest, '--out', b], dir);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('names the flipped items, the agreement per subset and overall, the Spearman of margins', () => {
    const r = compare(a, b, '--json', '--resamples', '1000');
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as Comparison;
    expect(c.flips).toEqual(['a/2', 'b/3']);
    expect(c.agreement).toBeCloseTo(8 / 10, 15);
    expect(c.subsets.map((s) => [s.name, s.n, s.agreement, s.flips])).toEqual([
      ['a', 6, 1 - 1 / 6, ['a/2']],
      ['b', 4, 1 - 1 / 4, ['b/3']],
    ]);
    // Spearman recomputed from the two scores files' margins.
    const marginsA = readScores(join(dir, 'a.scores.jsonl'));
    const marginsB = readScores(join(dir, 'b.scores.jsonl'));
    for (const s of c.subsets) {
      const pick = (xs: PairOutcome[]) => xs.filter((x) => x.subset === s.name).map((x) => x.margin);
      expect(s.spearman).toBe(spearman(pick(marginsA), pick(marginsB)));
    }
    // a: margins 3,3,3,3,3,3 (constant) -> null; b: margins -2,-3,-4,-5 with b/3 negated.
    expect(c.subsets[0]!.spearman).toBeNull();
    expect(c.subsets[1]!.spearman).toBeCloseTo(spearman([-2, -3, 4, -5], [-2, -3, -4, -5])!, 15);
    if ('skipped' in c.significance) throw new Error('significance skipped');
    expect(c.significance.comparisons.map((x) => x.name)).toEqual(['S1', 'S2', 'overall']);
    for (const x of c.significance.comparisons) {
      expect(x.p_value).toBeGreaterThan(0);
      expect(x.p_holm).toBeGreaterThanOrEqual(x.p_value);
      expect(x.significant).toBe(x.p_holm < 0.05);
    }
    expect(c.significance.comparisons[0]!.delta_points).toBeCloseTo(-100 / 6, 10);
  });

  it('identical runs agree everywhere and differ nowhere; the table names the flips count', () => {
    const c = JSON.parse(compare(a, a, '--json', '--resamples', '1000').stdout) as Comparison;
    expect(c).toMatchObject({ agreement: 1, flips: [] });
    if ('skipped' in c.significance) throw new Error('significance skipped');
    for (const x of c.significance.comparisons) expect(x).toMatchObject({ delta_points: 0, p_value: 1, significant: false });
    const table = compare(a, b, '--resamples', '1000');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/agreement 80\.00% of 10 items, 2 flips/);
  });

  it('the committed default models: flips are exactly the pairs whose correctness differs', () => {
    const [bt, gpm] = ['use-lite-bt', 'use-lite-gpm'].map((m) => join(ROOT, 'results', `${m}.rewardbench-v1.json`));
    const r = compare(bt!, gpm!, '--json', '--resamples', '1000');
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as Comparison;
    const left = readScores(bt!.replace(/\.json$/, '.scores.jsonl'));
    const right = new Map(readScores(gpm!.replace(/\.json$/, '.scores.jsonl')).map((o) => [o.key, o.correct]));
    const differing = left.filter((o) => o.correct !== right.get(o.key)).map((o) => o.key);
    expect(c.items).toBe(2985);
    expect(c.flips).toEqual(differing);
    expect(c.agreement).toBeCloseTo(1 - differing.length / 2985, 15);
  });

  it('refuses runs of other suites or other items, naming them, and writes nothing', () => {
    const before = snapshot(dir);
    const refuse = (args: string[], message: RegExp) => {
      const r = compare(...args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/^\s+at |internal error/m);
    };
    refuse([a, join(ROOT, 'results', 'length.rewardbench-v1.json')], /cannot compare suite mini v1 \(.*a\.json\) with rewardbench-v1 v1\.0\.0/);
    // B's scores file without b/4: the runs no longer cover the same items.
    const lines = readFileSync(join(dir, 'b.scores.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'short.scores.jsonl'), lines.filter((l) => !l.includes('"key":"b/4"')).join('\n') + '\n');
    writeFileSync(join(dir, 'short.json'), JSON.stringify({ ...readJson<object>(b), scores_file: 'short.scores.jsonl' }));
    refuse([a, join(dir, 'short.json')], /subset b: items b\/4 only in .*a\.json; runs must cover the same items/);
    refuse([a, join(dir, 'nothing.json')], /nothing\.json: cannot read results/);
    refuse([a, b, '--resamples', '5'], /--resamples must be an integer >= 100, got 5/);
    const after = snapshot(dir);
    for (const name of ['short.json', 'short.scores.jsonl']) delete after[join(dir, name)];
    expect(after).toEqual(before);
  });
});

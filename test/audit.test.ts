/**
 * `rmbench data audit` (src/analysis/audit.ts) and the length-bias flag against the data's base
 * rate: hand-computed baselines on a hand-built suite of every metric, the flag, the real
 * rewardbench-v1 against an independent `rmbench run length`, bad input, and a property test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baselineValue, type SuiteAudit } from '../src/analysis/audit.js';
import { LengthColumns, lengthBias } from '../src/report/length-bias.js';
import type { Results } from '../src/report/schema.js';
import { rowsToArrow } from '../src/subsets/arrow.js';
import { ROOT, rmbench } from './helpers/cli.js';
import { pair, set, writeMixedSuite } from './helpers/mixed-suite.js';
import { tempDir } from './helpers/suite.js';
import { expectUserError, snapshot } from './helpers/refusal.js';


describe('rmbench data audit (subprocess)', () => {
  it('computes pick-longer, pick-shorter and chance by hand for pairs, best-of-n and style matrices, in code points', () => {
    const dir = tempDir();
    const pairs = [
      pair('pairs', '1', 'aaaa', 'aa'), // chosen longer
      pair('pairs', '2', 'bb', 'bbbb'), // chosen shorter
      pair('pairs', '3', '😀😀😀', 'abcd'), // 3 code points vs 4 (6 UTF-16 units vs 4): chosen shorter
      pair('pairs', '4', 'xy', 'zw'), // equal length: wrong for both
      pair('pairs', '5', 'a', 'aaaaaaaaa', true), // human tie label: not counted, as in a run
    ];
    const bon = [
      set('bon', '1', ['aaaa'], ['a', 'aa', 'aaaa']), // longest tied with one rejected: 1/2 for pick-longer
      set('bon', '2', ['a'], ['aa', 'aaa']), // shortest: 1 for pick-shorter
    ];
    // 2x2 style matrix: pick-longer A = [[1,0],[1,1]]: hard 0, normal 1, easy 1 -> 2/3; pick-shorter [[0,1],[0,0]] -> 1/3.
    const style = [set('style', '1', ['aa', 'aaaa'], ['a', 'aaa'])];
    const manifest = writeMixedSuite(dir, 'mixed', [
      { name: 'pairs', metric: 'pairwise', rows: pairs },
      { name: 'bon', metric: 'best-of-n', rows: bon },
      { name: 'style', metric: 'style-matrix', rows: style },
    ]);
    const before = snapshot(dir);
    const r = rmbench(['data', 'audit', '--suite', 'mixed', '--manifest', manifest, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const audit = JSON.parse(r.stdout) as SuiteAudit;
    expect(audit.subsets.pairs).toMatchObject({ metric: 'pairwise', n: 4, chance: 0.5, pick_longer: 0.25, pick_shorter: 0.5, length_ties: 1, pick_position: null });
    expect(audit.subsets.bon).toMatchObject({ n: 2, chance: (1 / 4 + 1 / 3) / 2, pick_longer: (1 / 2 + 0) / 2, pick_shorter: (0 + 1) / 2, length_ties: 1 });
    expect(audit.subsets.style!.pick_longer).toBeCloseTo(2 / 3, 15);
    expect(audit.subsets.style!.pick_shorter).toBeCloseTo(1 / 3, 15);
    expect(audit.subsets.style!.chance).toBe(0.5);
    for (const s of Object.values(audit.subsets)) {
      for (const b of ['pick_longer', 'pick_shorter'] as const) expect(s.intervals![b].low <= s[b] && s[b] <= s.intervals![b].high).toBe(true);
    }
    // Under 10 items: never flagged (the style subset's one item has a zero-width interval above chance).
    expect(audit.flagged).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('flags a subset a baseline solves beyond its interval, not a balanced one, and still exits 0', () => {
    const dir = tempDir();
    const long = Array.from({ length: 40 }, (_, i) => pair('long', String(i), 'a'.repeat(10 + i), 'a'.repeat(5)));
    const balanced = Array.from({ length: 40 }, (_, i) => (i % 2 ? pair('balanced', String(i), 'aaaaaa', 'aa') : pair('balanced', String(i), 'aa', 'aaaaaa')));
    const manifest = writeMixedSuite(dir, 'flags', [
      { name: 'long', metric: 'pairwise', rows: long },
      { name: 'balanced', metric: 'pairwise', rows: balanced },
    ]);
    const json = rmbench(['data', 'audit', '--suite', 'flags', '--manifest', manifest, '--json']);
    expect(json.code).toBe(0);
    const audit = JSON.parse(json.stdout) as SuiteAudit;
    expect(audit.flagged).toEqual(['long']);
    expect(audit.subsets.long!.flags).toEqual(['pick-longer scores 100.0% (95% interval 100.0%–100.0%), above chance 50.0%']);
    expect(audit.subsets.balanced).toMatchObject({ pick_longer: 0.5, pick_shorter: 0.5, flags: [] });
    const text = rmbench(['data', 'audit', '--suite', 'flags', '--manifest', manifest]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/long: pick-longer scores 100\.0%/);
    expect(text.stdout).toMatch(/1 of 2 subsets flagged/);
  });

  it("credits a best-of-n tie at the top by the suite's best_of_n_ties rule, as `rmbench run length` does (review round 2, defect 7)", () => {
    const dir = tempDir();
    const bon = [
      set('bon', '1', ['aaaa'], ['a', 'aaaa']), // longest tied with a rejected one: 1/2 shared, 0 wrong
      set('bon', '2', ['aaa'], ['a', 'aa']), // longest alone: 1 either way
    ];
    const manifest = writeMixedSuite(dir, 'bon', [{ name: 'bon', metric: 'best-of-n', rows: bon }]);
    const data = JSON.parse(readFileSync(manifest, 'utf8'));
    const audit = () => {
      const r = rmbench(['data', 'audit', '--suite', 'bon', '--manifest', manifest, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as SuiteAudit).subsets.bon!.pick_longer;
    };
    expect(audit()).toBe((1 / 2 + 1) / 2);
    data.suites.bon.best_of_n_ties = 'wrong';
    writeFileSync(manifest, JSON.stringify(data));
    expect(audit()).toBe((0 + 1) / 2);
    const out = join(dir, 'length.json');
    const run = rmbench(['run', 'length', '--suite', 'bon', '--manifest', manifest, '--out', out, '--no-progress']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as Results).subsets.bon!.accuracy).toBe(audit());
  });

  it('on rewardbench-v1, pick-longer equals an independent `rmbench run length`, subset by subset', () => {
    const r = rmbench(['data', 'audit', '--suite', 'rewardbench-v1', '--json']);
    expect(r.code).toBe(0);
    const audit = JSON.parse(r.stdout) as SuiteAudit;
    const length = JSON.parse(readFileSync(join(ROOT, 'results', 'length.rewardbench-v1.json'), 'utf8')) as Results;
    expect(Object.keys(audit.subsets)).toEqual(Object.keys(length.subsets));
    for (const [name, s] of Object.entries(length.subsets)) {
      expect(audit.subsets[name]!.pick_longer).toBe(s.accuracy);
      expect(audit.subsets[name]!.pick_longer).toBe(length.length_bias.subsets[name]!.chars.longer);
      expect(audit.subsets[name]!.pick_shorter).toBe(length.length_bias.subsets[name]!.chars.shorter);
    }
    expect(audit.suite_scores!.pick_longer.overall).toBeCloseTo(length.overall, 12);
    // The committed audit is what the command prints.
    expect(JSON.parse(readFileSync(join(ROOT, 'results', 'audit', 'rewardbench-v1.json'), 'utf8'))).toEqual(audit);
  });

  it('every committed results/audit/<suite>.json is what the command prints for the shipped suite', () => {
    const shipped = JSON.parse(readFileSync(join(ROOT, 'datasets.manifest.json'), 'utf8')) as { suites: Record<string, unknown> };
    for (const suite of Object.keys(shipped.suites)) {
      const r = rmbench(['data', 'audit', '--suite', suite, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(ROOT, 'results', 'audit', `${suite}.json`), 'utf8')), suite).toEqual(JSON.parse(r.stdout));
    }
  });

  it('refuses an unknown suite and a subset file that fails its checksum, in one line, writing nothing', () => {
    const dir = tempDir();
    const manifest = writeMixedSuite(dir, 'x', [{ name: 'pairs', metric: 'pairwise', rows: [pair('pairs', '1', 'aa', 'a')] }]);
    expectUserError(rmbench(['data', 'audit', '--suite', 'nope', '--manifest', manifest]), /nope/);
    writeFileSync(join(dir, 'datasets', 'x', 'pairs.arrow'), rowsToArrow([pair('pairs', '1', 'aa', 'b')]));
    const before = snapshot(dir);
    expectUserError(rmbench(['data', 'audit', '--suite', 'x', '--manifest', manifest, '--json']), /pairs\.arrow.*sha256/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('content-blind baselines (property)', () => {
  it('on pairs, pick-longer + pick-shorter + length ties = 1 item, and the baselines swap when the responses do', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    fc.assert(
      fc.property(text, text, (chosen, rejected) => {
        const row = pair('s', '1', chosen, rejected);
        const longer = baselineValue('pairwise', row, 1, undefined);
        const shorter = baselineValue('pairwise', row, -1, undefined);
        const tie = [...chosen].length === [...rejected].length ? 1 : 0;
        expect(longer + shorter + tie).toBe(1);
        expect(baselineValue('pairwise', pair('s', '1', rejected, chosen), 1, undefined)).toBe(shorter);
      }),
      { seed: 20240, numRuns: Number(process.env.RMBENCH_FUZZ_RUNS ?? 200) },
    );
  });
});

describe('length-bias flag against the data base rate', () => {
  const columns = (pairs: [chosen: number, rejected: number, margin: number][]) => {
    const c = new LengthColumns('s', null);
    for (const [a, b, m] of pairs) c.push(a, b, m, m > 0);
    return [c];
  };

  it('does not flag a model that prefers the longer response where the chosen one is always the longer', () => {
    const bias = lengthBias(columns(Array.from({ length: 10 }, () => [20, 5, 1] as [number, number, number])));
    expect(bias.overall.prefers_longer).toBe(1);
    expect(bias.flag).toBeNull();
  });

  it('flags a model that prefers the longer 30 points more often than the labels do, naming the base rate', () => {
    // Chosen longer in 5 of 10 pairs; the model prefers the longer in 8 of 10 (80% vs 50%).
    const pairs: [number, number, number][] = [
      ...Array.from({ length: 5 }, () => [20, 5, 1] as [number, number, number]),
      ...Array.from({ length: 3 }, () => [5, 20, -1] as [number, number, number]),
      ...Array.from({ length: 2 }, () => [5, 20, 1] as [number, number, number]),
    ];
    expect(lengthBias(columns(pairs)).flag).toBe(
      'prefers the longer response in 80.0% of decided pairs of unequal length, where the chosen response is the longer in 50.0%: scores may reward length, not quality',
    );
    // 70% vs 50% is within the tolerance.
    pairs[7] = [5, 20, 1];
    expect(lengthBias(columns(pairs)).flag).toBeNull();
  });

  it('a run of the length baseline is flagged where the chosen response is mostly the shorter, not where it is the longer (subprocess)', () => {
    const dir = tempDir();
    const flagOf = (subsets: string) => {
      const out = join(dir, `${subsets}.json`);
      const r = rmbench(['run', 'length', '--subsets', subsets, '--out', out, '--no-progress']);
      expect(r.code).toBe(0);
      return { flag: (JSON.parse(readFileSync(out, 'utf8')) as Results).length_bias.flag, stdout: r.stdout };
    };
    // alpacaeval-easy alone: the chosen response is the longer in all 99 pairs of unequal length.
    expect(flagOf('alpacaeval-easy').flag).toBeNull();
    // With math-prm (chosen longer in 35 of 447): 134 of 546 decided pairs, 24.5%.
    const mixed = flagOf('alpacaeval-easy,math-prm');
    expect(mixed.flag).toBe('prefers the longer response in 100.0% of decided pairs of unequal length, where the chosen response is the longer in 24.5%: scores may reward length, not quality');
    expect(mixed.stdout).toMatch(/length bias: prefers the longer response/);
  });

  it('flags a preference for the shorter response against a base rate of 100% longer', () => {
    const pairs = Array.from({ length: 10 }, (_, i) => [20, 5, i < 6 ? -1 : 1] as [number, number, number]);
    expect(lengthBias(columns(pairs)).flag).toBe(
      'prefers the shorter response in 60.0% of decided pairs of unequal length, where the chosen response is the shorter in 0.0%: scores may reward brevity, not quality',
    );
  });
});

describe('rmbench data audit: pick-by-position where the data keeps its A/B order (issue 16)', () => {
  it('reports pick-A and pick-B against chance for a label import, counted by hand, and flags a position bias in the data', () => {
    const dir = tempDir();
    // JudgeBench-shaped rows (response_A, response_B, label), responses of equal length so no length baseline interferes.
    const record = (k: number, label: string) => ({ pair_id: `p${k}`, question: `Q${k}`, response_A: `a${k % 10}`, response_B: `b${k % 10}`, label });
    const biased = Array.from({ length: 12 }, (_, k) => record(k, k < 11 ? 'A>B' : 'B>A')); // 11 of 12 chosen were A
    const balanced = [...Array.from({ length: 6 }, (_, k) => record(k, 'A>B')), ...Array.from({ length: 6 }, (_, k) => record(k + 6, 'B>A')), record(12, 'A=B')];
    const lines = (records: object[], source: string) => records.map((r) => JSON.stringify({ ...r, source })).join('\n');
    writeFileSync(join(dir, 'jb.jsonl'), `${lines(biased, 'biased')}\n${lines(balanced, 'balanced')}\n`);
    const map = 'id=pair_id,subset=source,prompt=question,response_a=response_A,response_b=response_B,label=label';
    const imported = rmbench(['data', 'import', 'jb.jsonl', '-s', 'jb', '--map', map], dir);
    expect(imported.code, imported.stderr).toBe(0);
    const r = rmbench(['data', 'audit', '--suite', 'jb', '--manifest', 'datasets.manifest.json', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const audit = JSON.parse(r.stdout) as SuiteAudit;
    const biasedPosition = audit.subsets.biased!.pick_position!;
    expect(biasedPosition).toMatchObject({ n: 12, chance: 0.5, pick_a: 11 / 12, pick_b: 1 / 12 });
    expect(biasedPosition.intervals.pick_a.low).toBeGreaterThan(0.5);
    expect(audit.subsets.biased!.flags).toEqual([expect.stringMatching(/^pick-a scores 91\.7% \(95% interval .*\), above chance 50\.0%$/)]);
    // The tie is not counted, as in a run; 6 of 12 is chance, not flagged.
    expect(audit.subsets.balanced!.pick_position).toMatchObject({ n: 12, pick_a: 0.5, pick_b: 0.5 });
    expect(audit.subsets.balanced!.flags).toEqual([]);
    expect(audit.flagged).toEqual(['biased']);
  });
});

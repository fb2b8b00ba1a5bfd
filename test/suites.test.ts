import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Results, SetOutcome, PairOutcome } from '../src/report/schema.js';
import { ROOT, rmbench } from './helpers/cli.js';
import { SHARED, hasShared } from './helpers/requires.js';
import { tempDir } from './helpers/suite.js';
import { writeBagOfWordsModel } from './helpers/tiny-models.js';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const readLines = <T>(path: string): T[] => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);
type Manifest = { suites: Record<string, { subsets: { name: string; sha256: string; rows: number; metric: string }[] }> };

function runLength(suite: string) {
  const out = join(tempDir(), `${suite}.json`);
  const r = rmbench(['run', 'length', '--suite', suite, '--out', out, '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
  return { r, results: readJson<Results>(out), out };
}

describe('shipped suites beyond pairs', () => {
  it('rm-bench: easy/normal/hard recomputed from the per-item scores match the report', () => {
    const { r, results, out } = runLength('rm-bench');
    expect(r.stdout).toMatch(/Overall .* hard .* normal .* easy/);
    // The overall's gap is stated in the results and the table, not only in the docs.
    expect(results.overall_note).toMatch(/math domain is missing/);
    expect(results.warnings.join('\n')).toMatch(/math domain is missing/);
    expect(r.stdout).toMatch(/overall: .*math domain is missing/);
    expect(Object.values(results.subsets).map((s) => [s.metric, s.n])).toEqual([['style-matrix', 129], ['style-matrix', 228], ['style-matrix', 284], ['style-matrix', 157]]);
    const items = readLines<SetOutcome>(out.replace(/\.json$/, '.scores.jsonl'));
    expect(items).toHaveLength(798);
    // Independent recomputation: A[i][j] = chosen_i longer than rejected_j.
    const sums: Record<string, { hard: number; normal: number; easy: number; n: number }> = {};
    for (const item of items) {
      const s = (sums[item.subset] ??= { hard: 0, normal: 0, easy: 0, n: 0 });
      s.n++;
      item.chosen_scores.forEach((c, i) =>
        item.rejected_scores.forEach((rj, j) => {
          const win = c! > rj! ? 1 : 0;
          if (i < j) s.hard += win / 3;
          else if (i === j) s.normal += win / 3;
          else s.easy += win / 3;
        }),
      );
    }
    for (const [name, s] of Object.entries(sums)) {
      const d = results.subsets[name]!.details!;
      expect(d.hard).toBeCloseTo(s.hard / s.n, 12);
      expect(d.normal).toBeCloseTo(s.normal / s.n, 12);
      expect(d.easy).toBeCloseTo(s.easy / s.n, 12);
    }
    // safety pools its two files by prompt count; overall is the mean of the three domains.
    const safetyHard = (sums['safety-refuse']!.hard + sums['safety-response']!.hard) / (284 + 157);
    expect(results.section_details!.safety!.hard).toBeCloseTo(safetyHard, 12);
    expect(results.overall).toBeCloseTo((results.sections.chat! + results.sections.code! + results.sections.safety!) / 3, 12);
  });

  it('rmb-bon: best-of-N accuracy (RMB: a tie is wrong) recomputed from the per-item scores matches the report', () => {
    const { r, results, out } = runLength('rmb-bon');
    expect(r.stdout).toMatch(/best-of-N accuracy \(1 only when the chosen beats every rejected; a tie is wrong\)/);
    expect(results.best_of_n_ties).toBe('wrong');
    expect(results.overall_note).toMatch(/mean of the 2 goals/);
    expect(r.stdout).toMatch(/overall: .*mean of the 2 goals/);
    const items = readLines<SetOutcome>(out.replace(/\.json$/, '.scores.jsonl'));
    expect(items).toHaveLength(3786);
    const bySection: Record<string, { sum: number; n: number }> = {};
    for (const item of items) {
      const best = item.chosen_scores[0]!;
      const value = item.rejected_scores.every((x) => best > x!) ? 1 : 0;
      expect(item.value).toBe(value);
      const section = results.subsets[item.subset]!.section;
      const s = (bySection[section] ??= { sum: 0, n: 0 });
      s.sum += value;
      s.n++;
    }
    for (const [name, s] of Object.entries(bySection)) expect(results.sections[name]).toBeCloseTo(s.sum / s.n, 12);
  });

  it('autoj-pairwise: human tie labels are reported and left out of accuracy', () => {
    const { results, out } = runLength('autoj-pairwise');
    const subsets = Object.values(results.subsets);
    expect(subsets.reduce((n, s) => n + (s.tie_labels ?? 0), 0)).toBe(373);
    expect(subsets.reduce((n, s) => n + s.n, 0)).toBe(1392 - 373);
    const pairs = readLines<PairOutcome>(out.replace(/\.json$/, '.scores.jsonl'));
    const counted = pairs.filter((p) => !p.tie_label);
    expect(results.overall).toBeCloseTo(counted.filter((p) => p.correct).length / counted.length, 12);
  });

  it('scores response sets through a real ONNX model too', () => {
    const dir = tempDir();
    writeBagOfWordsModel(join(dir, 'bow'), { sure: 1, sorry: -1, here: 0.5 });
    const out = join(dir, 'r.json');
    const r = rmbench(['run', join(dir, 'bow'), '--suite', 'rm-bench', '--limit', '5', '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    const results = readJson<Results>(out);
    expect(results.partial).toBe(true);
    expect(results.timing.responses).toBe(4 * 5 * 6);
  });

  it.skipIf(!hasShared('data'))('the conversion script reproduces the shipped Arrow files byte for byte', () => {
    const dir = tempDir();
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'scripts/convert-suites.ts'), join(SHARED, 'data')], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const shipped = readJson<Manifest>(join(ROOT, 'datasets.manifest.json'));
    const fresh = readJson<Manifest>(join(dir, 'datasets.manifest.json'));
    for (const suite of ['rm-bench', 'rmb-bon', 'autoj-pairwise']) {
      const pick = (m: Manifest) => m.suites[suite]!.subsets.map(({ name, sha256, rows, metric }) => ({ name, sha256, rows, metric }));
      expect(pick(fresh)).toEqual(pick(shipped));
    }
  }, 60_000);
});

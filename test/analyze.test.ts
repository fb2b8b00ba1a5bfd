/**
 * `rmbench analyze` (src/analysis/ensemble.ts, agreement.ts, export.ts, html.ts): Cohen's kappa and
 * the ensemble's preference strength against hand-computed values on hand-built runs, the export
 * with texts, the HTML page, the three committed default-model runs against an independent count,
 * bad input (exit 1, one line, nothing written), and property tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agreement, cohensKappa } from '../src/analysis/agreement.js';
import { analyze, type Analysis } from '../src/analysis/ensemble.js';
import type { FlaggedItem } from '../src/analysis/export.js';
import type { PairOutcome, SubsetResult } from '../src/report/schema.js';
import { CLI, ROOT, rmbench } from './helpers/cli.js';
import { resultsFor } from './helpers/results.js';
import { tempDir, writeSuite } from './helpers/suite.js';
import { expectUserError } from './helpers/refusal.js';

type Item = [subset: string, id: string, margin: number, tieLabel?: boolean];

/** A hand-built run: a results JSON with what analyze reads, and its scores file. */
function writeRun(dir: string, model: string, items: Item[], suite = { name: 'hand', version: '1' }): string {
  const outcomes: PairOutcome[] = items.map(([subset, id, margin, tie]) => ({
    key: `${subset}/${id}`, subset, id, chosen_score: margin, rejected_score: 0, correct: margin > 0, margin, ...(tie ? { tie_label: true as const } : {}),
  }));
  const subsets: Record<string, SubsetResult> = {};
  for (const o of outcomes) {
    if (o.tie_label) continue;
    const s = (subsets[o.subset] ??= { metric: 'pairwise', section: 'all', weight: 1, n: 0, correct: 0, ties: 0, accuracy: 0 });
    s.n++;
    s.correct += o.correct ? 1 : 0;
    s.accuracy = s.correct / s.n;
  }
  writeFileSync(join(dir, `${model}.scores.jsonl`), outcomes.map((o) => JSON.stringify(o)).join('\n') + '\n');
  const path = join(dir, `${model}.json`);
  writeFileSync(path, JSON.stringify(resultsFor({ model, suite, subsets, scores_file: `${model}.scores.jsonl` })));
  return path;
}

// Three models, six counted pairs and one pair labelled a human tie (left out).
const MARGINS: Record<string, number[]> = {
  A: [2, -2, 4, -4, 2, 0], // right: 1 0 1 0 1 0 (the last is a tie: wrong)
  B: [1, 1, -1, -1, 1, -1], // right: 1 1 0 0 1 0
  C: [3, -3, 3, -3, -3, -3], // right: 1 0 1 0 0 0
};
const KEYS: [string, string][] = [['s1', '1'], ['s1', '2'], ['s1', '3'], ['s1', '4'], ['s2', '1'], ['s2', '2']];
// Population standard deviations of each model's margins, by hand: A mean 1/3, E[x^2] 44/6 -> var 65/9;
// B mean 0, var 1; C mean -1, E[x^2] 9 -> var 8.
const SCALE: Record<string, number> = { A: Math.sqrt(65) / 3, B: 1, C: Math.sqrt(8) };

function handRuns(dir: string): string[] {
  return Object.entries(MARGINS).map(([model, margins]) =>
    writeRun(dir, model, [...KEYS.map(([s, id], i): Item => [s, id, margins[i]!]), ['s2', 'tied', model === 'A' ? 5 : -5, true]]),
  );
}

describe("Cohen's kappa", () => {
  it('matches the textbook example: 20 both yes, 5 and 10 split, 15 both no -> 0.4', () => {
    const a = [...Array(20).fill(true), ...Array(5).fill(true), ...Array(10).fill(false), ...Array(15).fill(false)];
    const b = [...Array(20).fill(true), ...Array(5).fill(false), ...Array(10).fill(true), ...Array(15).fill(false)];
    // p_o = 35/50 = 0.7; p_a = 0.5, p_b = 0.6; p_e = 0.3 + 0.2 = 0.5; kappa = 0.2 / 0.5.
    expect(agreement(a, b)).toEqual({ observed: 0.7, expected: 0.5, kappa: expect.closeTo(0.4, 15) });
  });

  it('is 1 for identical raters, -1 for opposite balanced ones, null when both are constant', () => {
    expect(cohensKappa([true, false, true], [true, false, true])).toBe(1);
    expect(cohensKappa([true, false], [false, true])).toBe(-1);
    expect(cohensKappa([true, true], [true, true])).toBeNull();
    expect(cohensKappa([false, false], [false, false])).toBeNull();
    // One constant rater against a varying one: p_e < 1, kappa 0.
    expect(cohensKappa([true, true, true, true], [true, false, true, false])).toBe(0);
  });

  it('is symmetric and within [-1, 1] (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 60 }), (pairs) => {
        const a = pairs.map((p) => p[0]);
        const b = pairs.map((p) => p[1]);
        const k = cohensKappa(a, b);
        expect(cohensKappa(b, a)).toBe(k);
        if (k !== null) expect(k >= -1 - 1e-12 && k <= 1 + 1e-12).toBe(true);
      }),
      { seed: 20240, numRuns: Number(process.env.RMBENCH_FUZZ_RUNS ?? 200) },
    );
  });
});

describe('rmbench analyze (subprocess, hand-built runs)', () => {
  it('computes strength, all-wrong items and kappa by hand; --json, --export and --html', () => {
    const dir = tempDir();
    const runs = handRuns(dir);
    // The texts for --export: a suite with the same keys.
    const text = (s: string, id: string) => ({ id, prompt: `prompt ${s} ${id}`, chosen: `good ${s} ${id}`, rejected: `bad ${s} ${id}` });
    const manifest = writeSuite(dir, 'hand', [
      { name: 's1', section: 'all', rows: ['1', '2', '3', '4'].map((id) => text('s1', id)) },
      { name: 's2', section: 'all', rows: [text('s2', '1'), text('s2', '2'), { ...text('s2', 'tied'), tie: true }] },
    ]);
    const exported = join(dir, 'out', 'flagged.jsonl');
    const html = join(dir, 'out', 'analysis.html');
    const r = rmbench(['analyze', ...runs, '--json', '--export', exported, '--html', html, '--manifest', manifest]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as Analysis;
    expect(a.models).toEqual(['A', 'B', 'C']);
    expect(a.items).toBe(6);
    // Every model wrong: s1/4 (all negative) and s2/2 (A ties: wrong).
    expect(a.pairs_all_wrong).toEqual(['s1/4', 's2/2']);
    // kappa by hand (see MARGINS): A-B p_o 4/6, p_e 1/2 -> 1/3; A-C p_o 5/6, p_e 1/2 -> 2/3; B-C p_o 1/2, p_e 1/2 -> 0.
    expect(a.kappa.A!.B).toBeCloseTo(1 / 3, 15);
    expect(a.kappa.A!.C).toBeCloseTo(2 / 3, 15);
    expect(a.kappa.B!.C).toBeCloseTo(0, 15);
    expect(a.kappa.C!.A).toBe(a.kappa.A!.C);
    expect(a.kappa.A!.A).toBe(1);
    expect(a.accuracy).toEqual({ A: 0.5, B: 0.5, C: 2 / 6 });
    for (const m of a.models) expect(a.margin_scale[m]).toBeCloseTo(SCALE[m]!, 14);
    a.pairs.forEach((p, i) => {
      const z = ['A', 'B', 'C'].map((m) => MARGINS[m]![i]! / SCALE[m]!);
      const mean = (z[0]! + z[1]! + z[2]!) / 3;
      const std = Math.sqrt(z.reduce((s, x) => s + (x - mean) ** 2, 0) / 3);
      expect(p.strength!.mean).toBeCloseTo(mean, 13);
      expect(p.strength!.std).toBeCloseTo(std, 13);
      expect(p.models_correct).toBe(['A', 'B', 'C'].filter((m) => MARGINS[m]![i]! > 0).length);
    });
    // s1: pairs 1..4 strengths; share negative and below -1 by hand from the same formula.
    const strengths = a.pairs.filter((p) => p.subset === 's1').map((p) => p.strength!.mean);
    expect(a.subsets.s1).toMatchObject({ n: 4, all_wrong: 1, all_right: 1 });
    expect(a.subsets.s1!.strength!.prefers_rejected).toBe(strengths.filter((x) => x < 0).length / 4);
    expect(a.subsets.s1!.strength!.strongly_prefers_rejected).toBe(strengths.filter((x) => x < -1).length / 4);
    expect(a.subsets.s1!.strength!.mean).toBeCloseTo(strengths.reduce((s, x) => s + x, 0) / 4, 14);
    // s1/4: z = (-4/(sqrt65/3), -1, -3/sqrt8) -> mean about -1.018: strong as well as all wrong.
    expect(a.flagged).toEqual(['s1/4', 's2/2']);
    const lines = readFileSync(exported, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FlaggedItem);
    expect(lines.map((l) => [l.key, l.reasons])).toEqual([
      ['s1/4', ['all_wrong', 'strongly_prefers_rejected']],
      ['s2/2', ['all_wrong']],
    ]);
    expect(lines[0]).toMatchObject({ prompt: 'prompt s1 4', chosen: 'good s1 4', rejected: 'bad s1 4', models_correct: 0, models: 3, margins: { A: -4, B: -1, C: -3 } });
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/<svg id="strength-histogram"/);
    expect(page).toMatch(/<tr data-subset="s1">/);
    expect(page).toMatch(/data-pair="A\|C"[^>]*>0\.667</);
    expect(page).toMatch(/<span id="flagged-count">2<\/span>/);
    expect(page).not.toMatch(/<script/);
  });

  it('prints a table and the kappa matrix without --json', () => {
    const dir = tempDir();
    const r = rmbench(['analyze', ...handRuns(dir)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/every model wrong: 2 of 6 items; flagged for review: 2/);
    expect(r.stdout).toMatch(/^A\s+1\.000\s+0\.333\s+0\.667$/m);
  });
});

describe('rmbench analyze on the committed default-model runs of rewardbench-v1', () => {
  it('finds exactly the pairs every model gets wrong, by an independent count over the scores files', () => {
    const runs = ['use-lite-bt', 'use-lite-armo', 'use-lite-gpm'].map((m) => join(ROOT, 'results', `${m}.rewardbench-v1.json`));
    // Its JSON (every pair's strength) is larger than spawnSync's default 1 MB buffer.
    const r = spawnSync(process.execPath, [CLI, 'analyze', ...runs, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status).toBe(0);
    const a = JSON.parse(r.stdout) as Analysis;
    const scores = runs.map((p) => readFileSync(p.replace(/\.json$/, '.scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PairOutcome));
    const wrong = scores.map((lines) => new Set(lines.filter((l) => !l.correct).map((l) => l.key)));
    const allWrong = scores[0]!.map((l) => l.key).filter((k) => wrong.every((w) => w.has(k)));
    expect(a.items).toBe(2985);
    expect(a.pairs_all_wrong).toEqual(allWrong);
    expect(Object.values(a.subsets).reduce((n, s) => n + s.all_wrong, 0)).toBe(allWrong.length);
    for (const m of a.models) expect(a.kappa[m]![m]).toBe(1);
    expect(a.kappa['use-lite-bt']!['use-lite-gpm']).toBe(a.kappa['use-lite-gpm']!['use-lite-bt']);
  });
});

describe('rmbench analyze: bad input', () => {
  it('refuses fewer than 2 runs, a duplicated model, another suite version, other items, a scores file that disagrees, a missing scores file', () => {
    const dir = tempDir();
    const [a, b] = handRuns(dir);
    expectUserError(rmbench(['analyze', a!]), /at least 2 models/);
    expectUserError(rmbench(['analyze', a!, a!]), /model "A" is also the model of/);
    const other = writeRun(dir, 'D', KEYS.map(([s, id]): Item => [s, id, 1]), { name: 'hand', version: '2' });
    expectUserError(rmbench(['analyze', a!, other]), /D\.json: suite hand v2, but .*A\.json is hand v1/);
    const fewer = writeRun(dir, 'E', KEYS.slice(1).map(([s, id]): Item => [s, id, 1]));
    expectUserError(rmbench(['analyze', a!, fewer]), /E\.json: has no item s1\/1, which .*A\.json has/);
    const lying = writeRun(dir, 'F', KEYS.map(([s, id]): Item => [s, id, 1]));
    const results = JSON.parse(readFileSync(lying, 'utf8'));
    results.subsets.s1.correct = 3;
    writeFileSync(lying, JSON.stringify(results));
    expectUserError(rmbench(['analyze', a!, lying]), /F\.json: its scores file disagrees with its results for subset s1/);
    const orphan = writeRun(dir, 'G', KEYS.map(([s, id]): Item => [s, id, 1]));
    writeFileSync(orphan.replace(/\.json$/, '.scores.jsonl'), '{"key": ');
    expectUserError(rmbench(['analyze', b!, orphan]), /G\.scores\.jsonl: line 1: not JSON/);
    const flat = writeRun(dir, 'H', KEYS.map(([s, id]): Item => [s, id, 1]));
    expectUserError(rmbench(['analyze', a!, flat]), /every margin of model H is the same/);
    expectUserError(rmbench(['analyze', a!, b!, '--strong', '-1']), /--strong.*non-negative number/);
  });

  it('writes neither --export nor --html when a later check fails, and leaves an existing file as it was', () => {
    const dir = tempDir();
    const runs = handRuns(dir);
    const manifest = writeSuite(dir, 'hand', [{ name: 's1', section: 'all', rows: [{ id: '1', prompt: 'p', chosen: 'c', rejected: 'r' }] }]);
    const exported = join(dir, 'flagged.jsonl');
    const html = join(dir, 'page.html');
    writeFileSync(html, 'before');
    const before = statSync(html).mtimeMs;
    // The suite's data lacks s1/4: refused after the analysis, before any file is written.
    expectUserError(rmbench(['analyze', ...runs, '--export', exported, '--html', html, '--manifest', manifest]), /no subset "s2"|has no item s1\/4/);
    expect(existsSync(exported)).toBe(false);
    expect(readFileSync(html, 'utf8')).toBe('before');
    expect(statSync(html).mtimeMs).toBe(before);
  });
});

describe('analyze (property): random runs give a refusal or a consistent result', () => {
  it('models_correct counts positive margins; all-wrong items are those no model decides right', () => {
    const margin = fc.integer({ min: -3, max: 3 });
    fc.assert(
      fc.property(fc.array(fc.array(margin, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 20 }), (rows) => {
        const runs = [0, 1, 2].map((m) => {
          const items = rows.map((row, i): PairOutcome => ({ key: `s/${i}`, subset: 's', id: String(i), chosen_score: row[m]!, rejected_score: 0, correct: row[m]! > 0, margin: row[m]! }));
          const correct = items.filter((x) => x.correct).length;
          const results = { schema_version: 1, model: `m${m}`, suite: { name: 'x', version: '1' }, subsets: { s: { metric: 'pairwise', n: items.length, correct } } };
          return { path: `m${m}.json`, results: results as never, pairs: items };
        });
        let result: Analysis;
        try {
          result = analyze(runs);
        } catch (err) {
          expect((err as Error).name).toBe('UserError');
          expect((err as Error).message).toMatch(/every margin of model m\d is the same/);
          return;
        }
        rows.forEach((row, i) => expect(result.pairs[i]!.models_correct).toBe(row.filter((x) => x > 0).length));
        expect(result.pairs_all_wrong).toEqual(rows.flatMap((row, i) => (row.every((x) => x <= 0) ? [`s/${i}`] : [])));
        for (const m of result.models) for (const n of result.models) expect(result.kappa[m]![n]).toBe(result.kappa[n]![m]);
      }),
      { seed: 20240, numRuns: Number(process.env.RMBENCH_FUZZ_RUNS ?? 200) },
    );
  });
});

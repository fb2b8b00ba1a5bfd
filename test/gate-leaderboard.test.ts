import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { holm } from '../src/report/gate.js';
import type { GateVerdict } from '../src/report/gate.js';
import type { Leaderboard } from '../src/report/leaderboard.js';
import { rmbench } from './helpers/cli.js';
import { tempDir } from './helpers/suite.js';
import { writeBagOfWordsModel } from './helpers/tiny-models.js';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('holm', () => {
  it('matches a hand-computed step-down adjustment', () => {
    // sorted 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone 0.06
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 12));
    expect(holm([0.5, 0.9])).toEqual([1, 1]);
  });
});

describe('rmbench gate and leaderboard on real runs', () => {
  const dir = tempDir();
  const refusals = { sorry: 1, cannot: 1, apologize: 1, sure: 0.5, here: 0.5, step: 0.25 };
  const runs: Record<string, string> = {};
  const runModel = (name: string, weights: Record<string, number>, extra: string[] = []) => {
    const model = join(dir, name);
    writeBagOfWordsModel(model, weights);
    const out = join(dir, `${name}${extra.length ? '-partial' : ''}.json`);
    const r = rmbench(['run', model, '--out', out, '--no-progress', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return out;
  };

  beforeAll(() => {
    runs.base = runModel('base', refusals);
    runs.same = runModel('same', refusals);
    // Refusal words now count against a response: Safety collapses.
    runs.worse = runModel('worse', { ...refusals, sorry: -1, cannot: -1, apologize: -1 });
    // One rare word's weight nudged: a handful of pairs move.
    runs.noisy = runModel('noisy', { ...refusals, step: 0.375 });
    runs.partial = runModel('base', refusals, ['--subsets', 'hep-go']);
  }, 120_000);

  const gate = (candidate: string, extra: string[] = []) => {
    const verdict = join(dir, `verdict-${Math.random().toString(36).slice(2)}.json`);
    const r = rmbench(['gate', '--baseline', runs.base!, '--candidate', candidate, '--verdict', verdict, '--resamples', '2000', ...extra]);
    return { ...r, verdict: existsSync(verdict) ? readJson<GateVerdict>(verdict) : undefined };
  };

  it('passes identical runs', () => {
    const r = gate(runs.same!);
    expect(r.code).toBe(0);
    expect(r.verdict!.verdict).toBe('pass');
    for (const c of r.verdict!.comparisons) {
      expect(c.delta_points).toBe(0);
      expect(c.p_value).toBe(1);
    }
    expect(r.stdout).toMatch(/gate: pass/);
  });

  it('fails a planted regression and names its section', () => {
    const r = gate(runs.worse!);
    expect(r.code).toBe(1);
    expect(r.verdict!.verdict).toBe('regression');
    expect(r.verdict!.regressions).toContain('Safety');
    const safety = r.verdict!.comparisons.find((c) => c.name === 'Safety')!;
    expect(safety.delta_points).toBeLessThan(-5);
    expect(safety.p_holm).toBeLessThan(0.05);
    expect(r.stdout).toMatch(/Safety .* REGRESSION/);
    expect(r.stderr).toMatch(/regression in .*Safety/);
  });

  it('passes a small noisy difference', () => {
    const r = gate(runs.noisy!);
    const verdict = r.verdict!;
    expect(verdict.comparisons.some((c) => c.delta_points !== 0)).toBe(true);
    for (const c of verdict.comparisons) expect(Math.abs(c.delta_points)).toBeLessThan(2);
    expect(r.code).toBe(0);
    expect(verdict.verdict).toBe('pass');
  });

  it('exits 2, never 1, on unusable input', () => {
    const partial = gate(runs.partial!);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/subsets, sections or weights differ/);
    const missing = gate(join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: cannot read results/);
    expect(gate(runs.same!, ['--alpha', '2']).code).toBe(2);
  });

  it('ranks full runs of one suite with intervals, and refuses partial runs', () => {
    const out = join(dir, 'board.json');
    const md = join(dir, 'board.md');
    const r = rmbench(['leaderboard', runs.worse!, runs.base!, runs.same!, '--out', out, '--markdown', md]);
    expect(r.code, r.stderr).toBe(0);
    const board = readJson<Leaderboard>(out);
    expect(board.suite).toEqual({ name: 'rewardbench-v1', version: '1.0.0' });
    expect(board.entries.map((e) => [e.rank, e.model])).toEqual([[1, 'base'], [1, 'same'], [3, 'worse']]);
    const best = board.entries[0]!;
    expect(best.overall_interval.low).toBeLessThanOrEqual(best.overall);
    expect(Object.keys(best.subsets)).toHaveLength(23);
    expect(readFileSync(md, 'utf8')).toMatch(/\| 1 \| base \| bradley-terry \| \d+\.\d \[\d+\.\d, \d+\.\d\] \|/);
    const bad = rmbench(['leaderboard', runs.base!, runs.partial!, '--out', join(dir, 'x.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/partial run .* cannot be ranked/);
  });
});

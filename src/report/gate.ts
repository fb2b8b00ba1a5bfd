/**
 * @file The regression gate: compares two runs of the same suite pair by pair. The statistic is a
 * paired bootstrap of the score difference (candidate minus baseline), resampling pairs within
 * subsets and combining with the benchmark's own weights, for every section and the overall score,
 * with Holm's correction across them. A comparison is a regression when the drop is larger than
 * the tolerance and significant: H0 "the true drop is at most the tolerance" is rejected at alpha.
 */
import { UserError } from '../errors.js';
import { notMeanOfItems } from '../metrics/registry.js';
import { combine, type Layout } from './aggregate.js';
import { checkSameData } from './data-fingerprint.js';
import { printable } from './table.js';
import { bootstrap } from './bootstrap.js';
import { outcomeValue, type ItemOutcome, type Results } from './schema.js';

export const VERDICT_SCHEMA_VERSION = 1;
export const GATE_DEFAULTS = { maxDropPoints: 1, alpha: 0.05, resamples: 10_000, seed: 20240 };

export interface GateOptions {
  /** Tolerated drop in percentage points (1.0 = one point). */
  maxDropPoints?: number;
  alpha?: number;
  resamples?: number;
  seed?: number;
  /** Told when a check cannot be made (a results file without a data fingerprint). */
  onWarning?: (message: string) => void;
}

export interface GateRun {
  path: string;
  results: Results;
  pairs: readonly ItemOutcome[];
}

export interface Comparison {
  /** "overall" or a section name. */
  name: string;
  baseline: number;
  candidate: number;
  /** Candidate minus baseline, in percentage points. */
  delta_points: number;
  /** One-sided bootstrap p-value of H0: drop <= tolerance. */
  p_value: number;
  p_holm: number;
  regression: boolean;
}

export interface GateVerdict {
  schema_version: typeof VERDICT_SCHEMA_VERSION;
  verdict: 'pass' | 'regression';
  suite: { name: string; version: string };
  baseline: { path: string; model: string; model_sha256: string | null; overall: number };
  candidate: { path: string; model: string; model_sha256: string | null; overall: number };
  pairs: number;
  max_drop_points: number;
  alpha: number;
  resamples: number;
  seed: number;
  comparisons: Comparison[];
  /** Names of the comparisons that regressed. */
  regressions: string[];
}

function layoutOf(results: Results): Layout {
  return {
    subsets: Object.entries(results.subsets).map(([name, s]) => ({ name, section: s.section, weight: s.weight })),
    sectionWeights: Object.fromEntries(Object.entries(results.section_weights).map(([name, weight]) => [name, { weight }])),
  };
}

/** Per-subset item values keyed by item, checked against what the results report. */
function correctness(run: GateRun): Map<string, Map<string, number>> {
  const bySubset = new Map<string, Map<string, number>>();
  for (const p of run.pairs) {
    if ('tie_label' in p) continue; // not counted in accuracy
    const m = bySubset.get(p.subset) ?? new Map<string, number>();
    m.set(p.key, outcomeValue(p));
    bySubset.set(p.subset, m);
  }
  for (const [name, s] of Object.entries(run.results.subsets)) {
    const formula = notMeanOfItems({ [name]: s });
    if (formula) throw new UserError(`${run.path}: ${formula}; the gate compares mean-of-items metrics only`);
    const m = bySubset.get(name);
    const correct = m ? [...m.values()].reduce((a, b) => a + b, 0) : 0;
    if (!m || m.size !== s.n || Math.abs(correct - s.correct) > 1e-9) {
      throw new UserError(`${run.path}: its scores file disagrees with its results for subset ${name} (${m?.size ?? 0} pairs, ${correct} correct; results say ${s.n}, ${s.correct})`);
    }
  }
  return bySubset;
}

/** Why a run may lack items: its selection, when it was partial. */
function selectionNote({ results: { partial, selection } }: GateRun): string {
  if (!partial) return '';
  const parts = [
    selection.subsets ? `--subsets ${selection.subsets.join(',')}` : '',
    selection.limit !== null ? `--limit ${selection.limit}` : '',
    selection.shard ? `--shard ${selection.shard.index}/${selection.shard.count}` : '',
  ].filter(Boolean);
  return ` (a partial run${parts.length ? `: ${parts.join(' ')}` : ''})`;
}

/** Holm's step-down adjustment; returns adjusted p-values in input order. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

export function gate(baseline: GateRun, candidate: GateRun, options: GateOptions = {}): GateVerdict {
  const { maxDropPoints, alpha, resamples, seed, onWarning } = { ...GATE_DEFAULTS, ...options };
  const b = baseline.results;
  const c = candidate.results;
  if (b.suite.name !== c.suite.name || b.suite.version !== c.suite.version) {
    throw new UserError(`cannot compare suite ${b.suite.name} v${b.suite.version} (${baseline.path}) with ${c.suite.name} v${c.suite.version} (${candidate.path})`);
  }
  const layout = layoutOf(b);
  if (JSON.stringify(layoutOf(c)) !== JSON.stringify(layout)) {
    throw new UserError(`${candidate.path}: its subsets, sections or weights differ from ${baseline.path}; runs must cover the same pairs`);
  }
  // Same subsets, so the fingerprints (over the subsets each run read) are comparable.
  checkSameData([baseline, candidate], 'the gate compares runs on one dataset').forEach((w) => onWarning?.(w));
  const base = correctness(baseline);
  const cand = correctness(candidate);
  const differences = layout.subsets.map(({ name }) => {
    const bs = base.get(name)!;
    const cs = cand.get(name)!;
    const keys = [...bs.keys()].sort();
    // Both ways: a partial run (--subsets/--limit/--shard) on either side is refused, not compared on the pairs it has.
    const missing = keys.find((k) => !cs.has(k));
    if (missing !== undefined) throw new UserError(`${candidate.path}: item ${printable(missing)} of the baseline is missing${selectionNote(candidate)}; runs must cover the same items`);
    const extra = [...cs.keys()].find((k) => !bs.has(k));
    if (extra !== undefined) throw new UserError(`${baseline.path}: item ${printable(extra)} of the candidate is missing${selectionNote(baseline)}; runs must cover the same items`);
    return Float64Array.from(keys, (k) => cs.get(k)! - bs.get(k)!);
  });
  const observed = combine(layout, differences.map((d) => d.reduce((a, x) => a + x, 0) / d.length));
  const draws = bootstrap(layout, differences, resamples, seed);
  const tolerance = maxDropPoints / 100;
  const names = [...Object.keys(observed.sections), 'overall'];
  const rows = names.map((name) => {
    const sample = name === 'overall' ? draws.overall : draws.sections[name]!;
    let atLeast = 0;
    for (const d of sample) if (d >= -tolerance) atLeast++;
    return {
      name,
      baseline: name === 'overall' ? b.overall : b.sections[name]!,
      candidate: name === 'overall' ? c.overall : c.sections[name]!,
      delta_points: 100 * (name === 'overall' ? observed.overall : observed.sections[name]!),
      p_value: (atLeast + 1) / (resamples + 1),
    };
  });
  const adjusted = holm(rows.map((r) => r.p_value));
  const comparisons = rows.map((r, i) => ({ ...r, p_holm: adjusted[i]!, regression: r.delta_points < -maxDropPoints && adjusted[i]! < alpha }));
  const regressions = comparisons.filter((x) => x.regression).map((x) => x.name);
  const side = (run: GateRun) => ({ path: run.path, model: run.results.model, model_sha256: run.results.model_sha256, overall: run.results.overall });
  return {
    schema_version: VERDICT_SCHEMA_VERSION,
    verdict: regressions.length ? 'regression' : 'pass',
    suite: b.suite,
    baseline: side(baseline),
    candidate: side(candidate),
    pairs: baseline.pairs.length,
    max_drop_points: maxDropPoints,
    alpha,
    resamples,
    seed,
    comparisons,
    regressions,
  };
}

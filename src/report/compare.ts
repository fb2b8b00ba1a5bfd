/**
 * @file Item-by-item comparison of two runs of one suite (local vs published, or local vs local):
 * per subset and overall, the share of items whose decisions agree and the keys of those that
 * flip; per subset, the Spearman correlation of the two runs' margins; per section and overall,
 * whether the score difference is significant, by the gate's paired bootstrap with Holm's
 * correction, two-sided. Items labelled as human ties are left out, as from accuracy.
 */
import { UserError } from '../errors.js';
import { notMeanOfItems } from '../metrics/registry.js';
import { pearson } from '../stats.js';
import { checkSameData } from './data-fingerprint.js';
import { GATE_DEFAULTS, gate, holm, type GateRun } from './gate.js';
import type { ItemOutcome } from './schema.js';

export const COMPARISON_SCHEMA_VERSION = 1;

export interface SubsetAgreement {
  name: string;
  section: string;
  n: number;
  /** Share of the subset's items whose decisions agree. */
  agreement: number;
  /** Keys of the items whose decisions differ, in the first run's order. */
  flips: string[];
  /** Spearman correlation of the margins (null without per-response scores or without variance). */
  spearman: number | null;
}

export interface ScoreDifference {
  /** "overall" or a section name. */
  name: string;
  a: number;
  b: number;
  /** b minus a, in percentage points. */
  delta_points: number;
  /** Two-sided paired bootstrap p-value, and Holm-adjusted across sections and overall. */
  p_value: number;
  p_holm: number;
  significant: boolean;
}

export interface Comparison {
  schema_version: typeof COMPARISON_SCHEMA_VERSION;
  suite: { name: string; version: string };
  a: { path: string; model: string; overall: number };
  b: { path: string; model: string; overall: number };
  items: number;
  agreement: number;
  flips: string[];
  subsets: SubsetAgreement[];
  significance:
    | { method: 'paired-bootstrap-holm'; alpha: number; resamples: number; seed: number; comparisons: ScoreDifference[] }
    | { skipped: string };
  /** Runs whose data could not be checked (no fingerprint: written by an older rmbench). */
  warnings: string[];
}

export interface CompareOptions {
  alpha?: number;
  resamples?: number;
  seed?: number;
}

/** What a run decided about an item: a pair's correctness, a set's value and metric parts. */
const decision = (o: ItemOutcome): string => ('value' in o ? JSON.stringify([o.value, o.details ?? null]) : String(o.correct));

/** A pair's margin; for a response set, the worst chosen score minus the best rejected one. */
function margin(o: ItemOutcome): number | null {
  if (!('value' in o)) return o.margin;
  const chosen = o.chosen_scores;
  const rejected = o.rejected_scores;
  if (chosen.includes(null) || rejected.includes(null)) return null;
  return Math.min(...(chosen as number[])) - Math.max(...(rejected as number[]));
}

/** Ranks from 1, tied values sharing the mean of their ranks. */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const ranks = new Array<number>(xs.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end++;
    for (let k = start; k <= end; k++) ranks[order[k]![1]] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return ranks;
}

/** Spearman's rho: Pearson's correlation of average ranks (null when either side is constant). */
export const spearman = (xs: readonly number[], ys: readonly number[]): number | null => pearson(averageRanks(xs), averageRanks(ys));

function counted(run: GateRun): Map<string, Map<string, ItemOutcome>> {
  const bySubset = new Map<string, Map<string, ItemOutcome>>();
  for (const o of run.pairs) {
    if ('tie_label' in o && o.tie_label) continue;
    const m = bySubset.get(o.subset) ?? new Map<string, ItemOutcome>();
    if (m.has(o.key)) throw new UserError(`${run.path}: its scores file has item ${o.key} twice`);
    bySubset.set(o.subset, m.set(o.key, o));
  }
  return bySubset;
}

export function compareRuns(a: GateRun, b: GateRun, options: CompareOptions = {}): Comparison {
  const { alpha, resamples, seed } = { ...GATE_DEFAULTS, ...options };
  const ra = a.results;
  const rb = b.results;
  if (ra.suite.name !== rb.suite.name || ra.suite.version !== rb.suite.version) {
    throw new UserError(`cannot compare suite ${ra.suite.name} v${ra.suite.version} (${a.path}) with ${rb.suite.name} v${rb.suite.version} (${b.path})`);
  }
  const warnings = checkSameData([a, b], 'compare only runs on the same data');
  const itemsA = counted(a);
  const itemsB = counted(b);
  const names = Object.keys(ra.subsets);
  const otherNames = Object.keys(rb.subsets);
  if (names.length !== otherNames.length || names.some((n) => !(n in rb.subsets))) {
    throw new UserError(`${b.path}: subsets ${otherNames.join(', ')} differ from ${a.path}'s (${names.join(', ')}); runs must cover the same items`);
  }
  const subsets = names.map((name): SubsetAgreement => {
    const left = itemsA.get(name) ?? new Map<string, ItemOutcome>();
    const right = itemsB.get(name) ?? new Map<string, ItemOutcome>();
    const missing = [...left.keys()].filter((k) => !right.has(k));
    const extra = [...right.keys()].filter((k) => !left.has(k));
    if (missing.length || extra.length) {
      const say = (keys: string[], where: string) => (keys.length ? `${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''} only in ${where}` : '');
      throw new UserError(`subset ${name}: items ${[say(missing, a.path), say(extra, b.path)].filter(Boolean).join('; ')}; runs must cover the same items`);
    }
    const keys = [...left.keys()];
    const flips = keys.filter((k) => decision(left.get(k)!) !== decision(right.get(k)!));
    const margins = keys.map((k) => [margin(left.get(k)!), margin(right.get(k)!)] as const);
    const known = margins.every(([x, y]) => x !== null && y !== null);
    return {
      name,
      section: ra.subsets[name]!.section,
      n: keys.length,
      agreement: keys.length ? 1 - flips.length / keys.length : 1,
      flips,
      spearman: known ? spearman(margins.map(([x]) => x!), margins.map(([, y]) => y!)) : null,
    };
  });
  const items = subsets.reduce((n, s) => n + s.n, 0);
  const flips = subsets.flatMap((s) => s.flips);
  return {
    schema_version: COMPARISON_SCHEMA_VERSION,
    suite: ra.suite,
    a: { path: a.path, model: ra.model, overall: ra.overall },
    b: { path: b.path, model: rb.model, overall: rb.overall },
    items,
    agreement: items ? 1 - flips.length / items : 1,
    flips,
    subsets,
    significance: significance(a, b, { alpha, resamples, seed }),
    warnings,
  };
}

/**
 * The gate run both ways with no tolerance gives the two one-sided p-values of the same paired
 * bootstrap (the same seed draws the same items, so one run's draws are the other's negated);
 * twice the smaller is the two-sided p-value, then Holm across sections and overall.
 */
function significance(a: GateRun, b: GateRun, options: Required<CompareOptions>): Comparison['significance'] {
  const formula = notMeanOfItems(a.results.subsets);
  if (formula) return { skipped: `${formula}; the paired bootstrap compares mean-of-items metrics only` };
  const gateOptions = { maxDropPoints: 0, resamples: options.resamples, seed: options.seed };
  const drop = gate(a, b, gateOptions).comparisons;
  const rise = gate(b, a, gateOptions).comparisons;
  const two = drop.map((d, i) => Math.min(1, 2 * Math.min(d.p_value, rise[i]!.p_value)));
  const adjusted = holm(two);
  return {
    method: 'paired-bootstrap-holm',
    alpha: options.alpha,
    resamples: options.resamples,
    seed: options.seed,
    comparisons: drop.map((d, i) => ({
      name: d.name,
      a: d.baseline,
      b: d.candidate,
      delta_points: d.delta_points,
      p_value: two[i]!,
      p_holm: adjusted[i]!,
      significant: adjusted[i]! < options.alpha,
    })),
  };
}

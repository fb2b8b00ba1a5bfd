/**
 * @file Content-blind baselines of a suite (`rmbench data audit`): for every subset, the score of
 * always preferring the longer response and of always preferring the shorter one, computed by the
 * subset's own metric (src/metrics) exactly as `rmbench run length` would score them,
 * against the metric's chance level, with the run's bootstrap intervals. A baseline whose interval
 * lies above chance means the subset can be solved without reading the content. Lengths are
 * Unicode code points of the bare responses (as length_bias counts them); a length tie is what
 * the metric makes of a tie (wrong for a pair). Where a subset's pairs kept their original A/B order
 * (label imports record chosen_position), always picking A and always picking B are baselines too.
 */
import { UserError } from '../errors.js';
import { combine } from '../report/aggregate.js';
import { DEFAULT_RESAMPLES, DEFAULT_SEED, confidenceIntervals } from '../report/bootstrap.js';
import { itemOutcome, preferenceItem } from '../metrics/item.js';
import { metricOf } from '../metrics/registry.js';
import type { Metric } from '../metrics/types.js';
import { outcomeValue, type BestOfNTies, type ConfidenceIntervals, type Interval, type ItemOutcome } from '../report/schema.js';
import { codePointLength } from '../code-points.js';
import { loadSubsets } from '../subsets/load.js';
import type { SubsetEntry, Suite } from '../subsets/manifest.js';
import { isSetRow, rowItem, type MetricKind, type Row } from '../subsets/types.js';

export const AUDIT_SCHEMA_VERSION = 1;
const INTERVAL_LEVEL = 0.95;
export const BASELINES = ['pick_longer', 'pick_shorter'] as const;
export type BaselineName = (typeof BASELINES)[number];

export interface SubsetAudit {
  metric: MetricKind;
  section: string;
  /** Items counted (pairs labelled as human ties are not, as in a run). */
  n: number;
  /** Expected score of a random scorer: 1/2 for pairs and style matrices, mean 1/N for best-of-N; null where the metric has none (rb2-ties). */
  chance: number | null;
  pick_longer: number;
  pick_shorter: number;
  /** 95% bootstrap intervals of the two baselines (null for rb2-ties, whose formula is not a proportion). */
  intervals: Record<BaselineName, Interval> | null;
  /** Items with two compared responses of equal length. */
  length_ties: number;
  /**
   * Always picking response A and always picking response B, on the pairs whose original A/B order
   * the file keeps (chosen_position, written by label imports); null where it keeps none.
   */
  pick_position: PickPosition | null;
  /** One sentence per baseline whose interval lies above chance (subsets of at least MIN_ITEMS_TO_FLAG items). */
  flags: string[];
}

export interface PickPosition {
  /** Pairs with a known position (pairs labelled as human ties are not counted). */
  n: number;
  chance: 0.5;
  pick_a: number;
  pick_b: number;
  /** 95% bootstrap intervals, resampling the pairs as the other baselines do. */
  intervals: { pick_a: Interval; pick_b: Interval };
}

export interface SuiteAudit {
  schema_version: typeof AUDIT_SCHEMA_VERSION;
  suite: { name: string; version: string };
  length_unit: 'unicode code points of the bare response';
  intervals: Pick<ConfidenceIntervals, 'method' | 'resamples' | 'level' | 'seed'>;
  subsets: Record<string, SubsetAudit>;
  /** The suite's section and overall scores of each baseline, combined with the suite's weights. */
  suite_scores: Record<BaselineName, { sections: Record<string, number>; overall: number; overall_interval: Interval }> | null;
  /** Names of the subsets with at least one flag. */
  flagged: string[];
}

/**
 * Fewer items are never flagged: a percentile bootstrap of a handful of items is degenerate (one
 * item gives a zero-width interval around its own value).
 */
export const MIN_ITEMS_TO_FLAG = 10;

/** Which way a content-blind baseline prefers: +1 picks the longer response, -1 the shorter. */
const DIRECTION: Record<BaselineName, 1 | -1> = { pick_longer: 1, pick_shorter: -1 };

/** One item's outcome under its metric (and the suite's best-of-n tie rule) when lengths (times `direction`) are the scores. */
function baselineOutcome(metric: Metric, row: Row, direction: 1 | -1, bestOfNTies: BestOfNTies | undefined): ItemOutcome {
  const { chosen, rejected } = rowItem(row);
  const score = (response: string) => direction * codePointLength(response);
  const item = preferenceItem(chosen, rejected, (a, b) => score(a) - score(b), score);
  return itemOutcome(row, item, metric.decide(item, bestOfNTies));
}

/** One item's value under its metric (and the suite's best-of-n tie rule) when preferences are length differences (times `direction`). */
export function baselineValue(metric: MetricKind, row: Row, direction: 1 | -1, bestOfNTies: BestOfNTies | undefined): number {
  return outcomeValue(baselineOutcome(metricOf(metric), row, direction, bestOfNTies));
}

/** A baseline over a subset: its item values and its score by the metric's own rule (a mean, or the metric's formula). */
function baselineOver(entry: SubsetEntry, rows: readonly Row[], direction: 1 | -1, bestOfNTies: BestOfNTies | undefined): { values: number[]; score: number } {
  const metric = metricOf(entry.metric);
  const accumulator = metric.accumulator();
  const values = rows.map((row) => {
    const outcome = baselineOutcome(metric, row, direction, bestOfNTies);
    accumulator.add(outcome);
    return outcomeValue(outcome);
  });
  return { values, score: accumulator.finish(values.length).accuracy ?? mean(values) };
}

function hasLengthTie(row: Row): boolean {
  const { chosen, rejected } = rowItem(row);
  const lengths = new Set(rejected.map(codePointLength));
  return chosen.some((c) => lengths.has(codePointLength(c)));
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Audits every subset of a suite (files verified by checksum and row count, as a run does). */
export function auditSuite(suite: Suite): SuiteAudit {
  const loaded = loadSubsets(suite, {}, true).map(({ entry, rows }) => {
    const counted = rows.filter((r) => isSetRow(r) || !r.tie);
    if (!counted.length) throw new UserError(`subset ${entry.name}: every pair is labelled a tie; nothing to audit`);
    return { entry, rows: counted };
  });
  const baselines = loaded.map(({ entry, rows }) => ({
    entry,
    runs: Object.fromEntries(BASELINES.map((b) => [b, baselineOver(entry, rows, DIRECTION[b], suite.best_of_n_ties)])) as Record<BaselineName, ReturnType<typeof baselineOver>>,
  }));
  // The bootstrap resamples item values, so it covers the subsets whose score is a mean of items.
  const proportions = baselines.filter(({ entry }) => metricOf(entry.metric).scoreIsItemMean);
  const layout = { subsets: proportions.map((s) => s.entry), sectionWeights: suite.sections };
  const intervals = Object.fromEntries(
    BASELINES.map((b) => [b, proportions.length ? confidenceIntervals(layout, proportions.map((s) => s.runs[b].values), { level: INTERVAL_LEVEL }) : null]),
  ) as Record<BaselineName, ConfidenceIntervals | null>;
  const subsets: Record<string, SubsetAudit> = {};
  loaded.forEach(({ entry, rows }, i) => {
    subsets[entry.name] = auditSubset(
      entry,
      rows,
      (b) => baselines[i]!.runs[b].score,
      (b) => intervals[b]?.subsets[entry.name],
    );
  });
  // Section and overall scores exist only when every subset's score is a mean of items.
  const suiteScores =
    proportions.length === loaded.length && proportions.length
      ? (Object.fromEntries(
          BASELINES.map((b) => {
            const combined = combine(layout, proportions.map(({ entry }) => subsets[entry.name]![b]));
            return [b, { ...combined, overall_interval: intervals[b]!.overall }];
          }),
        ) as SuiteAudit['suite_scores'])
      : null;
  return {
    schema_version: AUDIT_SCHEMA_VERSION,
    suite: { name: suite.name, version: suite.version },
    length_unit: 'unicode code points of the bare response',
    intervals: { method: 'bootstrap-percentile', resamples: DEFAULT_RESAMPLES, level: INTERVAL_LEVEL, seed: DEFAULT_SEED },
    subsets,
    suite_scores: suiteScores,
    flagged: Object.entries(subsets)
      .filter(([, s]) => s.flags.length)
      .map(([name]) => name),
  };
}

/** Pick-A and pick-B over the pairs that know their position; null when none does. */
function pickPosition(entry: SubsetEntry, rows: readonly Row[]): PickPosition | null {
  const known = rows.flatMap((r) => (!isSetRow(r) && r.chosen_position ? [r.chosen_position] : []));
  if (!known.length) return null;
  const pickA = known.map((p) => (p === 'A' ? 1 : 0));
  const pickB = pickA.map((x) => 1 - x);
  const layout = { subsets: [entry], sectionWeights: { [entry.section]: { weight: 1 } } };
  const interval = (values: number[]) => confidenceIntervals(layout, [values], { level: INTERVAL_LEVEL }).subsets[entry.name]!;
  return { n: known.length, chance: 0.5, pick_a: mean(pickA), pick_b: mean(pickB), intervals: { pick_a: interval(pickA), pick_b: interval(pickB) } };
}

function auditSubset(entry: SubsetEntry, rows: readonly Row[], score: (b: BaselineName) => number, intervalOf: (b: BaselineName) => Interval | undefined): SubsetAudit {
  const metric = metricOf(entry.metric);
  const chances = rows.map((row) => {
    const { chosen, rejected } = rowItem(row);
    return metric.chance({ chosen: chosen.length, rejected: rejected.length });
  });
  const chance = chances.every((c): c is number => c !== null) && chances.length ? mean(chances) : null;
  const intervals = metric.scoreIsItemMean ? { pick_longer: intervalOf('pick_longer')!, pick_shorter: intervalOf('pick_shorter')! } : null;
  const flags: string[] = [];
  const flag = (name: string, value: number, iv: Interval, chanceLevel: number) => {
    if (iv.low > chanceLevel) flags.push(`${name.replace('_', '-')} scores ${pct(value)} (95% interval ${pct(iv.low)}–${pct(iv.high)}), above chance ${pct(chanceLevel)}`);
  };
  if (chance !== null && intervals && rows.length >= MIN_ITEMS_TO_FLAG) for (const b of BASELINES) flag(b, score(b), intervals[b], chance);
  const position = pickPosition(entry, rows);
  if (position && position.n >= MIN_ITEMS_TO_FLAG) for (const p of ['pick_a', 'pick_b'] as const) flag(p, position[p], position.intervals[p], position.chance);
  return {
    metric: entry.metric,
    section: entry.section,
    n: rows.length,
    chance,
    pick_longer: score('pick_longer'),
    pick_shorter: score('pick_shorter'),
    intervals,
    length_ties: rows.filter(hasLengthTie).length,
    pick_position: position,
    flags,
  };
}

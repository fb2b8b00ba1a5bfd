/**
 * @file The contract of a metric (docs/metrics.md) and the types its parts share. A metric is one
 * entry of the registry (registry.ts) and declares everything the harness does differently for it:
 * the shape of its rows, how an item is decided from its preference matrix, what a subset
 * accumulates beyond the mean of item values, what the bootstrap resamples, how reports name it,
 * whether its score is a mean over items (what the paired regression gate needs), and how
 * reward-bench's result files hold it. Nothing outside src/metrics compares metric names.
 */
import type { BestOfNTies, ItemOutcome } from '../report/schema.js';
import type { MetricKind, SetRow } from '../subsets/types.js';

/** One item as a metric sees it. */
export interface PreferenceItem {
  /** matrix[c][r] = prefer(chosen c, rejected r): > 0 when chosen c is the better, 0 a tie. A pair is 1x1. */
  matrix: readonly (readonly number[])[];
  /** Each response's own score; null where the scorer has none (general-preference models). */
  chosenScores: readonly (number | null)[];
  rejectedScores: readonly (number | null)[];
}

/** An item's decision under its metric. */
export interface Decision {
  /** The item's value in [0, 1]: what a mean-of-items subset score averages. */
  value: number;
  /** Some decision in the item was an exact tie (credited by the metric's tie rule). */
  tie: boolean;
  /** Metric parts (style-matrix: hard, normal, easy). */
  details?: Record<string, number>;
}

/** A subset whose score is not a mean of item values: it recomputes the score from resampled units. */
export interface Resampler {
  units: number;
  compute(indices: ArrayLike<number>): number;
}

/** What a subset's items add up to beyond the mean of their values. */
export interface SubsetFigures {
  /** A subset score that is not the mean of item values (rb2-ties). */
  accuracy?: number;
  /** Metric parts (style-matrix: mean hard/normal/easy; rb2-ties: its formula's terms). */
  details?: Record<string, number>;
  /** The bootstrap's resampling when the item is not its unit (rb2-ties: a prompt with its groups). */
  statistic?: Resampler;
}

/** Accumulates a subset's counted items, streaming, in row order. */
export interface MetricAccumulator {
  add(outcome: ItemOutcome): void;
  /** The figures after `counted` items. */
  finish(counted: number): SubsetFigures;
}

/** What reward-bench's result files make of a metric (src/interop/reward-bench.ts). */
export interface RewardBenchFormat {
  /** The first eval-set-scores version whose shapes hold its items (v1 pairs, v2 response lists); null: none does. */
  version: 'v1' | 'v2' | null;
  /**
   * For a subset score that is a formula over items: the `results` entry reward-bench writes in
   * place of the item's value (it may also write null), and that rule in words for messages.
   * Absent: the entry is the item's value.
   */
  formulaResult?: { of(scores: readonly number[]): number; rule(scores: readonly number[]): string };
}

interface MetricEntry {
  readonly kind: MetricKind;
  /** The benchmark whose rule it is. */
  readonly source: string;
  /** Rating imports (the top-rated response against each lower-rated one) can give its rows. */
  readonly fromRatings: boolean;
  /** Its decision needs each response's own score, not only preferences. */
  readonly needsScores: boolean;
  /** Whether the suite's `best_of_n_ties` rule changes its decisions. */
  readonly readsBestOfNTies: boolean;
  /** Decides an item; `bestOfNTies` is the suite's rule (undefined: RewardBench 2's `shared`). */
  decide(item: PreferenceItem, bestOfNTies?: BestOfNTies): Decision;
  /** A fresh accumulator for one subset. */
  accumulator(): MetricAccumulator;
  /**
   * The subset score is the mean of its item values, so items are the bootstrap's unit and the
   * paired bootstrap (regression gate, compare, leaderboard tiers) and the audit's intervals apply.
   */
  readonly scoreIsItemMean: boolean;
  /** A random scorer's expected item value, given the item's response counts; null where it has none. */
  chance(responses: { chosen: number; rejected: number }): number | null;
  /** What the table's metric line calls it. */
  label(bestOfNTies: BestOfNTies): string;
  /** How an exact tie of preferences is credited, in words. */
  tieRule(bestOfNTies: BestOfNTies): string;
  /** What its `ties` count counts: one, many. */
  readonly tiedItems: readonly [one: string, many: string];
  readonly rewardBench: RewardBenchFormat;
}

/** A metric over pairs: one chosen and one rejected string per row (PairRow). */
export interface PairMetric extends MetricEntry {
  readonly rows: 'pairs';
}

/** A metric over lists of responses (SetRow), whose sizes or ids it checks. */
export interface SetMetric extends MetricEntry {
  readonly rows: 'sets';
  /** Why a row does not fit the metric (response counts, ids), or null when it does. */
  setRowProblem(row: SetRow): string | null;
}

export type Metric = PairMetric | SetMetric;

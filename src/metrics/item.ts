/**
 * @file An item as the metrics see it: its preference matrix and scores built from its responses,
 * and its outcome as the scores file records it. Shared by the run (src/bench/evaluate.ts) and the
 * analyses that decide items themselves (audit, probe), so all decide and record alike.
 */
import type { BestOfNTies, ItemOutcome, PairOutcome, SetOutcome } from '../report/schema.js';
import { isSetRow, pairKey, type PairRow, type Row, type SetRow } from '../subsets/types.js';
import type { Decision, Metric, MetricAccumulator, PreferenceItem } from './types.js';

/** The item of a row's responses (chosen first), given a preference between two and each one's own score. */
export function preferenceItem<T>(chosen: readonly T[], rejected: readonly T[], prefer: (a: T, b: T) => number, score: (response: T) => number | null): PreferenceItem {
  return { matrix: chosen.map((c) => rejected.map((r) => prefer(c, r))), chosenScores: chosen.map(score), rejectedScores: rejected.map(score) };
}

/** Some preference of the item is an exact tie. */
export const hasTie = (item: PreferenceItem): boolean => item.matrix.some((row) => row.includes(0));

/** The scores file's record of a decided item (a pair's human tie label and scorer outputs are the run's to add). */
export function itemOutcome(row: PairRow, item: PreferenceItem, decision: Decision): PairOutcome;
export function itemOutcome(row: SetRow, item: PreferenceItem, decision: Decision): SetOutcome;
export function itemOutcome(row: Row, item: PreferenceItem, decision: Decision): ItemOutcome;
export function itemOutcome(row: Row, item: PreferenceItem, decision: Decision): ItemOutcome {
  const base = { key: pairKey(row), subset: row.subset, id: row.id };
  if (!isSetRow(row)) {
    const margin = item.matrix[0]![0]!;
    return { ...base, chosen_score: item.chosenScores[0]!, rejected_score: item.rejectedScores[0]!, correct: decision.value === 1, margin };
  }
  return {
    ...base,
    chosen_scores: [...item.chosenScores],
    rejected_scores: [...item.rejectedScores],
    value: decision.value,
    ...(decision.details ? { details: decision.details } : {}),
    ...(decision.tie ? { tie: true as const } : {}),
  };
}

/**
 * The decision of an item that reads an invalid output (a judge answer without a verdict, which is
 * never right): value 0 and every part 0, whatever the metric credits for a tie; not a tie. A
 * metric that decides from scores gets none here (the invalid response has no score); rb2-ties
 * reads the missing score itself (rb2-ties.ts).
 */
export function invalidDecision(metric: Metric, item: PreferenceItem, bestOfNTies?: BestOfNTies): Decision {
  const details = metric.needsScores ? undefined : metric.decide(item, bestOfNTies).details;
  return { value: 0, tie: false, ...(details ? { details: Object.fromEntries(Object.keys(details).map((k) => [k, 0])) } : {}) };
}

/** The accumulator of a metric whose subset score is the mean of item values and has no parts. */
export const itemMeanAccumulator = (): MetricAccumulator => ({ add: () => {}, finish: () => ({}) });

/**
 * @file An item's value under its metric from a matrix of preferences, for the analyses that
 * decide items themselves (content-blind baselines, probes). prefers[i][j] > 0 when chosen
 * response i beats rejected response j; a pair is the 1x1 matrix. The rules are the metrics' own
 * (src/report/metrics.ts), a best-of-n item's tie at the top credited by the suite's
 * `best_of_n_ties` rule (undefined: RewardBench 2's `shared`), as a run credits it; an rb2-ties item is accurate when every correct answer beats every
 * incorrect one (its subset score is a formula over items, not their mean).
 */
import { bestOfN, pairwise, styleMatrix } from '../report/metrics.js';
import type { BestOfNTies } from '../report/schema.js';
import { isSetRow, type MetricKind, type Row } from '../subsets/types.js';

export function itemValue(metric: MetricKind, prefers: readonly (readonly number[])[], bestOfNTies: BestOfNTies | undefined): number {
  switch (metric) {
    case 'pairwise':
      return pairwise(prefers[0]![0]!);
    case 'best-of-n':
      return bestOfN(prefers[0]!, bestOfNTies);
    case 'style-matrix':
      return styleMatrix(prefers).value;
    case 'rb2-ties':
      return prefers.flat().every((p) => p > 0) ? 1 : 0;
  }
}

/** The responses of a row, chosen first: what a scorer is asked for. */
export function rowResponses(row: Row): { chosen: readonly string[]; rejected: readonly string[] } {
  return isSetRow(row) ? { chosen: row.chosen, rejected: row.rejected } : { chosen: [row.chosen], rejected: [row.rejected] };
}

/** The preference matrix of a row, given a preference between two responses. */
export function preferenceMatrix<T>(chosen: readonly T[], rejected: readonly T[], prefer: (a: T, b: T) => number): number[][] {
  return chosen.map((c) => rejected.map((r) => prefer(c, r)));
}

/**
 * @file The style-matrix metric (RM-Bench): a row holds k chosen and k rejected style variants
 * (concise, detailed plain, detailed markdown). A[i][j] = 1 when chosen_i beats rejected_j (a tie
 * is a loss); hard = mean of the upper triangle, normal = the diagonal, easy = the lower
 * triangle; the item's value is mean(hard, normal, easy). The subset score is the mean over items,
 * and hard/normal/easy are reported as their means.
 */
import { hasTie } from './item.js';
import type { MetricAccumulator, SetMetric } from './types.js';

export interface StyleMatrixValue {
  hard: number;
  normal: number;
  easy: number;
  value: number;
}

/** prefers[i][j] = prefer(chosen_i, rejected_j), a square matrix (3x3 in RM-Bench). */
export function styleMatrix(prefers: readonly (readonly number[])[]): StyleMatrixValue {
  const k = prefers.length;
  let hard = 0;
  let normal = 0;
  let easy = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const win = prefers[i]![j]! > 0 ? 1 : 0;
      if (i < j) hard += win;
      else if (i === j) normal += win;
      else easy += win;
    }
  }
  const off = (k * (k - 1)) / 2;
  const result = { hard: hard / off, normal: normal / k, easy: easy / off };
  return { ...result, value: (result.hard + result.normal + result.easy) / 3 };
}

/** Sums the items' parts; the subset's parts are their means. */
function partsAccumulator(): MetricAccumulator {
  const sums: Record<string, number> = {};
  return {
    add(outcome) {
      if (!('value' in outcome)) return;
      for (const [k, v] of Object.entries(outcome.details ?? {})) sums[k] = (sums[k] ?? 0) + v;
    },
    finish: (counted) => ({ details: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / counted])) }),
  };
}

export const STYLE_MATRIX: SetMetric = {
  kind: 'style-matrix',
  source: 'RM-Bench',
  rows: 'sets',
  setRowProblem: (r) =>
    r.chosen.length >= 2 && r.chosen.length === r.rejected.length ? null : `style-matrix needs as many chosen as rejected variants (>= 2), found ${r.chosen.length} and ${r.rejected.length}`,
  fromRatings: false,
  needsScores: false,
  readsBestOfNTies: false,
  decide(item) {
    const { value, ...details } = styleMatrix(item.matrix);
    return { value, details, tie: hasTie(item) };
  },
  accumulator: partsAccumulator,
  scoreIsItemMean: true,
  chance: () => 0.5,
  label: () => 'RM-Bench style matrix: mean of hard, normal, easy',
  tieRule: () => 'the tied comparison counts as a loss',
  tiedItems: ['item with a tied comparison', 'items with a tied comparison'],
  // reward-bench's files have no place for which variant is which.
  rewardBench: { version: null },
};

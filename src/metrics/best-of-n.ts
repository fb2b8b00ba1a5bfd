/**
 * @file The best-of-n metric (RewardBench 2's best-of-4 subsets, RMB's best-of-N): a row is one
 * chosen and n rejected responses. The item is 0 when some rejected beats the chosen; when k
 * rejected tie it at the top, the suite's `best_of_n_ties` rule decides: `shared` (RewardBench 2)
 * 1 / #(responses at the maximum) = 1/(1+k), `wrong` (RMB, as RM-R1's public code) 0. For a
 * general-preference model this is "the chosen beats every rejected". Mean over items.
 */
import type { BestOfNTies } from '../report/schema.js';
import { hasTie, itemMeanAccumulator } from './item.js';
import type { SetMetric } from './types.js';

/** prefers[i] = prefer(chosen, rejected_i). */
export function bestOfN(prefers: readonly number[], rule: BestOfNTies = 'shared'): number {
  let ties = 0;
  for (const p of prefers) {
    if (p < 0) return 0;
    if (p === 0) ties++;
  }
  if (rule === 'wrong' && ties > 0) return 0;
  return 1 / (1 + ties);
}

export const BEST_OF_N: SetMetric = {
  kind: 'best-of-n',
  source: 'RewardBench 2 best-of-4, RMB best-of-N',
  rows: 'sets',
  setRowProblem: (r) => (r.chosen.length === 1 && r.rejected.length >= 1 ? null : `best-of-n needs 1 chosen and at least 1 rejected, found ${r.chosen.length} and ${r.rejected.length}`),
  fromRatings: true,
  needsScores: false,
  readsBestOfNTies: true,
  decide: (item, rule) => ({ value: bestOfN(item.matrix[0]!, rule), tie: hasTie(item) }),
  accumulator: itemMeanAccumulator,
  scoreIsItemMean: true,
  chance: ({ rejected }) => 1 / (1 + rejected),
  label: (rule) =>
    rule === 'shared' ? 'best-of-N accuracy (1/#maxima when the chosen is among them)' : 'best-of-N accuracy (1 only when the chosen beats every rejected; a tie is wrong)',
  tieRule: (rule) => (rule === 'shared' ? 'credit shared: 1/(1+k) with k rejected tied at the top' : 'counted wrong'),
  tiedItems: ['tied item', 'tied items'],
  rewardBench: { version: 'v2' },
};

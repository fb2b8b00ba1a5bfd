/**
 * @file The pairwise metric (RewardBench v1; RAG-RewardBench is pairwise too): a row is one prompt
 * with a chosen and a rejected response; the item is 1 when prefer(chosen, rejected) > 0, else 0,
 * so an exact tie is wrong. The subset score is the mean over items.
 */
import { hasTie, itemMeanAccumulator } from './item.js';
import type { PairMetric } from './types.js';

export const pairwise = (prefer: number): number => (prefer > 0 ? 1 : 0);

export const PAIRWISE: PairMetric = {
  kind: 'pairwise',
  source: 'RewardBench v1',
  rows: 'pairs',
  fromRatings: true,
  needsScores: false,
  readsBestOfNTies: false,
  decide: (item) => ({ value: pairwise(item.matrix[0]![0]!), tie: hasTie(item) }),
  accumulator: itemMeanAccumulator,
  scoreIsItemMean: true,
  chance: () => 0.5,
  label: () => 'pairwise accuracy (a tie is wrong)',
  tieRule: () => 'counted wrong',
  tiedItems: ['tie', 'ties'],
  rewardBench: { version: 'v1' },
};

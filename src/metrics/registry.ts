/**
 * @file The metric registry: one entry per MetricKind (the manifest's `metric`, whose names the
 * schema in src/subsets/types.ts lists). Everything that depends on a subset's metric asks its
 * entry here; no other code compares metric names.
 */
import type { BestOfNTies } from '../report/schema.js';
import type { MetricKind } from '../subsets/types.js';
import { BEST_OF_N } from './best-of-n.js';
import { PAIRWISE } from './pairwise.js';
import { RB2_TIES } from './rb2-ties.js';
import { STYLE_MATRIX } from './style-matrix.js';
import type { Metric } from './types.js';

export const METRICS: Readonly<Record<MetricKind, Metric>> = {
  pairwise: PAIRWISE,
  'best-of-n': BEST_OF_N,
  'style-matrix': STYLE_MATRIX,
  'rb2-ties': RB2_TIES,
};

/** The metric of a subset that names none (imports without --metric, rows read without a manifest entry). */
export const DEFAULT_METRIC: MetricKind = PAIRWISE.kind;

export const metricOf = (kind: MetricKind): Metric => METRICS[kind];

/** A subset's `ties` count and how they were credited, e.g. "2 ties (counted wrong)". */
export function tieWords(kind: MetricKind, ties: number, bestOfNTies: BestOfNTies = 'shared'): string {
  const metric = metricOf(kind);
  return `${ties} ${metric.tiedItems[ties === 1 ? 0 : 1]} (${metric.tieRule(bestOfNTies)})`;
}

/**
 * Why a paired bootstrap over items cannot compare runs with these subsets: "subset Ties uses the
 * rb2-ties formula, which is not a mean over items"; null when every subset's score is a mean of items.
 */
export function notMeanOfItems(subsets: Readonly<Record<string, { metric: MetricKind }>>): string | null {
  const formulas = Object.entries(subsets).filter(([, s]) => !metricOf(s.metric).scoreIsItemMean);
  if (!formulas.length) return null;
  const kinds = [...new Set(formulas.map(([, s]) => s.metric))];
  return `subset ${formulas.map(([name]) => name).join(', ')} uses the ${kinds.join(', ')} formula, which is not a mean over items`;
}

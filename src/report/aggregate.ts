/**
 * @file Pure aggregation, exactly as the reference benchmarks define it (docs/results.md):
 * subset accuracy = correct / n (ties are wrong); section = sum(acc_s * w_s) / sum(w_s) over its
 * subsets; overall = sum(section * W) / sum(W) over sections with the suite's section weights.
 * Only the subsets present are used, so a partial run aggregates what it ran.
 */
import type { SubsetEntry } from '../subsets/manifest.js';
import type { PairOutcome, SubsetResult } from './schema.js';

export interface SubsetOutcomes {
  entry: Pick<SubsetEntry, 'name' | 'section' | 'weight'>;
  outcomes: readonly Pick<PairOutcome, 'correct'>[];
  /** Pairs whose preference was exactly 0. */
  ties: number;
}

export interface Aggregate {
  subsets: Record<string, SubsetResult>;
  sections: Record<string, number>;
  section_weights: Record<string, number>;
  overall: number;
}

export function weightedMean(values: readonly (readonly [value: number, weight: number])[]): number {
  let sum = 0;
  let weights = 0;
  for (const [v, w] of values) {
    sum += v * w;
    weights += w;
  }
  if (weights <= 0) throw new RangeError('weighted mean over zero total weight');
  return sum / weights;
}

export function aggregate(sectionWeights: Readonly<Record<string, { weight: number }>>, subsets: readonly SubsetOutcomes[]): Aggregate {
  const subsetResults: Record<string, SubsetResult> = {};
  const bySection = new Map<string, [number, number][]>();
  for (const { entry, outcomes, ties } of subsets) {
    if (outcomes.length === 0) throw new RangeError(`subset ${entry.name} has no outcomes`);
    const correct = outcomes.reduce((n, o) => n + (o.correct ? 1 : 0), 0);
    const accuracy = correct / outcomes.length;
    subsetResults[entry.name] = { section: entry.section, weight: entry.weight, n: outcomes.length, correct, ties, accuracy };
    const list = bySection.get(entry.section) ?? [];
    list.push([accuracy, entry.weight]);
    bySection.set(entry.section, list);
  }
  const sections: Record<string, number> = {};
  const weights: Record<string, number> = {};
  for (const [name, values] of bySection) {
    sections[name] = weightedMean(values);
    const w = sectionWeights[name]?.weight;
    if (w === undefined) throw new RangeError(`section ${name} has no weight`);
    weights[name] = w;
  }
  const overall = weightedMean(Object.keys(sections).map((name) => [sections[name]!, weights[name]!] as const));
  return { subsets: subsetResults, sections, section_weights: weights, overall };
}

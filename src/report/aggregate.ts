/**
 * @file Pure aggregation, exactly as the reference benchmarks define it (docs/results.md):
 * subset accuracy = correct / n (ties are wrong); section = sum(acc_s * w_s) / sum(w_s) over its
 * subsets; overall = sum(section * W) / sum(W) over sections with the suite's section weights.
 * Only the subsets present are used, so a partial run aggregates what it ran. The bootstrap and
 * the regression gate combine resampled subset values with the same `combine`.
 */
import type { SubsetEntry } from '../subsets/manifest.js';
import type { PairOutcome, SubsetResult } from './schema.js';

export interface SubsetOutcomes {
  entry: Pick<SubsetEntry, 'name' | 'section' | 'weight'>;
  outcomes: readonly Pick<PairOutcome, 'correct'>[];
  /** Pairs whose preference was exactly 0. */
  ties: number;
}

/** Where each subset sits: its section and weight, and each section's weight in the overall. */
export interface Layout {
  subsets: readonly Pick<SubsetEntry, 'name' | 'section' | 'weight'>[];
  sectionWeights: Readonly<Record<string, { weight: number }>>;
}

export interface Combined {
  sections: Record<string, number>;
  overall: number;
}

export interface Aggregate extends Combined {
  subsets: Record<string, SubsetResult>;
  section_weights: Record<string, number>;
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

/** Section and overall scores from one value per subset (in layout order). */
export function combine(layout: Layout, subsetValues: ArrayLike<number>): Combined {
  const bySection = new Map<string, [number, number][]>();
  layout.subsets.forEach((s, i) => {
    const list = bySection.get(s.section) ?? [];
    list.push([subsetValues[i]!, s.weight]);
    bySection.set(s.section, list);
  });
  const sections: Record<string, number> = {};
  const overallTerms: [number, number][] = [];
  for (const [name, values] of bySection) {
    const w = layout.sectionWeights[name]?.weight;
    if (w === undefined) throw new RangeError(`section ${name} has no weight`);
    sections[name] = weightedMean(values);
    overallTerms.push([sections[name], w]);
  }
  return { sections, overall: weightedMean(overallTerms) };
}

export function aggregate(sectionWeights: Layout['sectionWeights'], subsets: readonly SubsetOutcomes[]): Aggregate {
  const subsetResults: Record<string, SubsetResult> = {};
  const accuracies = subsets.map(({ entry, outcomes, ties }) => {
    if (outcomes.length === 0) throw new RangeError(`subset ${entry.name} has no outcomes`);
    const correct = outcomes.reduce((n, o) => n + (o.correct ? 1 : 0), 0);
    const accuracy = correct / outcomes.length;
    subsetResults[entry.name] = { section: entry.section, weight: entry.weight, n: outcomes.length, correct, ties, accuracy };
    return accuracy;
  });
  const { sections, overall } = combine({ subsets: subsets.map((s) => s.entry), sectionWeights }, accuracies);
  const section_weights = Object.fromEntries(Object.keys(sections).map((name) => [name, sectionWeights[name]!.weight]));
  return { subsets: subsetResults, sections, section_weights, overall };
}

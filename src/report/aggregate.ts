/**
 * @file Pure aggregation, exactly as the reference benchmarks define it (docs/results.md):
 * subset accuracy = correct / n (ties are wrong); section = sum(acc_s * w_s) / sum(w_s) over its
 * subsets; overall = sum(section * W) / sum(W) over sections with the suite's section weights.
 * Only the subsets present are used, so a partial run aggregates what it ran. The bootstrap and
 * the regression gate combine resampled subset values with the same `combine`.
 */
import { DEFAULT_METRIC } from '../metrics/registry.js';
import type { SubsetEntry } from '../subsets/manifest.js';
import type { SubsetResult } from './schema.js';

export interface SubsetOutcomes {
  entry: Pick<SubsetEntry, 'name' | 'section' | 'weight'> & Partial<Pick<SubsetEntry, 'metric'>>;
  /** Each counted item's value in [0, 1] (pairwise: 1 correct, 0 not). */
  values: readonly number[];
  /** Items decided by an exact tie. */
  ties: number;
  /** Pairs left out because humans labelled them equally good. */
  tieLabels?: number;
  /** A subset-level score that is not the mean of item values (rb2-ties). */
  accuracy?: number;
  /** Metric parts (style-matrix hard/normal/easy; rb2-ties terms). */
  details?: Record<string, number>;
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
  section_details?: Record<string, Record<string, number>>;
  overall_details?: Record<string, number>;
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
  const accuracies = subsets.map(({ entry, values, ties, tieLabels, accuracy, details }) => {
    if (values.length === 0) throw new RangeError(`subset ${entry.name} has no counted items`);
    const correct = values.reduce((n, v) => n + v, 0);
    const score = accuracy ?? correct / values.length;
    subsetResults[entry.name] = {
      metric: entry.metric ?? DEFAULT_METRIC,
      section: entry.section,
      weight: entry.weight,
      n: values.length,
      correct,
      ties,
      accuracy: score,
      ...(tieLabels ? { tie_labels: tieLabels } : {}),
      ...(details ? { details } : {}),
    };
    return score;
  });
  const layout = { subsets: subsets.map((s) => s.entry), sectionWeights };
  const { sections, overall } = combine(layout, accuracies);
  const section_weights = Object.fromEntries(Object.keys(sections).map((name) => [name, sectionWeights[name]!.weight]));
  return { subsets: subsetResults, sections, section_weights, overall, ...combineDetails(layout, subsets.map((s) => s.details)) };
}

/** Combines metric parts that every subset has (e.g. RM-Bench's hard/normal/easy) like the scores. */
function combineDetails(layout: Layout, details: readonly (Record<string, number> | undefined)[]): Pick<Aggregate, 'section_details' | 'overall_details'> {
  const keys = details.every((d) => d) ? Object.keys(details[0]!).filter((k) => details.every((d) => k in d!)) : [];
  if (!keys.length) return {};
  const section_details: Record<string, Record<string, number>> = {};
  const overall_details: Record<string, number> = {};
  for (const key of keys) {
    const combined = combine(layout, details.map((d) => d![key]!));
    for (const [name, value] of Object.entries(combined.sections)) (section_details[name] ??= {})[key] = value;
    overall_details[key] = combined.overall;
  }
  return { section_details, overall_details };
}

/**
 * @file Seeded bootstrap over pairs, resampled within each subset (so subset sizes stay fixed, as
 * in the benchmark), combined into sections and overall with the benchmark's own weights.
 * Used for the confidence intervals of a run and, paired, by the regression gate.
 */
import type { Resampler } from '../metrics/types.js';
import { combine, type Layout } from './aggregate.js';
import type { ConfidenceIntervals, Interval } from './schema.js';

export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_SEED = 20240;

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; the same seed gives the same stream everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapDraws {
  /** draws[r][i]: resample r's mean of subset i's values. */
  subsetMeans: Float64Array[];
  sections: Record<string, Float64Array>;
  overall: Float64Array;
}

export type BootstrapInput = ArrayLike<number> | Resampler;

/**
 * Resamples each subset's per-item values (e.g. 1/0 correctness, or candidate-minus-baseline
 * differences) with replacement and combines the means like the benchmark's scores.
 */
export function bootstrap(layout: Layout, values: readonly BootstrapInput[], resamples = DEFAULT_RESAMPLES, seed = DEFAULT_SEED): BootstrapDraws {
  const random = prng(seed);
  const subsetMeans: Float64Array[] = [];
  const overall = new Float64Array(resamples);
  const sections: Record<string, Float64Array> = {};
  for (let r = 0; r < resamples; r++) {
    const means = new Float64Array(values.length);
    values.forEach((v, i) => {
      if ('compute' in v) {
        const indices = Uint32Array.from({ length: v.units }, () => Math.floor(random() * v.units));
        means[i] = v.compute(indices);
        return;
      }
      const n = v.length;
      let sum = 0;
      for (let k = 0; k < n; k++) sum += v[Math.floor(random() * n)]!;
      means[i] = sum / n;
    });
    subsetMeans.push(means);
    const combined = combine(layout, means);
    for (const [name, score] of Object.entries(combined.sections)) (sections[name] ??= new Float64Array(resamples))[r] = score;
    overall[r] = combined.overall;
  }
  return { subsetMeans, sections, overall };
}

/** Quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function percentileInterval(draws: ArrayLike<number>, level: number): Interval {
  const sorted = Float64Array.from(draws).sort();
  return { low: quantile(sorted, (1 - level) / 2), high: quantile(sorted, 1 - (1 - level) / 2) };
}

/** 95% percentile intervals for every subset, section and the overall score of one run. */
export function confidenceIntervals(layout: Layout, correct: readonly BootstrapInput[], options: { resamples?: number; seed?: number; level?: number } = {}): ConfidenceIntervals {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  const level = options.level ?? 0.95;
  const draws = bootstrap(layout, correct, resamples, seed);
  return {
    method: 'bootstrap-percentile',
    resamples,
    level,
    seed,
    subsets: Object.fromEntries(layout.subsets.map((s, i) => [s.name, percentileInterval(draws.subsetMeans.map((m) => m[i]!), level)])),
    sections: Object.fromEntries(Object.entries(draws.sections).map(([name, d]) => [name, percentileInterval(d, level)])),
    overall: percentileInterval(draws.overall, level),
  };
}

import { describe, expect, it } from 'vitest';
import { bootstrap, confidenceIntervals, percentileInterval, prng, quantile } from '../src/report/bootstrap.js';
import { LengthColumns, lengthBias } from '../src/report/length-bias.js';
import { pearson } from '../src/stats.js';
import type { LengthCategory } from '../src/report/schema.js';

const layout = {
  subsets: [
    { name: 'a', section: 'S', weight: 1 },
    { name: 'b', section: 'S', weight: 3 },
    { name: 'c', section: 'T', weight: 1 },
  ],
  sectionWeights: { S: { weight: 1 }, T: { weight: 1 } },
};

describe('bootstrap', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    const a = prng(7);
    const b = prng(7);
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
    expect(Array.from({ length: 5 }, prng(8))).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('computes quantiles like numpy (linear interpolation)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([0, 10], 0.025)).toBeCloseTo(0.25, 12);
    expect(percentileInterval([5, 1, 4, 2, 3], 0.5)).toEqual({ low: 2, high: 4 });
  });

  it('gives degenerate intervals when every pair agrees, and combines resamples with the benchmark weights', () => {
    const ones = [new Uint8Array(10).fill(1), new Uint8Array(20).fill(1), new Uint8Array(5).fill(0)];
    const ci = confidenceIntervals(layout, ones, { resamples: 200 });
    expect(ci.subsets.a).toEqual({ low: 1, high: 1 });
    expect(ci.subsets.c).toEqual({ low: 0, high: 0 });
    expect(ci.overall).toEqual({ low: 0.5, high: 0.5 });
    const draws = bootstrap(layout, [Uint8Array.of(1, 0), Uint8Array.of(1, 1, 0, 0), Uint8Array.of(1)], 50, 3);
    draws.subsetMeans.forEach((m, r) => {
      const S = (m[0]! * 1 + m[1]! * 3) / 4;
      expect(draws.sections.S![r]).toBeCloseTo(S, 12);
      expect(draws.overall[r]).toBeCloseTo((S + m[2]!) / 2, 12);
    });
  });

  it('covers the observed accuracy and narrows with more pairs', () => {
    const make = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i % 10 < 7 ? 1 : 0));
    const small = confidenceIntervals({ subsets: [layout.subsets[0]!], sectionWeights: { S: { weight: 1 } } }, [make(50)]);
    const large = confidenceIntervals({ subsets: [layout.subsets[0]!], sectionWeights: { S: { weight: 1 } } }, [make(2000)]);
    for (const ci of [small, large]) expect(ci.overall.low < 0.7 && ci.overall.high > 0.7).toBe(true);
    expect(large.overall.high - large.overall.low).toBeLessThan((small.overall.high - small.overall.low) / 3);
    // Binomial standard error at n=2000: sqrt(.21/2000) = 0.01025, so the 95% width is about 0.04.
    expect(large.overall.high - large.overall.low).toBeGreaterThan(0.03);
    expect(large.overall.high - large.overall.low).toBeLessThan(0.05);
  });
});

describe('length bias', () => {
  type Pair = [subset: string, category: LengthCategory | null, chosenChars: number, rejectedChars: number, margin: number];
  const pair = (...p: Pair): Pair => p;
  /** Pairs -> one LengthColumns per subset, as a run accumulates them. */
  const columns = (pairs: Pair[]) => {
    const bySubset = new Map<string, LengthColumns>();
    for (const [subset, category, c, r, margin] of pairs) {
      if (!bySubset.has(subset)) bySubset.set(subset, new LengthColumns(subset, category));
      bySubset.get(subset)!.push(c, r, margin, margin > 0);
    }
    return [...bySubset.values()];
  };

  it('computes the baselines, correlation and longer-preference by hand', () => {
    const pairs = [
      pair('x', 'longer', 10, 5, 2), // longer chosen, model prefers it (the longer)
      pair('x', 'longer', 10, 10, 1), // equal length: a tie for both baselines; not counted in prefers_longer
      pair('x', 'longer', 3, 9, -1), // shorter chosen, model prefers the rejected (the longer)
      pair('x', 'longer', 4, 8, 0), // the model ties: not counted in prefers_longer
    ];
    const bias = lengthBias(columns(pairs));
    expect(bias.subsets.x).toEqual({
      category: 'longer',
      chars: { longer: 0.25, shorter: 0.5 },
      margin_length_correlation: pearson([2, 1, -1, 0], [5, 0, -6, -4]),
      prefers_longer: 1,
    });
    expect(bias.categories.longer).toEqual({ subsets: ['x'], n: 4, accuracy: 0.5, longer_baseline: 0.25 });
    expect(bias.flag).toMatch(/prefers the longer response in 100\.0% of decided pairs/);
  });

  it('does not flag a model whose preferences ignore length', () => {
    const pairs = [pair('y', 'neutral', 10, 5, 1), pair('y', 'neutral', 5, 10, 1), pair('y', 'shorter', 7, 3, -1), pair('y', 'shorter', 3, 7, -1)];
    const bias = lengthBias(columns(pairs));
    expect(bias.overall.prefers_longer).toBe(0.5);
    expect(bias.flag).toBeNull();
  });

  it('pearson is exact on a line and null without variance', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { aggregate, weightedMean } from '../src/report/aggregate.js';

/** n pair values of which k are correct. */
const values = (n: number, k: number) => Array.from({ length: n }, (_, i) => (i < k ? 1 : 0));
const subset = (name: string, section: string, weight: number, n: number, k: number, ties = 0) => ({
  entry: { name, section, weight },
  values: values(n, k),
  ties,
});

describe('aggregate', () => {
  it('computes subset accuracy as correct / n', () => {
    const a = aggregate({ S: { weight: 1 } }, [subset('a', 'S', 4, 4, 3, 1)]);
    expect(a.subsets.a).toEqual({ metric: 'pairwise', section: 'S', weight: 4, n: 4, correct: 3, ties: 1, accuracy: 0.75 });
  });

  it('weights subsets within a section by their weight, not their size (math-prm 984 vs 447 rows)', () => {
    // Reasoning: math-prm 447 rows at 50% weighted 984; six hep-* of 164 rows at 100%, 0%, 50%, 25%, 75%, 100%.
    const hep = [164, 0, 82, 41, 123, 164];
    const a = aggregate({ Reasoning: { weight: 1 } }, [
      subset('math-prm', 'Reasoning', 984, 447, 223),
      ...hep.map((k, i) => subset(`hep-${i}`, 'Reasoning', 164, 164, k)),
    ]);
    const mathAcc = 223 / 447;
    const hepMean = (1 + 0 + 0.5 + 0.25 + 0.75 + 1) / 6;
    // 984 = 6 * 164, so Reasoning is the plain mean of math-prm and the hep-* mean.
    expect(a.sections.Reasoning).toBeCloseTo(0.5 * mathAcc + 0.5 * hepMean, 12);
  });

  it('averages four equally weighted sections for the overall score', () => {
    const a = aggregate({ A: { weight: 1 }, B: { weight: 1 }, C: { weight: 1 }, D: { weight: 1 } }, [
      subset('a1', 'A', 1, 10, 10),
      subset('b1', 'B', 1, 10, 5),
      subset('c1', 'C', 3, 10, 2),
      subset('c2', 'C', 1, 10, 6),
      subset('d1', 'D', 1, 4, 1),
    ]);
    // C = (0.2*3 + 0.6*1) / 4 = 0.3
    expect(Object.keys(a.sections)).toEqual(['A', 'B', 'C', 'D']);
    expect([a.sections.A, a.sections.B, a.sections.D]).toEqual([1, 0.5, 0.25]);
    expect(a.sections.C).toBeCloseTo(0.3, 12);
    expect(a.overall).toBeCloseTo((1 + 0.5 + 0.3 + 0.25) / 4, 12);
  });

  it('gives a prior-sets section half the weight of the others', () => {
    const sections = { Chat: { weight: 2 }, 'Chat Hard': { weight: 2 }, Safety: { weight: 2 }, Reasoning: { weight: 2 }, Prior: { weight: 1 } };
    const a = aggregate(sections, [
      subset('c', 'Chat', 1, 10, 9),
      subset('h', 'Chat Hard', 1, 10, 4),
      subset('s', 'Safety', 1, 10, 7),
      subset('r', 'Reasoning', 1, 10, 8),
      subset('p1', 'Prior', 1, 10, 6),
      subset('p2', 'Prior', 1, 10, 5),
    ]);
    expect(a.sections.Prior).toBeCloseTo(0.55, 12);
    expect(a.overall).toBeCloseTo((2 * 0.9 + 2 * 0.4 + 2 * 0.7 + 2 * 0.8 + 0.55) / 9, 12);
  });

  it('aggregates only the sections present in a partial run', () => {
    const a = aggregate({ A: { weight: 1 }, B: { weight: 3 } }, [subset('a1', 'A', 1, 2, 1)]);
    expect(Object.keys(a.sections)).toEqual(['A']);
    expect(a.overall).toBe(0.5);
  });

  it('combines metric parts like the scores (RM-Bench hard/normal/easy per domain)', () => {
    const sm = (name: string, section: string, n: number, hard: number, normal: number, easy: number) => ({
      entry: { name, section, weight: n, metric: 'style-matrix' as const },
      values: Array.from({ length: n }, () => (hard + normal + easy) / 3),
      ties: 0,
      details: { hard, normal, easy },
    });
    // safety pools two files by size: 3 and 1 prompts.
    const a = aggregate({ chat: { weight: 1 }, safety: { weight: 1 } }, [sm('chat', 'chat', 2, 0.5, 1, 1), sm('refuse', 'safety', 3, 0, 0.5, 1), sm('respond', 'safety', 1, 1, 1, 1)]);
    expect(a.section_details!.safety).toEqual({ hard: 0.25, normal: 0.625, easy: 1 });
    expect(a.overall_details).toEqual({ hard: 0.375, normal: 0.8125, easy: 1 });
    expect(a.sections.safety).toBeCloseTo((0.25 + 0.625 + 1) / 3, 12);
    expect(a.subsets.refuse).toMatchObject({ metric: 'style-matrix', details: { hard: 0, normal: 0.5, easy: 1 } });
  });

  it('uses a subset-level score where the metric has one (rb2-ties) and fractional best-of-n values', () => {
    const a = aggregate({ S: { weight: 1 } }, [
      { entry: { name: 'bon', section: 'S', weight: 1, metric: 'best-of-n' as const }, values: [1, 0.5, 0, 0.25], ties: 2 },
      { entry: { name: 'ties', section: 'S', weight: 1, metric: 'rb2-ties' as const }, values: [1, 0], ties: 0, accuracy: 0.42 },
    ]);
    expect(a.subsets.bon).toMatchObject({ n: 4, correct: 1.75, accuracy: 0.4375 });
    expect(a.subsets.ties!.accuracy).toBe(0.42);
    expect(a.overall).toBeCloseTo((0.4375 + 0.42) / 2, 12);
  });

  it('refuses an empty subset and a zero total weight', () => {
    expect(() => aggregate({ A: { weight: 1 } }, [subset('a', 'A', 1, 0, 0)])).toThrow(/no counted items/);
    expect(() => weightedMean([[1, 0]])).toThrow(/zero total weight/);
  });
});

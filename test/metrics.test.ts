import { describe, expect, it } from 'vitest';
import { bestOfN } from '../src/metrics/best-of-n.js';
import { pairwise } from '../src/metrics/pairwise.js';
import { ties } from '../src/metrics/rb2-ties.js';
import { styleMatrix } from '../src/metrics/style-matrix.js';

describe('metric rules, on hand-computed cases', () => {
  it('pairwise: strict win only', () => {
    expect([pairwise(0.5), pairwise(0), pairwise(-1)]).toEqual([1, 0, 0]);
  });

  it('best-of-n: 1 / #maxima when the chosen is among them', () => {
    expect(bestOfN([1, 2, 0.5])).toBe(1); // chosen strictly best of 4
    expect(bestOfN([0, 1, 1])).toBe(1 / 2); // tied with one rejected at the top
    expect(bestOfN([0, 0, 0])).toBe(1 / 4); // all four equal
    expect(bestOfN([3, -0.1, 2])).toBe(0); // one rejected beats it
  });

  it("best-of-n under RMB's rule (best_of_n_ties: wrong): 1 only when the chosen beats every rejected", () => {
    expect(bestOfN([1, 2, 0.5], 'wrong')).toBe(1);
    expect(bestOfN([0, 1, 1], 'wrong')).toBe(0);
    expect(bestOfN([0, 0, 0], 'wrong')).toBe(0);
    expect(bestOfN([3, -0.1, 2], 'wrong')).toBe(0);
  });

  it('style-matrix: upper triangle hard, diagonal normal, lower triangle easy', () => {
    // rows: chosen concise, detailed, markdown; columns: rejected likewise
    const m = styleMatrix([
      [1, -1, -1], // concise chosen beats only the concise rejected
      [1, 1, -1],
      [1, 1, 1],
    ]);
    expect(m).toEqual({ hard: 0, normal: 1, easy: 1, value: 2 / 3 });
    const n = styleMatrix([
      [1, 1, 0], // a tie (0) is a loss
      [-1, 0, 1],
      [1, -1, 1],
    ]);
    expect(n.hard).toBeCloseTo(2 / 3, 12);
    expect(n.normal).toBeCloseTo(2 / 3, 12);
    expect(n.easy).toBeCloseTo(1 / 3, 12);
    expect(n.value).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 3) / 3, 12);
  });

  it('rb2-ties: the weighted formula over ref and tied groups', () => {
    const v = ties([
      // prompt 1: ref margin 5 - 3 = 2 (accurate); tied correct [5, 4] d = 1, margin 4 - 3 = 1 (accurate)
      { type: 'ref', promptId: '1', correct: [5], incorrect: [3, 1] },
      { type: 'tied', promptId: '1', correct: [5, 4], incorrect: [3] },
      // prompt 2: ref margin 1 - 2 = -1 (wrong); tied correct [6, 2] d = 4, margin 2 - 0 = 2 (accurate)
      { type: 'ref', promptId: '2', correct: [1], incorrect: [2] },
      { type: 'tied', promptId: '2', correct: [6, 2], incorrect: [0] },
    ]);
    expect(v.ref_accuracy).toBe(0.5);
    expect(v.tied_accuracy).toBe(1);
    // m_tied > d: prompt 1: 1 > 1 no; prompt 2: 2 > 4 no
    expect(v.correctness_preferred).toBe(0);
    // min(m_ref, m_tied) > d: prompt 1: min(2, 1) = 1 > 1 no; prompt 2: -1 > 4 no
    expect(v.correctness_preferred_hard).toBe(0);
    const margin = (Math.tanh(1 / 1 - 1) + Math.tanh(-1 / 4 - 1)) / 2;
    expect(v.margin_score).toBeCloseTo(margin, 12);
    expect(v.score).toBeCloseTo(0.3 * 1 + 0.3 * 0.5 + 0.01 * margin, 12);
  });

  it('rb2-ties: a zero spread and zero margin gives NaN, counted as 0', () => {
    const v = ties([
      { type: 'ref', promptId: 'a', correct: [1], incorrect: [1] },
      { type: 'tied', promptId: 'a', correct: [2, 2], incorrect: [2] },
    ]);
    expect(v.margin_score).toBe(0);
    expect(v.score).toBe(0);
  });
});

/**
 * @file Agreement between two raters' binary decisions (here: two models' per-item right/wrong).
 * Cohen's kappa = (p_o - p_e) / (1 - p_e), p_o the share of items where they agree, p_e the
 * agreement expected by chance from each rater's own rate: p_a p_b + (1 - p_a)(1 - p_b).
 */

export interface Agreement {
  /** Share of items on which both are right or both wrong. */
  observed: number;
  /** Agreement expected from the two rates alone. */
  expected: number;
  /** null when p_e = 1 (both raters constant and equal): kappa is 0/0 there. */
  kappa: number | null;
}

export function agreement(a: ArrayLike<boolean>, b: ArrayLike<boolean>): Agreement {
  const n = a.length;
  if (n !== b.length || n === 0) throw new RangeError(`agreement needs two equally long, non-empty sequences (got ${n} and ${b.length})`);
  let agree = 0;
  let rightA = 0;
  let rightB = 0;
  for (let i = 0; i < n; i++) {
    if (a[i]) rightA++;
    if (b[i]) rightB++;
    if (a[i] === b[i]) agree++;
  }
  const pa = rightA / n;
  const pb = rightB / n;
  const observed = agree / n;
  const expected = pa * pb + (1 - pa) * (1 - pb);
  return { observed, expected, kappa: expected === 1 ? null : (observed - expected) / (1 - expected) };
}

export const cohensKappa = (a: ArrayLike<boolean>, b: ArrayLike<boolean>): number | null => agreement(a, b).kappa;

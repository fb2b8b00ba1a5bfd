/** @file Small numeric helpers for the kinds' summaries (ArmoRM, GPM) and the served scores. */

/** Logistic function, stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** @file Small numeric helpers for the kind-specific summaries (ArmoRM, GPM). */

export { pearson } from '../stats.js';

/** Items grouped by a key, in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Column-wise mean of equal-length vectors (empty input: zeros of the given width). */
export function meanVector(rows: readonly ArrayLike<number>[], width: number): number[] {
  const sum = new Array<number>(width).fill(0);
  for (const row of rows) for (let k = 0; k < width; k++) sum[k]! += row[k]!;
  return sum.map((s) => (rows.length ? s / rows.length : 0));
}

/** Logistic function, stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

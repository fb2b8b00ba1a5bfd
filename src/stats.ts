/** @file Small statistics shared by the report and the scorers' own summaries. */

/** Pearson correlation over several columns read as one sequence (null without variance). */
export function pearsonOver(parts: readonly { xs: readonly number[]; ys: readonly number[] }[]): number | null {
  let n = 0;
  let mx = 0;
  let my = 0;
  for (const { xs, ys } of parts) {
    for (let i = 0; i < xs.length; i++) {
      mx += xs[i]!;
      my += ys[i]!;
    }
    n += xs.length;
  }
  if (n < 2) return null;
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const { xs, ys } of parts) {
    for (let i = 0; i < xs.length; i++) {
      const dx = xs[i]! - mx;
      const dy = ys[i]! - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

/** Pearson correlation; null when either side is constant or there are fewer than 2 values. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  return pearsonOver([{ xs, ys }]);
}

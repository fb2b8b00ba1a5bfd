/**
 * @file Length bias: how much of a model's preferences a length rule explains. Per subset the
 * pick-the-longer and pick-the-shorter baselines (characters, and tokens where the scorer has a
 * tokenizer), the correlation of the model's margin with the length margin, and how often the model
 * prefers the longer response; pooled over RewardBench's length categories; flagged when extreme.
 */
import { LENGTH_CATEGORIES, type LengthBaselines, type LengthBias, type LengthCategory, type SubsetLengthBias } from './schema.js';

/** Share of (unequal-length, non-tied) pairs where preferring the longer response decides it. */
export const LENGTH_FLAG_THRESHOLD = 0.8;

export interface LengthPair {
  subset: string;
  category: LengthCategory | null;
  chosenChars: number;
  rejectedChars: number;
  chosenTokens?: number;
  rejectedTokens?: number;
  margin: number;
  correct: boolean;
}

export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number | null {
  const n = xs.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

function baselines(pairs: readonly LengthPair[], chosen: (p: LengthPair) => number, rejected: (p: LengthPair) => number): LengthBaselines {
  let longer = 0;
  let shorter = 0;
  for (const p of pairs) {
    if (chosen(p) > rejected(p)) longer++;
    else if (chosen(p) < rejected(p)) shorter++;
  }
  return { longer: longer / pairs.length, shorter: shorter / pairs.length };
}

function prefersLonger(pairs: readonly LengthPair[]): number | null {
  let decided = 0;
  let longer = 0;
  for (const p of pairs) {
    const lengthSign = Math.sign(p.chosenChars - p.rejectedChars);
    const modelSign = Math.sign(p.margin);
    if (lengthSign === 0 || modelSign === 0) continue;
    decided++;
    if (lengthSign === modelSign) longer++;
  }
  return decided ? longer / decided : null;
}

const correlation = (pairs: readonly LengthPair[]) =>
  pearson(
    pairs.map((p) => p.margin),
    pairs.map((p) => p.chosenChars - p.rejectedChars),
  );

export function lengthBias(pairs: readonly LengthPair[]): LengthBias {
  const bySubset = new Map<string, LengthPair[]>();
  for (const p of pairs) {
    const list = bySubset.get(p.subset) ?? [];
    list.push(p);
    bySubset.set(p.subset, list);
  }
  const subsets: Record<string, SubsetLengthBias> = {};
  for (const [name, list] of bySubset) {
    const hasTokens = list.every((p) => p.chosenTokens !== undefined && p.rejectedTokens !== undefined);
    subsets[name] = {
      category: list[0]!.category,
      chars: baselines(list, (p) => p.chosenChars, (p) => p.rejectedChars),
      tokens: hasTokens ? baselines(list, (p) => p.chosenTokens!, (p) => p.rejectedTokens!) : null,
      margin_length_correlation: correlation(list),
      prefers_longer: prefersLonger(list),
    };
  }
  const categories: LengthBias['categories'] = {};
  for (const category of LENGTH_CATEGORIES) {
    const members = pairs.filter((p) => p.category === category);
    if (!members.length) continue;
    categories[category] = {
      subsets: [...new Set(members.map((p) => p.subset))],
      n: members.length,
      accuracy: members.filter((p) => p.correct).length / members.length,
      longer_baseline: baselines(members, (p) => p.chosenChars, (p) => p.rejectedChars).longer,
    };
  }
  const overall = { margin_length_correlation: correlation(pairs), prefers_longer: prefersLonger(pairs) };
  const share = overall.prefers_longer;
  let flag: string | null = null;
  if (share !== null && share >= LENGTH_FLAG_THRESHOLD) {
    flag = `prefers the longer response in ${(share * 100).toFixed(1)}% of decided pairs of unequal length: scores may reward length, not quality`;
  } else if (share !== null && share <= 1 - LENGTH_FLAG_THRESHOLD) {
    flag = `prefers the shorter response in ${((1 - share) * 100).toFixed(1)}% of decided pairs of unequal length: scores may reward brevity, not quality`;
  }
  return { subsets, overall, categories, flag };
}

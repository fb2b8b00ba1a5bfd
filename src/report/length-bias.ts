/**
 * @file Length bias: how much of a model's preferences a length rule explains. Per subset the
 * pick-the-longer and pick-the-shorter baselines (in characters of the bare responses, so they are
 * the same for every model and comparable across tokenizers), the correlation of the model's margin
 * with the length margin, and how often the model prefers the longer response; pooled over
 * RewardBench's length categories; flagged when extreme.
 */
import { pearsonOver } from '../stats.js';
import { LENGTH_CATEGORIES, type LengthBias, type LengthCategory, type SubsetLengthBias } from './schema.js';

/** Share of (unequal-length, non-tied) pairs where preferring the longer response decides it. */
export const LENGTH_FLAG_THRESHOLD = 0.8;

/** One subset's pairs as columns (compact: a run holds these for every pair it scored). */
export class LengthColumns {
  readonly chosenChars: number[] = [];
  readonly rejectedChars: number[] = [];
  readonly margins: number[] = [];
  /** 1 when the pair was decided correctly. */
  readonly correct: number[] = [];

  constructor(
    readonly subset: string,
    readonly category: LengthCategory | null,
  ) {}

  push(chosenChars: number, rejectedChars: number, margin: number, correct: boolean): void {
    this.chosenChars.push(chosenChars);
    this.rejectedChars.push(rejectedChars);
    this.margins.push(margin);
    this.correct.push(correct ? 1 : 0);
  }

  get size(): number {
    return this.margins.length;
  }
}

/** Counts over columns: pick-the-longer and pick-the-shorter wins, model preferences for the longer. */
function counts(columns: readonly LengthColumns[]) {
  let n = 0;
  let longer = 0;
  let shorter = 0;
  let decided = 0;
  let modelLonger = 0;
  let correct = 0;
  for (const c of columns) {
    for (let i = 0; i < c.size; i++) {
      const lengthSign = Math.sign(c.chosenChars[i]! - c.rejectedChars[i]!);
      const modelSign = Math.sign(c.margins[i]!);
      if (lengthSign > 0) longer++;
      else if (lengthSign < 0) shorter++;
      if (lengthSign !== 0 && modelSign !== 0) {
        decided++;
        if (lengthSign === modelSign) modelLonger++;
      }
      correct += c.correct[i]!;
    }
    n += c.size;
  }
  return { n, longer, shorter, correct, prefersLonger: decided ? modelLonger / decided : null };
}

const correlation = (columns: readonly LengthColumns[]) =>
  pearsonOver(columns.map((c) => ({ xs: c.margins, ys: c.chosenChars.map((x, i) => x - c.rejectedChars[i]!) })));

export function lengthBias(columns: readonly LengthColumns[]): LengthBias {
  const subsets: Record<string, SubsetLengthBias> = {};
  for (const c of columns) {
    if (!c.size) continue;
    const k = counts([c]);
    subsets[c.subset] = {
      category: c.category,
      chars: { longer: k.longer / k.n, shorter: k.shorter / k.n },
      margin_length_correlation: correlation([c]),
      prefers_longer: k.prefersLonger,
    };
  }
  const categories: LengthBias['categories'] = {};
  for (const category of LENGTH_CATEGORIES) {
    const members = columns.filter((c) => c.category === category && c.size);
    if (!members.length) continue;
    const k = counts(members);
    categories[category] = { subsets: members.map((c) => c.subset), n: k.n, accuracy: k.correct / k.n, longer_baseline: k.longer / k.n };
  }
  const share = counts(columns).prefersLonger;
  const overall = { margin_length_correlation: correlation(columns), prefers_longer: share };
  let flag: string | null = null;
  if (share !== null && share >= LENGTH_FLAG_THRESHOLD) {
    flag = `prefers the longer response in ${(share * 100).toFixed(1)}% of decided pairs of unequal length: scores may reward length, not quality`;
  } else if (share !== null && share <= 1 - LENGTH_FLAG_THRESHOLD) {
    flag = `prefers the shorter response in ${((1 - share) * 100).toFixed(1)}% of decided pairs of unequal length: scores may reward brevity, not quality`;
  }
  return { subsets, overall, categories, flag };
}

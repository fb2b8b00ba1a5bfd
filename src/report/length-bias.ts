/**
 * @file Length bias: how much of a model's preferences a length rule explains. Per subset the
 * pick-the-longer and pick-the-shorter baselines (in characters of the bare responses, so they are
 * the same for every model and comparable across tokenizers), the correlation of the model's margin
 * with the length margin, and how often the model prefers the longer response; pooled over
 * RewardBench's length categories; flagged when the model prefers the longer (or the shorter)
 * response far more often than the data's own labels do (on alpacaeval-easy the chosen response is
 * nearly always the longer, so preferring it there is no bias).
 */
import { pearsonOver } from '../stats.js';
import { LENGTH_CATEGORIES, type LengthBias, type LengthCategory, type SubsetLengthBias } from './schema.js';

/**
 * Flag when, on decided pairs of unequal length, the share where the model prefers the longer
 * response exceeds the share where the chosen one is the longer (the data's base rate) by this much,
 * or falls short of it by this much. With a base rate of 1/2 it flags at 80% and 20%.
 */
export const LENGTH_FLAG_EXCESS = 0.3;

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
  let chosenLonger = 0;
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
        if (lengthSign > 0) chosenLonger++;
      }
      correct += c.correct[i]!;
    }
    n += c.size;
  }
  return { n, longer, shorter, correct, prefersLonger: decided ? modelLonger / decided : null, chosenLonger: decided ? chosenLonger / decided : null };
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
  const { prefersLonger: share, chosenLonger: base } = counts(columns);
  const overall = { margin_length_correlation: correlation(columns), prefers_longer: share };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  let flag: string | null = null;
  if (share !== null && base !== null && share - base >= LENGTH_FLAG_EXCESS) {
    flag = `prefers the longer response in ${pct(share)} of decided pairs of unequal length, where the chosen response is the longer in ${pct(base)}: scores may reward length, not quality`;
  } else if (share !== null && base !== null && base - share >= LENGTH_FLAG_EXCESS) {
    flag = `prefers the shorter response in ${pct(1 - share)} of decided pairs of unequal length, where the chosen response is the shorter in ${pct(1 - base)}: scores may reward brevity, not quality`;
  }
  return { subsets, overall, categories, flag };
}

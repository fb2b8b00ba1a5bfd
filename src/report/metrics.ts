/**
 * @file Per-item metric rules, pure, exactly as the reference benchmarks define them
 * (docs/metrics.md). `prefer` values come from the scorer: > 0 means the first response wins.
 *
 * - pairwise: 1 if prefer(chosen, rejected) > 0, else 0 (a tie is wrong).
 * - best-of-n: with one chosen and n rejected, 0 if the chosen loses to any rejected, else, by
 *   the suite's `best_of_n_ties` rule: `shared` (RewardBench 2) 1 / #(responses at the maximum),
 *   i.e. 1 / (1 + #rejected it ties); `wrong` (RMB) 1 only if it beats every rejected strictly.
 *   For a general-preference model this is "the chosen beats every rejected".
 * - style-matrix (RM-Bench): A[i][j] = 1 if chosen_i beats rejected_j (i, j = concise, detailed
 *   plain, detailed markdown); hard = mean of the upper triangle, normal = the diagonal, easy = the
 *   lower triangle; the item's value is mean(hard, normal, easy).
 * - rb2-ties (RewardBench 2 Ties): a subset-level formula over ref:/tied: prompt groups; see ties().
 */

import type { MetricKind } from '../subsets/types.js';
import type { BestOfNTies } from './schema.js';

export const pairwise = (prefer: number): number => (prefer > 0 ? 1 : 0);

/** prefers[i] = prefer(chosen, rejected_i). */
export function bestOfN(prefers: readonly number[], rule: BestOfNTies = 'shared'): number {
  let ties = 0;
  for (const p of prefers) {
    if (p < 0) return 0;
    if (p === 0) ties++;
  }
  if (rule === 'wrong' && ties > 0) return 0;
  return 1 / (1 + ties);
}

/** How an exact tie of preferences is credited under a metric, in words (table and HTML report). */
export function tieRule(metric: MetricKind, rule: BestOfNTies = 'shared'): string {
  switch (metric) {
    case 'pairwise':
      return 'counted wrong';
    case 'best-of-n':
      return rule === 'shared' ? 'credit shared: 1/(1+k) with k rejected tied at the top' : 'counted wrong';
    case 'style-matrix':
      return 'the tied comparison counts as a loss';
    case 'rb2-ties':
      return 'the tied group is not accurate';
  }
}

const TIED: Record<MetricKind, [one: string, many: string]> = {
  pairwise: ['tie', 'ties'],
  'best-of-n': ['tied item', 'tied items'],
  'style-matrix': ['item with a tied comparison', 'items with a tied comparison'],
  'rb2-ties': ['tied group', 'tied groups'],
};

/** A subset's `ties` count and how they were credited, e.g. "2 ties (counted wrong)". */
export const tieWords = (metric: MetricKind, ties: number, rule: BestOfNTies = 'shared'): string =>
  `${ties} ${TIED[metric][ties === 1 ? 0 : 1]} (${tieRule(metric, rule)})`;

export interface StyleMatrixValue {
  hard: number;
  normal: number;
  easy: number;
  value: number;
}

/** prefers[i][j] = prefer(chosen_i, rejected_j), a square matrix (3x3 in RM-Bench). */
export function styleMatrix(prefers: readonly (readonly number[])[]): StyleMatrixValue {
  const k = prefers.length;
  let hard = 0;
  let normal = 0;
  let easy = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const win = prefers[i]![j]! > 0 ? 1 : 0;
      if (i < j) hard += win;
      else if (i === j) normal += win;
      else easy += win;
    }
  }
  const off = (k * (k - 1)) / 2;
  const result = { hard: hard / off, normal: normal / k, easy: easy / off };
  return { ...result, value: (result.hard + result.normal + result.easy) / 3 };
}

/** One Ties prompt group: scores of its correct and incorrect answers. */
export interface TiesGroup {
  /** "ref" (one correct answer) or "tied" (several), from ids `ref:<pid>` / `tied:<pid>`. */
  type: 'ref' | 'tied';
  promptId: string;
  correct: readonly number[];
  incorrect: readonly number[];
}

export interface TiesValue {
  score: number;
  ref_accuracy: number;
  tied_accuracy: number;
  correctness_preferred: number;
  correctness_preferred_hard: number;
  margin_score: number;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * RewardBench 2's Ties score: 0.30 tied accuracy + 0.30 ref accuracy + 0.20 mean(m_tied > d)
 * + 0.20 mean(min(m_ref, m_tied) > d) + 0.01 mean(tanh(min(m_ref, m_tied) / d - 1)), where per
 * prompt m = min(correct) - max(incorrect), d = max(correct) - min(correct) of the tied group,
 * margins taken over prompts with both groups, NaN -> 0. A group is accurate iff m > 0.
 */
export function ties(groups: readonly TiesGroup[]): TiesValue {
  const stats = (g: TiesGroup) => {
    const worst = Math.min(...g.correct);
    const best = Math.max(...g.correct);
    const margin = worst - Math.max(...g.incorrect);
    return { accurate: margin > 0 ? 1 : 0, spread: g.correct.length > 1 ? best - worst : null, margin };
  };
  const ref = new Map<string, ReturnType<typeof stats>>();
  const tied = new Map<string, ReturnType<typeof stats>>();
  for (const g of groups) (g.type === 'ref' ? ref : tied).set(g.promptId, stats(g));
  const both = [...tied.keys()].filter((id) => ref.has(id));
  const preferred: number[] = [];
  const preferredHard: number[] = [];
  const margins: number[] = [];
  for (const id of both) {
    const t = tied.get(id)!;
    const r = ref.get(id)!;
    // numpy compares with None as an error; a tied group has >= 2 correct answers, so d is defined.
    const d = t.spread ?? 0;
    const hardMargin = Math.min(r.margin, t.margin);
    preferred.push(t.margin > d ? 1 : 0);
    preferredHard.push(hardMargin > d ? 1 : 0);
    const m = Math.tanh(hardMargin / d - 1);
    margins.push(Number.isNaN(m) ? 0 : m);
  }
  const value = {
    ref_accuracy: mean([...ref.values()].map((s) => s.accurate)),
    tied_accuracy: mean([...tied.values()].map((s) => s.accurate)),
    correctness_preferred: mean(preferred),
    correctness_preferred_hard: mean(preferredHard),
    margin_score: mean(margins),
  };
  return {
    score:
      0.3 * value.tied_accuracy + 0.3 * value.ref_accuracy + 0.2 * value.correctness_preferred + 0.2 * value.correctness_preferred_hard + 0.01 * value.margin_score,
    ...value,
  };
}

/**
 * @file The rb2-ties metric (RewardBench 2 Ties): rows with ids `ref:<pid>` (one correct answer)
 * and `tied:<pid>` (several), chosen = the correct answers, rejected = the incorrect ones. An item
 * (a group) is accurate when every correct answer scores above every incorrect one; the subset
 * score is a formula over the groups (ties()), not their mean, so the bootstrap resamples prompt
 * ids with both their groups and the paired regression gate does not apply. Margins are score
 * differences: the metric needs per-response scores.
 */
import type { MetricAccumulator, Resampler, SetMetric } from './types.js';

/** One Ties prompt group: scores of its correct and incorrect answers. */
export interface TiesGroup {
  /** "ref" (one correct answer) or "tied" (several), from ids `ref:<pid>` / `tied:<pid>`. */
  type: 'ref' | 'tied';
  promptId: string;
  correct: readonly number[];
  incorrect: readonly number[];
  /** Some answer has no score (a rating judge's invalid answer): the group is not accurate and its prompt's margins count 0. */
  invalid?: true;
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
 * margins taken over prompts with both groups, NaN -> 0. A group is accurate iff m > 0. An invalid
 * group (a judge answer without a score) is not accurate, and a prompt with one keeps its place
 * in the three margin means with 0 in each (not preferred, not preferred hard, margin term 0).
 */
export function ties(groups: readonly TiesGroup[]): TiesValue {
  const stats = (g: TiesGroup) => {
    if (g.invalid) return { accurate: 0, spread: null, margin: Number.NaN, invalid: true };
    const worst = Math.min(...g.correct);
    const best = Math.max(...g.correct);
    const margin = worst - Math.max(...g.incorrect);
    return { accurate: margin > 0 ? 1 : 0, spread: g.correct.length > 1 ? best - worst : null, margin, invalid: false };
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
    if (t.invalid || r.invalid) {
      // Never right: neither correctness term holds, and the margin term is 0 (as reward-bench's NaN -> 0).
      preferred.push(0);
      preferredHard.push(0);
      margins.push(0);
      continue;
    }
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

/** Bootstrap unit for Ties: a prompt id with its ref and tied groups, resampled together. */
function tiesResampler(groups: readonly TiesGroup[]): Resampler {
  const prompts = [...new Set(groups.map((g) => g.promptId))];
  const byPrompt = new Map(prompts.map((p) => [p, groups.filter((g) => g.promptId === p)]));
  return {
    units: prompts.length,
    compute(indices) {
      const picked: TiesGroup[] = [];
      Array.from(indices).forEach((index, k) => {
        // A prompt drawn twice counts twice: give each draw its own id.
        for (const g of byPrompt.get(prompts[index]!)!) picked.push({ ...g, promptId: `${g.promptId}#${k}` });
      });
      return ties(picked).score;
    },
  };
}

/** Keeps each group's scores: the formula and its bootstrap need them all. */
function groupsAccumulator(): MetricAccumulator {
  const groups: TiesGroup[] = [];
  return {
    add(outcome) {
      if (!('value' in outcome)) return;
      const colon = outcome.id.indexOf(':');
      const scored = (scores: readonly (number | null)[]) => scores.filter((s) => s !== null);
      const correct = scored(outcome.chosen_scores);
      const incorrect = scored(outcome.rejected_scores);
      // A missing score reaches here only from an invalid answer (the run refuses scorers without scores).
      const invalid = correct.length < outcome.chosen_scores.length || incorrect.length < outcome.rejected_scores.length;
      groups.push({ type: outcome.id.slice(0, colon) as TiesGroup['type'], promptId: outcome.id.slice(colon + 1), correct, incorrect, ...(invalid ? { invalid: true as const } : {}) });
    },
    finish() {
      const { score, ...terms } = ties(groups);
      return { accuracy: score, details: terms, statistic: tiesResampler(groups) };
    },
  };
}

/** reward-bench's generic v2 `results` entry: 1/#maxima when the first score is a maximum, else 0. */
export function firstIsBest(scores: readonly number[]): number {
  const max = Math.max(...scores);
  return scores[0] === max ? 1 / scores.filter((s) => s === max).length : 0;
}

export const RB2_TIES: SetMetric = {
  kind: 'rb2-ties',
  source: 'RewardBench 2 Ties',
  rows: 'sets',
  setRowProblem: (r) =>
    !/^(ref|tied):./.test(r.id)
      ? `rb2-ties ids are ref:<prompt id> or tied:<prompt id>, found "${r.id}"`
      : r.chosen.length >= 1 && r.rejected.length >= 1
        ? null
        : `rb2-ties needs at least 1 correct (chosen) and 1 incorrect (rejected) answer`,
  fromRatings: false,
  needsScores: true,
  readsBestOfNTies: false,
  decide({ chosenScores, rejectedScores }) {
    const correct = chosenScores.filter((s) => s !== null);
    const incorrect = rejectedScores.filter((s) => s !== null);
    if (correct.length < chosenScores.length || incorrect.length < rejectedScores.length) throw new Error('rb2-ties decides from per-response scores (needsScores)');
    const margin = Math.min(...correct) - Math.max(...incorrect);
    return { value: margin > 0 ? 1 : 0, tie: margin === 0 };
  },
  accumulator: groupsAccumulator,
  scoreIsItemMean: false,
  chance: () => null,
  label: () => 'RewardBench 2 Ties score',
  tieRule: () => 'the tied group is not accurate',
  tiedItems: ['tied group', 'tied groups'],
  rewardBench: {
    version: 'v2',
    formulaResult: { of: firstIsBest, rule: (scores) => `1/#maxima when the first of its scores ${scores.join(', ')} is a maximum, else 0` },
  },
};

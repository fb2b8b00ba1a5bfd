/**
 * @file From judge answers to a pair's correctness, and the run's judge statistics
 * (`results.judge`).
 *
 * Pairwise, both orders (default): each answer scores +1 when it names the position that held the
 * chosen response, −1 when it names the other one, 0 for a tie ([[C]]) or an invalid answer; the
 * pair is right iff the sum is > 0. This is JudgeBench's `compute_final_metrics` with
 * reverse_order (ScalerLab/JudgeBench utils/metrics.py at 12a499c5c29f06940d259b49250fca627d2a0ee5:
 * `counter += 1` for the label, `-= 1` for its flip, `n_correct` iff `counter > 0`). One order: the
 * same rule over one answer (right iff it names the chosen response); where the chosen response
 * is shown is drawn per pair by the seam (src/scorers/scorer.ts: a hash of prompt, chosen and
 * rejected, so reruns and shards ask the same questions).
 * Rating: a pair is right iff both ratings are valid and chosen > rejected; equal ratings are a tie
 * and count as wrong (reward-bench's run_judge_ratings does the same).
 *
 * `results.judge` reads answers two ways: `invalid`, `ties`, `inconsistent` and `position_a_rate`
 * count the answers the decisions read (each order of each pair); `requests`, the tokens and the
 * cost count each distinct request of the run once (src/scorers/kinds/judge.ts).
 */
import type { JudgeResults } from '../report/schema.js';
import type { PairVerdict } from './verdict.js';

export type Position = 'A' | 'B';

/** Tokens of one answer, from the server's `usage`. */
export interface AnswerUsage {
  promptTokens: number;
  completionTokens: number;
}

/** One pairwise answer: where the chosen response was shown, and the verdict (null: invalid). */
export interface PairwiseAnswer extends AnswerUsage {
  chosenAt: Position;
  verdict: PairVerdict | null;
}

/** One rating answer (null: invalid). */
export interface RatingAnswer extends AnswerUsage {
  rating: number | null;
}

export type JudgedPair =
  /** One answer per order judged (1 or 2). */
  | { mode: 'pairwise'; answers: readonly PairwiseAnswer[] }
  | { mode: 'rating'; chosen: RatingAnswer; rejected: RatingAnswer };

/** An answer read relative to the pair: it prefers the chosen or the rejected response, ties, or is invalid. */
export type Preference = 'chosen' | 'rejected' | 'tie' | 'invalid';

export function preference(answer: Pick<PairwiseAnswer, 'chosenAt' | 'verdict'>): Preference {
  if (answer.verdict === null) return 'invalid';
  if (answer.verdict === 'C') return 'tie';
  return answer.verdict === answer.chosenAt ? 'chosen' : 'rejected';
}

const SCORE: Record<Preference, number> = { chosen: 1, rejected: -1, tie: 0, invalid: 0 };

/** An answer's part of a pair's sum: +1 naming the chosen response, -1 the rejected one, 0 a tie or an invalid answer. */
export const answerScore = (answer: Pick<PairwiseAnswer, 'chosenAt' | 'verdict'>): number => SCORE[preference(answer)];

/** Whether the judge got the pair right (rules in the file header). */
export function pairCorrect(pair: JudgedPair): boolean {
  if (pair.mode === 'rating') {
    const { chosen, rejected } = pair;
    return chosen.rating !== null && rejected.rating !== null && chosen.rating > rejected.rating;
  }
  return pair.answers.reduce((sum, answer) => sum + answerScore(answer), 0) > 0;
}

/** The integer counts behind `results.judge` that read answers as used, summable across subsets and shards. */
export interface JudgeCounts {
  /** Answers the decisions read: each order of each pair (of a set's pairs too), each rating of each item once. */
  answers: number;
  /** Answers without a valid verdict (no marker, or two different ones). */
  invalid: number;
  /** Pairwise: answers with [[C]]. Rating: (chosen, rejected) comparisons of two equal valid ratings. */
  ties: number;
  /**
   * Pairs judged in both orders whose two answers, read relative to the pair (Preference), differ:
   * JudgeBench's `decision1 != decision2` with the second order's decision flipped. [[A]] in both
   * orders (position bias), a tie beside a decision, and an invalid answer beside a valid one all
   * count; two invalid answers do not (JudgeBench: None == None).
   */
  inconsistent: number;
  /** Pairwise answers naming A (the first position). */
  firstWins: number;
  /** Pairwise answers naming A or B (the denominator of position_a_rate). */
  decisive: number;
}

/** The distinct requests a run used (sent now or read from the cache, each once however many items read it) and their tokens. */
export interface RequestTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

export const zeroTotals = (): RequestTotals => ({ requests: 0, promptTokens: 0, completionTokens: 0 });

/** Adds one distinct request's answer to the totals. */
export function addRequest(totals: RequestTotals, answer: AnswerUsage): void {
  totals.requests++;
  totals.promptTokens += answer.promptTokens;
  totals.completionTokens += answer.completionTokens;
}

/** `--price-in` / `--price-out`: USD per million prompt / completion tokens. */
export interface TokenPrices {
  inPerMillion: number;
  outPerMillion: number;
}

const zeroCounts = (): JudgeCounts => ({ answers: 0, invalid: 0, ties: 0, inconsistent: 0, firstWins: 0, decisive: 0 });

/** Judge statistics of a run: add each judged pair or rated set, merge subsets or shards, finish into `results.judge`. */
export class JudgeAccumulator {
  private constructor(readonly counts: JudgeCounts) {}

  static empty(): JudgeAccumulator {
    return new JudgeAccumulator(zeroCounts());
  }

  /** Counts one judged pair and returns whether the judge got it right. */
  add(pair: JudgedPair): boolean {
    const c = this.counts;
    if (pair.mode === 'rating') {
      this.addRatings([pair.chosen], [pair.rejected]);
    } else {
      c.answers += pair.answers.length;
      const preferences = pair.answers.map(preference);
      c.invalid += preferences.filter((p) => p === 'invalid').length;
      c.ties += preferences.filter((p) => p === 'tie').length;
      if (preferences.length === 2 && preferences[0] !== preferences[1]) c.inconsistent++;
      for (const { verdict } of pair.answers) {
        if (verdict === 'A' || verdict === 'B') c.decisive++;
        if (verdict === 'A') c.firstWins++;
      }
    }
    return pairCorrect(pair);
  }

  /** Counts one rated item (a pair, or a set): each rating once, and each (chosen, rejected) comparison of equal valid ratings as a tie. */
  addRatings(chosen: readonly Pick<RatingAnswer, 'rating'>[], rejected: readonly Pick<RatingAnswer, 'rating'>[]): void {
    const c = this.counts;
    c.answers += chosen.length + rejected.length;
    c.invalid += [...chosen, ...rejected].filter((a) => a.rating === null).length;
    for (const { rating } of chosen) if (rating !== null) c.ties += rejected.filter((r) => r.rating === rating).length;
  }

  /** Adds another accumulator's counts into this one. */
  merge(other: JudgeAccumulator): this {
    for (const key of Object.keys(this.counts) as (keyof JudgeCounts)[]) this.counts[key] += other.counts[key];
    return this;
  }

  /** `results.judge`: these counts with the run's distinct requests and their tokens. */
  finish(totals: RequestTotals, prices?: TokenPrices): JudgeResults {
    const c = this.counts;
    return {
      requests: totals.requests,
      invalid: c.invalid,
      ties: c.ties,
      inconsistent: c.inconsistent,
      position_a_rate: c.decisive > 0 ? c.firstWins / c.decisive : null,
      prompt_tokens: totals.promptTokens,
      completion_tokens: totals.completionTokens,
      cost_usd: prices ? (totals.promptTokens * prices.inPerMillion + totals.completionTokens * prices.outPerMillion) / 1e6 : null,
    };
  }
}

/**
 * @file Reading a judge's answer. Pairwise: the verdict is `[[A]]`, `[[B]]` or `[[C]]` (tie), as
 * MT-Bench asks for it; rating: `[[N]]` (MT-Bench's "Rating: [[5]]"). The marker may stand
 * anywhere in the answer and may be repeated; an answer with no marker, or with two different
 * ones, is invalid (issue 14). reward-bench instead takes [[A]] whenever present, even beside a
 * [[B]]; an answer that names both has not decided, so it is not read as A here.
 *
 * Markers are read exactly: upper-case letters, no spaces inside the brackets (`[[ A ]]`, `[[a]]`
 * and `[A]` are not verdicts), as reward-bench's `"[[A]]" in judgment` and FastChat's
 * `\[\[(\d+\.?\d*)\]\]` read them. A rating is a non-negative decimal number; the scale is the
 * prompt's business, so no range is enforced, and `[[8]]` and `[[8.0]]` are the same rating.
 */

/** A pairwise verdict: the response shown first (A) or second (B) is better, or a tie (C). */
export type PairVerdict = 'A' | 'B' | 'C';

const PAIR_MARKER = /\[\[([ABC])\]\]/g;
const RATING_MARKER = /\[\[(\d+(?:\.\d+)?)\]\]/g;

/** The one value every marker in the text agrees on; null for none, or for markers that disagree. */
function soleValue<T>(text: string, marker: RegExp, read: (match: string) => T): T | null {
  const values = new Set([...text.matchAll(marker)].map((m) => read(m[1]!)));
  return values.size === 1 ? [...values][0]! : null;
}

/** The verdict of a pairwise answer, or null when it is invalid. */
export function parsePairVerdict(answer: string): PairVerdict | null {
  return soleValue(answer, PAIR_MARKER, (letter) => letter as PairVerdict);
}

/** The rating in an answer, or null when it is invalid. */
export function parseRating(answer: string): number | null {
  return soleValue(answer, RATING_MARKER, Number);
}

/**
 * The outputs a judge's answer becomes (float32 values, all finite so the score cache keeps them):
 * pairwise `verdict` (VERDICT_CODE; 0 when invalid) or rating `rating` (0 when invalid), `valid`
 * (1, or 0 for an answer without a verdict), and the server's `prompt_tokens` and `completion_tokens`.
 */
export const JUDGE_OUTPUTS = {
  pairwise: ['verdict', 'valid', 'prompt_tokens', 'completion_tokens'],
  rating: ['rating', 'valid', 'prompt_tokens', 'completion_tokens'],
} as const;

/** The `verdict` output of each pairwise verdict. */
export const VERDICT_CODE: Record<PairVerdict, number> = { A: 1, B: -1, C: 0 };

/** The verdict of a `verdict` output (a code VERDICT_CODE gives), or null for any other value. */
export function verdictOfCode(code: number): PairVerdict | null {
  return code === 1 ? 'A' : code === -1 ? 'B' : code === 0 ? 'C' : null;
}

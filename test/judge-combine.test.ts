/**
 * Combining judge answers: both orders as JudgeBench's compute_final_metrics (checked against a
 * line-by-line port of it), one seeded order, ratings, and the results.judge statistics.
 */
import { describe, expect, it } from 'vitest';
import { JudgeAccumulator, zeroTotals, pairCorrect, preference, type JudgedPair, type PairwiseAnswer } from '../src/judge/combine.js';
import type { PairVerdict } from '../src/judge/verdict.js';

type V = PairVerdict | null;
const VERDICTS: V[] = ['A', 'B', 'C', null];
const usage = { promptTokens: 0, completionTokens: 0 };
/** Both orders: the chosen response first (A), then second (B). */
const twoOrders = (first: V, second: V): JudgedPair => ({
  mode: 'pairwise',
  answers: [
    { chosenAt: 'A', verdict: first, ...usage },
    { chosenAt: 'B', verdict: second, ...usage },
  ],
});

/**
 * ScalerLab/JudgeBench utils/metrics.py @ 12a499c5c29f06940d259b49250fca627d2a0ee5,
 * compute_final_metrics(reverse_order=True) for one pair, ported line by line: returns whether the
 * pair counts in n_correct and in n_inconsistent.
 */
function judgeBenchPair(label: string, decision1: string | null, decision2Raw: string | null): { correct: boolean; inconsistent: boolean } {
  const flip = (d: string | null) => (d === 'A>B' ? 'B>A' : d === 'B>A' ? 'A>B' : d);
  const decision2 = flip(decision2Raw);
  let counter = 0;
  for (const decision of [decision1, decision2]) {
    if (decision === label) counter += 1;
    else if (decision === flip(label)) counter -= 1;
  }
  return { correct: counter > 0, inconsistent: decision1 !== decision2 };
}
/** An rmbench verdict as a JudgeBench decision string in the order it was given. */
const decision = (v: V) => (v === 'A' ? 'A>B' : v === 'B' ? 'B>A' : v === 'C' ? 'A=B' : null);

describe('two orders (JudgeBench)', () => {
  // Hand-computed: order 1 shows the chosen response as A, order 2 as B. Sum of +1 right / -1 wrong / 0 tie or invalid; right iff > 0.
  it.each([
    ['A', 'A', false], ['A', 'B', true], ['A', 'C', true], ['A', null, true],
    ['B', 'A', false], ['B', 'B', false], ['B', 'C', false], ['B', null, false],
    ['C', 'A', false], ['C', 'B', true], ['C', 'C', false], ['C', null, false],
    [null, 'A', false], [null, 'B', true], [null, 'C', false], [null, null, false],
  ] as [V, V, boolean][])('first %s, second %s → right: %s', (first, second, right) => {
    expect(pairCorrect(twoOrders(first, second))).toBe(right);
  });

  it('agrees with JudgeBench on correctness and inconsistency for every verdict pair, whichever order comes first', () => {
    for (const first of VERDICTS) {
      for (const second of VERDICTS) {
        // The chosen response was the pair's A in the first order ("A>B" is right) ...
        const reference = judgeBenchPair('A>B', decision(first), decision(second));
        const acc = JudgeAccumulator.empty();
        expect(acc.add(twoOrders(first, second))).toBe(reference.correct);
        expect(acc.counts.inconsistent).toBe(reference.inconsistent ? 1 : 0);
        // ... or its B, the first order then showing the chosen response second.
        const swapped: JudgedPair = { mode: 'pairwise', answers: [{ chosenAt: 'B', verdict: first, ...usage }, { chosenAt: 'A', verdict: second, ...usage }] };
        expect(pairCorrect(swapped)).toBe(judgeBenchPair('B>A', decision(first), decision(second)).correct);
      }
    }
  });

  it('reads each answer relative to the pair', () => {
    expect(preference({ chosenAt: 'A', verdict: 'A' })).toBe('chosen');
    expect(preference({ chosenAt: 'B', verdict: 'A' })).toBe('rejected');
    expect(preference({ chosenAt: 'B', verdict: 'B' })).toBe('chosen');
    expect(preference({ chosenAt: 'A', verdict: 'C' })).toBe('tie');
    expect(preference({ chosenAt: 'B', verdict: null })).toBe('invalid');
  });
});

describe('one order', () => {
  it('is right iff the verdict names where the chosen response was', () => {
    const one = (chosenAt: 'A' | 'B', verdict: V): JudgedPair => ({ mode: 'pairwise', answers: [{ chosenAt, verdict, ...usage }] });
    expect([pairCorrect(one('A', 'A')), pairCorrect(one('B', 'B')), pairCorrect(one('A', 'B')), pairCorrect(one('B', 'C')), pairCorrect(one('A', null))]).toEqual([true, true, false, false, false]);
  });
});

describe('ratings', () => {
  const rated = (chosen: number | null, rejected: number | null): JudgedPair => ({ mode: 'rating', chosen: { rating: chosen, ...usage }, rejected: { rating: rejected, ...usage } });
  it.each([
    [8, 3, true], [3, 8, false], [5, 5, false], [7.5, 7, true], [null, 3, false], [8, null, false], [null, null, false],
  ] as [number | null, number | null, boolean][])('chosen %s, rejected %s → right: %s', (chosen, rejected, right) => {
    expect(pairCorrect(rated(chosen, rejected))).toBe(right);
  });
});

describe('results.judge', () => {
  const answer = (chosenAt: 'A' | 'B', verdict: V, promptTokens: number, completionTokens: number): PairwiseAnswer => ({ chosenAt, verdict, promptTokens, completionTokens });
  const pairs: JudgedPair[] = [
    { mode: 'pairwise', answers: [answer('A', 'A', 100, 10), answer('B', 'B', 100, 12)] }, // right, consistent
    { mode: 'pairwise', answers: [answer('A', 'A', 200, 20), answer('B', 'A', 200, 20)] }, // position bias: sum 0, inconsistent
    { mode: 'pairwise', answers: [answer('A', 'C', 50, 5), answer('B', null, 50, 7)] }, // tie + invalid: sum 0, inconsistent
    { mode: 'pairwise', answers: [answer('A', null, 10, 1), answer('B', null, 10, 1)] }, // two invalid: consistent
    { mode: 'pairwise', answers: [answer('A', 'B', 30, 3), answer('B', 'C', 30, 3)] }, // wrong + tie: -1, inconsistent
  ];
  // Hand-computed: answers 10; invalid 3; ties 2 ([[C]] answers); inconsistent 3 (pairs 2, 3, 5);
  // A named 3 times, B 2 times → 3/5.
  const expected = { answers: 10, invalid: 3, ties: 2, inconsistent: 3, firstWins: 3, decisive: 5 };
  // The run's distinct requests and their tokens come from the kind's summary (it dedups answers): here 4 requests.
  const totals = { requests: 4, promptTokens: 780, completionTokens: 82 };

  it('counts pairwise answers as hand-computed; requests, tokens and cost from the distinct requests, cost only when priced', () => {
    const acc = JudgeAccumulator.empty();
    expect(pairs.map((p) => acc.add(p))).toEqual([true, false, false, false, false]);
    expect(acc.counts).toEqual(expected);
    expect(acc.finish(totals)).toEqual({ requests: 4, invalid: 3, ties: 2, inconsistent: 3, position_a_rate: 0.6, prompt_tokens: 780, completion_tokens: 82, cost_usd: null });
    // $2.5/M in, $10/M out: 0.00195 + 0.00082.
    expect(acc.finish(totals, { inPerMillion: 2.5, outPerMillion: 10 }).cost_usd).toBeCloseTo(0.00277, 12);
  });

  it('merges shards to the same counts as one run', () => {
    const left = JudgeAccumulator.empty();
    const right = JudgeAccumulator.empty();
    pairs.forEach((p, i) => (i % 2 ? right : left).add(p));
    const merged = JudgeAccumulator.empty().merge(left).merge(right);
    expect(merged.counts).toEqual(expected);
    expect(left.counts.answers).toBe(6);
  });

  it('counts ratings: each rating once, invalid ratings, equal valid ratings as ties, no positions', () => {
    const acc = JudgeAccumulator.empty();
    const r = (rating: number | null, promptTokens: number) => ({ rating, promptTokens, completionTokens: 2 });
    acc.add({ mode: 'rating', chosen: r(9, 40), rejected: r(4, 41) });
    acc.add({ mode: 'rating', chosen: r(6, 30), rejected: r(6, 30) });
    acc.add({ mode: 'rating', chosen: r(null, 20), rejected: r(null, 20) });
    expect(acc.counts).toEqual({ answers: 6, invalid: 2, ties: 1, inconsistent: 0, firstWins: 0, decisive: 0 });
    expect(acc.finish({ requests: 6, promptTokens: 181, completionTokens: 12 }, { inPerMillion: 1, outPerMillion: 1 })).toEqual({ requests: 6, invalid: 2, ties: 1, inconsistent: 0, position_a_rate: null, prompt_tokens: 181, completion_tokens: 12, cost_usd: 193 / 1e6 });
  });

  it('counts a rated set: each response once, a tie per (chosen, rejected) comparison of equal valid ratings', () => {
    const acc = JudgeAccumulator.empty();
    // Chosen 7 against 7, 3, invalid, 7: 4 + 1 answers, 1 invalid, 2 ties.
    acc.addRatings([{ rating: 7 }], [{ rating: 7 }, { rating: 3 }, { rating: null }, { rating: 7 }]);
    expect(acc.counts).toEqual({ answers: 5, invalid: 1, ties: 2, inconsistent: 0, firstWins: 0, decisive: 0 });
  });

  it('has integer counts and is empty without answers', () => {
    expect(JudgeAccumulator.empty().finish(zeroTotals())).toEqual({ requests: 0, invalid: 0, ties: 0, inconsistent: 0, position_a_rate: null, prompt_tokens: 0, completion_tokens: 0, cost_usd: null });
  });
});

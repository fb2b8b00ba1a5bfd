/** Reading verdicts out of judge answers: [[A]]/[[B]]/[[C]] and [[N]]; none or two different ones are invalid. */
import { describe, expect, it } from 'vitest';
import { parsePairVerdict, parseRating } from '../src/judge/verdict.js';

describe('pairwise verdicts', () => {
  it.each([
    ['[[A]]', 'A'],
    ['[[B]]', 'B'],
    ['[[C]]', 'C'],
    ['Assistant A is more accurate.\n\nFinal verdict: [[A]]', 'A'],
    ['[[B]] because B cites its source.', 'B'],
    ['Verdict: "[[C]]"', 'C'],
    ['[[A]] ... to repeat: [[A]]', 'A'],
    ['[[B]][[B]]', 'B'],
    ['[[[A]]]', 'A'],
    ['Both are fine, [[ ]] hmm, final: [[B]]', 'B'],
  ])('%j → %s', (answer, verdict) => {
    expect(parsePairVerdict(answer)).toBe(verdict);
  });

  it.each([
    ['', 'empty'],
    ['Assistant A is better.', 'no marker'],
    ['[A]', 'single brackets'],
    ['[[a]]', 'lower case'],
    ['[[ A ]]', 'spaces inside'],
    ['[[D]]', 'not a verdict letter'],
    ['[[AB]]', 'two letters'],
    ['[[A]] or maybe [[B]]', 'two different verdicts'],
    ['[[C]] ... no, [[A]]', 'tie and a decision'],
    ['[[A]] [[B]] [[C]]', 'all three'],
    ['Rating: [[7]]', 'a rating is no pairwise verdict'],
    ['[[A]', 'unclosed'],
  ])('%j is invalid (%s)', (answer) => {
    expect(parsePairVerdict(answer)).toBeNull();
  });
});

describe('ratings', () => {
  it.each([
    ['Rating: [[5]]', 5],
    ['[[10]]', 10],
    ['[[1]]', 1],
    ['[[0]]', 0],
    ['Good answer. Rating: [[7.5]]', 7.5],
    ['[[8]] and again [[8]]', 8],
    ['[[8]] then [[8.0]]', 8],
    ['[[07]]', 7],
    ['Verdict [[A]]; Rating: [[6]]', 6],
  ])('%j → %d', (answer, rating) => {
    expect(parseRating(answer)).toBe(rating);
  });

  it.each([
    ['', 'empty'],
    ['Rating: 7', 'bare number (reward-bench ratings_prompt style)'],
    ['[7]', 'single brackets'],
    ['[[ 7 ]]', 'spaces inside'],
    ['[[-3]]', 'negative'],
    ['[[7/10]]', 'a fraction'],
    ['[[7.]]', 'a trailing dot'],
    ['[[seven]]', 'a word'],
    ['[[rating]]', 'the placeholder itself'],
    ['for example: "Rating: [[5]]". My rating: [[8]]', 'two different ratings'],
    ['[[A]]', 'a pairwise verdict is no rating'],
  ])('%j is invalid (%s)', (answer) => {
    expect(parseRating(answer)).toBeNull();
  });
});

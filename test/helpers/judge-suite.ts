/**
 * A small shipped-style suite for the judge CLI tests (Arrow files + manifest, two sections) and a
 * scripted judge whose answers follow from the responses' words, so every expected figure can be
 * worked out by hand:
 *   "invalid" in either response -> no verdict;  "tie" -> [[C]] (rating: [[5]] each);
 *   "bias" -> always [[A]] (position bias);       else the response with "good" wins
 *   (rating: "good" [[8]], "bad" [[3]], anything else [[4]]).
 * Every answer reports usage 100 prompt + 10 completion tokens.
 */
import type { ChatCall, Reply } from './openai-server.js';
import { writeMixedSuite } from './mixed-suite.js';
import { writeSuite } from './suite.js';

export const SUITE = 'judge-suite';
export const USAGE = { prompt_tokens: 100, completion_tokens: 10 };

/** s1 (chat): right, position-biased, tie, invalid. s2 (reasoning): right, wrong. */
export function writeJudgeSuite(dir: string): string {
  return writeSuite(dir, SUITE, [
    {
      name: 's1',
      section: 'chat',
      rows: [
        { id: '1', prompt: 'q one', chosen: 'good one', rejected: 'bad one' },
        { id: '2', prompt: 'q two', chosen: 'good bias', rejected: 'bad bias' },
        { id: '3', prompt: 'q three', chosen: 'good tie', rejected: 'bad tie' },
        { id: '4', prompt: 'q four', chosen: 'good invalid', rejected: 'bad four' },
      ],
    },
    {
      name: 's2',
      section: 'reasoning',
      rows: [
        { id: '5', prompt: [{ role: 'user', content: 'q five' }, { role: 'assistant', content: 'earlier' }, { role: 'user', content: 'and then?' }], chosen: 'good five', rejected: 'bad five' },
        { id: '6', prompt: 'q six', chosen: 'meh six', rejected: 'good six' },
      ],
    },
  ]);
}

/** A best-of-4 subset: one chosen response against three rejected ones. */
export function writeBestOfNSuite(dir: string): string {
  return writeMixedSuite(dir, SUITE, [
    {
      name: 'bon',
      metric: 'best-of-n',
      rows: [
        { id: 'b1', subset: 'bon', prompt: 'q b1', chosen: ['good b1'], rejected: ['bad b1 x', 'bad b1 y', 'meh b1'] },
        { id: 'b2', subset: 'bon', prompt: 'q b2', chosen: ['meh b2'], rejected: ['good b2', 'bad b2 x', 'bad b2 y'] },
      ],
    },
  ]);
}

const between = (text: string, start: string, end: string) => {
  const from = text.indexOf(start);
  return from < 0 ? undefined : text.slice(from + start.length, text.indexOf(end, from));
};

/** The responses of a request rendered from the default (MT-Bench) templates. */
export function responsesOf(call: ChatCall): { a?: string; b?: string; response?: string } {
  const user = call.body.messages.at(-1)!.content;
  return {
    a: between(user, "[The Start of Assistant A's Answer]\n", "\n[The End of Assistant A's Answer]"),
    b: between(user, "[The Start of Assistant B's Answer]\n", "\n[The End of Assistant B's Answer]"),
    response: between(user, "[The Start of Assistant's Answer]\n", "\n[The End of Assistant's Answer]"),
  };
}

/** The scripted judge's answer (rules in the file header). */
export function judgeReply(call: ChatCall): Reply {
  const { a, b, response } = responsesOf(call);
  const answer = (content: string): Reply => ({ content, usage: USAGE });
  if (response !== undefined) {
    if (response.includes('invalid')) return answer('I cannot rate this.');
    if (response.includes('tie')) return answer('Rating: [[5]]');
    return answer(`Rating: [[${response.includes('good') ? 8 : response.includes('bad') ? 3 : 4}]]`);
  }
  const both = `${a} ${b}`;
  if (both.includes('invalid')) return answer('Both have merits; I cannot decide.');
  if (both.includes('tie')) return answer('They are equally good. [[C]]');
  if (both.includes('bias')) return answer('The first one. [[A]]');
  return answer(a!.includes('good') ? 'Assistant A is better. [[A]]' : 'Assistant B is better. [[B]]');
}


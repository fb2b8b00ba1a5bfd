/**
 * @file The DPO run tests' fixture: a policy and a reference causal LM (test/helpers/causal-lm.ts)
 * and a two-subset suite over their vocabulary, with the expected log-probs computed by hand: token
 * ids written out from the ChatML template on the word-level vocabulary, log-probs in float64.
 */
import { join } from 'node:path';
import { IM_END, IM_START, referenceResponseLogprob, writeCausalLm, type CausalLmWeights } from './causal-lm.js';
import { writeSuite, type FixtureSubset } from './suite.js';

export const SUITE = 'tiny';
export const SUBSETS: FixtureSubset[] = [
  {
    name: 'chat',
    section: 'Chat',
    rows: [
      { id: '1', prompt: 'hello', chosen: 'hi .', rejected: 'no' },
      { id: '2', prompt: 'why is the cat on the mat ?', chosen: 'the cat sat on the mat .', rejected: 'a dog ran far' },
      { id: '3', prompt: 'is the dog good ?', chosen: 'yes , the dog is good .', rejected: 'no , bad dog' },
    ],
  },
  {
    name: 'reason',
    section: 'Reasoning',
    rows: [
      { id: '1', prompt: 'how is the cat ?', chosen: 'good .', rejected: 'bad .' },
      { id: '2', prompt: 'the dog ran far , why ?', chosen: 'the cat ran far far', rejected: 'why ? how ?' },
    ],
  },
];
/** Every pair in suite order, with its subset. */
export const ROWS = SUBSETS.flatMap((s) => s.rows.map((r) => ({ subset: s.name, prompt: r.prompt as string, chosen: r.chosen, rejected: r.rejected })));

/** The response's outputs as the scores file stores them. */
export interface SavedDpo {
  policy_logprob: number[];
  reference_logprob?: number[];
  policy_tokens: number[];
  truncation: number[];
}

export interface DpoFixture {
  dir: string;
  manifest: string;
  policy: CausalLmWeights;
  reference: CausalLmWeights;
}

/** Writes policy/ (position_ids), reference/ (external data) and the suite under `dir`. */
export function writeDpoFixture(dir: string): DpoFixture {
  return {
    dir,
    policy: writeCausalLm(join(dir, 'policy'), { seed: 1, positionIds: true, scale: 2 }),
    reference: writeCausalLm(join(dir, 'reference'), { seed: 2, externalData: true }),
    manifest: writeSuite(dir, SUITE, SUBSETS),
  };
}

/** The pinned token ids by hand: ChatML renders a turn as <|im_start|> role words <|im_end|>; newlines are not tokens. */
function handSequence(vocab: Map<string, number>, prompt: string, response: string, maxLength: number) {
  const id = (t: string) => vocab.get(t) ?? Number.NaN;
  const promptIds = [IM_START, 'user', ...prompt.split(' '), IM_END, IM_START, 'assistant'].map(id);
  const responseIds = [...response.split(' '), IM_END].map(id);
  const kept = Math.min(promptIds.length, maxLength - responseIds.length);
  return { ids: [...promptIds.slice(promptIds.length - kept), ...responseIds], start: kept, tokens: responseIds.length, promptTruncated: kept < promptIds.length };
}

/** Float64 log-probs of a response under the policy and the reference (prompt start dropped beyond maxLength). */
export function expectedLogprobs(f: DpoFixture, prompt: string, response: string, maxLength = Infinity) {
  const seq = handSequence(f.policy.vocab, prompt, response, maxLength);
  return { policy: referenceResponseLogprob(f.policy, seq.ids, seq.start), reference: referenceResponseLogprob(f.reference, seq.ids, seq.start), tokens: seq.tokens, promptTruncated: seq.promptTruncated };
}

/** Issue 13's tolerance: 1e-3 absolute or 1e-6 relative, whichever is larger. */
export const within = (actual: number, expected: number) => Math.abs(actual - expected) <= Math.max(1e-3, 1e-6 * Math.abs(expected));

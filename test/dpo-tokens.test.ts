/**
 * @file The pinned DPO token definition (src/dpo/tokens.ts) on a word-level tokenizer whose ids can
 * be read off by hand: prompt ids then response ids, the template prefix check, truncation (prompt
 * start dropped; an over-long response keeps one prompt token and its first max_length - 1 tokens),
 * and the policy/reference tokenizer check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { assertSameTokenizer, DpoTokenizer, sequenceTokens, truncationCounts } from '../src/dpo/tokens.js';
import { readModelFolder } from '../src/scorers/model-folder.js';
import { loadTextSetup } from '../src/scorers/text-setup.js';
import { IM_END, IM_START, MISMATCHED_TEMPLATE, OTHER_WORDS, writeCausalLm } from './helpers/causal-lm.js';

let dir: string;
let vocab: Map<string, number>;
const ids = (...tokens: string[]) => tokens.map((t) => {
  const id = vocab.get(t);
  if (id === undefined) throw new Error(`no token ${t}`);
  return id;
});

async function tokenizer(name: string, maxLength?: number | null): Promise<DpoTokenizer> {
  const folder = readModelFolder(join(dir, name));
  const setup = await loadTextSetup(folder);
  return maxLength === undefined ? new DpoTokenizer(setup, folder.path) : new DpoTokenizer(setup, folder.path, maxLength);
}

function userError(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rmbench-dpo-tokens-'));
  vocab = writeCausalLm(join(dir, 'policy'), { seed: 1 }).vocab;
  writeCausalLm(join(dir, 'reference'), { seed: 2 });
  writeCausalLm(join(dir, 'other'), { seed: 3, words: OTHER_WORDS });
  writeCausalLm(join(dir, 'mismatched'), { seed: 4, chatTemplate: MISMATCHED_TEMPLATE });
  writeCausalLm(join(dir, 'no-template'), { seed: 5, chatTemplate: '' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DPO token ids', () => {
  it('are the prompt rendered with a generation prompt, then the rest of the conversation', async () => {
    const t = await tokenizer('policy');
    expect(t.sequence('hello', 'hi .')).toEqual({
      ids: ids(IM_START, 'user', 'hello', IM_END, IM_START, 'assistant', 'hi', '.', IM_END),
      responseStart: 6,
      promptTruncated: false,
      responseTruncated: false,
    });
    expect(sequenceTokens(t, t.sequence('hello', 'hi .'))).toEqual({ prompt: [IM_START, 'user', 'hello', IM_END, IM_START, 'assistant'], response: ['hi', '.', IM_END] });
    const turns = [{ role: 'system', content: 'is good' }, { role: 'user', content: 'why ?' }] as const;
    const seq = t.sequence(turns, 'no');
    expect(seq.ids).toEqual(ids(IM_START, 'system', 'is', 'good', IM_END, IM_START, 'user', 'why', '?', IM_END, IM_START, 'assistant', 'no', IM_END));
    expect(seq.responseStart).toBe(12);
  });

  it('refuse a template that renders the prompt differently once a response is appended, naming it', async () => {
    const t = await tokenizer('mismatched');
    expect(userError(() => t.sequence('hello', 'hi'))).toMatch(/mismatched\/tokenizer_config\.json: chat_template renders the prompt differently once a response is appended \(from character 12: "Assistant \(reply below\):" with add_generation_prompt, "assistant: hi\\n" with the response\)/);
  });

  it('need a chat template and room for a prompt token and a response token', async () => {
    const folder = readModelFolder(join(dir, 'no-template'));
    const setup = await loadTextSetup(folder);
    expect(userError(() => new DpoTokenizer(setup, folder.path))).toMatch(/no-template\/tokenizer_config\.json: DPO log-probs need a chat_template \(the text format in use is "plain"\)/);
    const policy = readModelFolder(join(dir, 'policy'));
    const policySetup = await loadTextSetup(policy);
    expect(userError(() => new DpoTokenizer(policySetup, policy.path, 1))).toMatch(/policy: max_length 1 is too short for DPO/);
  });
});

describe('truncation', () => {
  const prompt = 'the cat sat on the mat';
  const promptIds = () => ids(IM_START, 'user', 'the', 'cat', 'sat', 'on', 'the', 'mat', IM_END, IM_START, 'assistant'); // 11
  const responseIds = () => ids('yes', '.', IM_END); // 3

  it('keeps everything that fits', async () => {
    const seq = (await tokenizer('policy', 14)).sequence(prompt, 'yes .');
    expect(seq).toEqual({ ids: [...promptIds(), ...responseIds()], responseStart: 11, promptTruncated: false, responseTruncated: false });
  });

  it('drops the start of the prompt and keeps the response', async () => {
    const seq = (await tokenizer('policy', 10)).sequence(prompt, 'yes .');
    expect(seq).toEqual({ ids: [...promptIds().slice(4), ...responseIds()], responseStart: 7, promptTruncated: true, responseTruncated: false });
  });

  it('keeps one prompt token and the first max_length - 1 response tokens of a response too long alone', async () => {
    const t = await tokenizer('policy', 3);
    expect(t.sequence(prompt, 'yes .')).toEqual({ ids: [...promptIds().slice(-1), ...responseIds().slice(0, 2)], responseStart: 1, promptTruncated: true, responseTruncated: true });
    const fits = (await tokenizer('policy', 4)).sequence(prompt, 'yes .');
    expect(fits).toEqual({ ids: [...promptIds().slice(-1), ...responseIds()], responseStart: 1, promptTruncated: true, responseTruncated: false });
    expect(truncationCounts([fits, t.sequence(prompt, 'yes .'), t.sequence('hi', 'no')])).toEqual({ promptTruncated: 3, responseTruncated: 1 });
  });

  it('of a prompt far longer than max_length keeps the same tokens as tokenising it whole', async () => {
    const long = 'the cat sat on the mat . '.repeat(800); // 20,000 characters: tokenised through windows
    const seq = (await tokenizer('policy', 16)).sequence(long, 'yes .');
    const whole = ids(...'the cat sat on the mat .'.split(' '));
    const tail = [...Array.from({ length: 800 }, () => whole).flat(), ...ids(IM_END, IM_START, 'assistant')].slice(-13);
    expect(seq).toEqual({ ids: [...tail, ...responseIds()], responseStart: 13, promptTruncated: true, responseTruncated: false });
  });
});

describe('policy and reference tokenizers', () => {
  it('pass when they are the same and fail with one line when not', async () => {
    const [policy, reference, other, mismatched] = await Promise.all(['policy', 'reference', 'other', 'mismatched'].map((name) => tokenizer(name)));
    expect(() => assertSameTokenizer(policy!, 'p', reference!, 'r')).not.toThrow();
    expect(userError(() => assertSameTokenizer(policy!, 'p', other!, 'r'))).toMatch(/^policy p and reference r do not share a tokenizer \(vocabularies of \d+ and \d+ tokens\)/);
    expect(userError(() => assertSameTokenizer(policy!, 'p', mismatched!, 'r'))).toMatch(/their chat templates render a conversation differently/);
  });
});

/**
 * @file The token ids a DPO log-prob is computed over, pinned (issue 13):
 *   messages    = the prompt's turns
 *   prompt_text = the chat template over messages with add_generation_prompt
 *   full_text   = the chat template over messages + the response as the final assistant turn
 *   full_text must start with prompt_text (else a one-line error naming the template)
 *   ids         = tokenise(prompt_text) ++ tokenise(full_text minus prompt_text), each without
 *                 adding special tokens (the template writes its own)
 *   the response's tokens are the second part (so they include whatever the template writes after
 *   the response, e.g. an end-of-turn token), and log π(y|x) sums their next-token log-probs.
 * Truncation, when prompt + response exceed max_length tokens: the response's tokens are kept and
 * the start of the prompt is dropped. When the response alone needs more than max_length - 1
 * tokens, only the prompt's last token and the response's first max_length - 1 tokens are kept:
 * the first response token needs one token before it, and a truncated response is still scored
 * (over its start, flagged) rather than failing a whole run. Both cases are flagged per sequence.
 */
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { TextSetup } from '../scorers/text-setup.js';
import type { ModelTokenizer } from '../scorers/tokenize.js';
import type { Prompt } from '../subsets/types.js';

export interface DpoSequence {
  /** prompt tokens ++ response tokens, after truncation. */
  ids: number[];
  /** Index in ids of the first response token (at least 1). */
  responseStart: number;
  /** The start of the prompt was dropped. */
  promptTruncated: boolean;
  /** The response was cut to its first max_length - 1 tokens. */
  responseTruncated: boolean;
}

/** Tokenises prompt/response pairs by the pinned definition, for one model folder's text setup. */
export class DpoTokenizer {
  /** Tokenises without special tokens, at most maxLength + 1 tokens per part (enough to tell whether it fits). */
  private readonly bare: ModelTokenizer;
  private readonly template: string;

  constructor(
    readonly setup: TextSetup,
    folderPath: string,
    /** null: never truncate. */
    readonly maxLength: number | null = setup.maxLength.value,
  ) {
    this.template = `${join(folderPath, 'tokenizer_config.json')}: chat_template`;
    if (setup.format.value !== 'chat_template') {
      throw new UserError(`${join(folderPath, 'tokenizer_config.json')}: DPO log-probs need a chat_template (the text format in use is "${setup.format.value}")`);
    }
    if (maxLength !== null && maxLength < 2) throw new UserError(`${folderPath}: max_length ${maxLength} is too short for DPO (one prompt token and one response token need 2)`);
    this.bare = setup.tokenizer.withSettings({ maxLength: maxLength === null ? null : maxLength + 1, truncationSide: 'left', addSpecialTokens: false });
  }

  /** prompt_text and the rest of full_text (the response's part), checked to be a prefix split. */
  texts(prompt: Prompt, response: string): { promptText: string; responseText: string } {
    const promptText = this.setup.promptText(prompt);
    const fullText = this.setup.text(prompt, response);
    if (!fullText.startsWith(promptText)) {
      let at = 0;
      while (at < promptText.length && promptText[at] === fullText[at]) at++;
      const show = (s: string) => JSON.stringify(s.slice(at, at + 24));
      throw new UserError(
        `${this.template} renders the prompt differently once a response is appended (from character ${at}: ${show(promptText)} with add_generation_prompt, ${show(fullText)} with the response), so the response's tokens cannot be told apart from the prompt's`,
      );
    }
    return { promptText, responseText: fullText.slice(promptText.length) };
  }

  sequence(prompt: Prompt, response: string): DpoSequence {
    const { promptText, responseText } = this.texts(prompt, response);
    return this.sequenceOfTexts(promptText, responseText);
  }

  /** The sequence of a prompt_text and the rest of its full_text (as texts() split them). */
  sequenceOfTexts(promptText: string, responseText: string): DpoSequence {
    // The prompt keeps its end, the response its start: the parts a truncated sequence keeps.
    const promptIds = this.bare.encode(promptText, 'left');
    const responseIds = this.bare.encode(responseText, 'right');
    if (promptIds.length === 0) throw new UserError(`${this.template} renders a prompt to no tokens: the response's first token has nothing before it`);
    if (responseIds.length === 0) throw new UserError(`${this.template} renders a response to no tokens beyond the prompt's`);
    const max = this.maxLength ?? Infinity;
    if (promptIds.length + responseIds.length <= max) {
      return { ids: [...promptIds, ...responseIds], responseStart: promptIds.length, promptTruncated: false, responseTruncated: false };
    }
    const responseKept = Math.min(responseIds.length, max - 1);
    const promptKept = max - responseKept;
    return {
      ids: [...promptIds.slice(promptIds.length - promptKept), ...responseIds.slice(0, responseKept)],
      responseStart: promptKept,
      promptTruncated: promptKept < promptIds.length,
      responseTruncated: responseKept < responseIds.length,
    };
  }
}

/**
 * A sequence's tokens as the tokenizer's strings, split where the response starts: what
 * `rmbench inspect` shows for a sample prompt.
 */
export function sequenceTokens(tokenizer: DpoTokenizer, seq: DpoSequence): { prompt: string[]; response: string[] } {
  const byId = new Map<number, string>();
  for (const [token, id] of tokenizer.setup.tokenizer.tokenizer.get_vocab() as Map<string, number>) byId.set(id, token);
  const text = (ids: readonly number[]) => ids.map((id) => byId.get(id) ?? `<id ${id}>`);
  return { prompt: text(seq.ids.slice(0, seq.responseStart)), response: text(seq.ids.slice(seq.responseStart)) };
}

/** How many sequences lost the start of their prompt, and how many lost the end of their response. */
export function truncationCounts(sequences: readonly DpoSequence[]): { promptTruncated: number; responseTruncated: number } {
  return {
    promptTruncated: sequences.filter((s) => s.promptTruncated).length,
    responseTruncated: sequences.filter((s) => s.responseTruncated).length,
  };
}

/**
 * Policy and reference must read the same tokens: the same vocabulary (ids and added tokens) and
 * the same chat template, else their log-probs are over different sequences.
 */
export function assertSameTokenizer(policy: DpoTokenizer, policyPath: string, reference: DpoTokenizer, referencePath: string): void {
  const vocab = (t: DpoTokenizer) => t.setup.tokenizer.tokenizer.get_vocab() as Map<string, number>;
  const a = vocab(policy);
  const b = vocab(reference);
  const differs = [...a].find(([token, id]) => b.get(token) !== id);
  const problem =
    a.size !== b.size ? `vocabularies of ${a.size} and ${b.size} tokens`
    : differs ? `token ${JSON.stringify(differs[0])} is id ${differs[1]} in one and ${b.get(differs[0]) ?? 'absent'} in the other`
    : policy.setup.text('Hello', 'Hi.') !== reference.setup.text('Hello', 'Hi.') || policy.setup.promptText('Hello') !== reference.setup.promptText('Hello')
      ? 'their chat templates render a conversation differently'
      : null;
  if (problem) throw new UserError(`policy ${policyPath} and reference ${referencePath} do not share a tokenizer (${problem}); DPO compares log-probs of the same tokens`);
}

/**
 * @file What the two DPO log-prob backends share (local causal LM, causal-lm.ts; vLLM prompt
 * log-probs, vllm-logprobs.ts): the outputs they compute, and how a response becomes its pinned
 * token ids (src/dpo/tokens.ts), so both count log-probs over exactly the same tokens.
 */
import { UserError } from '../../errors.js';
import type { DpoSequence, DpoTokenizer } from '../../dpo/tokens.js';
import { singleResponse, type OutputRequest, type ScoreInput } from '../types.js';

/** β of the implicit reward when neither a flag nor the rmbench block sets it. */
export const DEFAULT_BETA = 0.1;

export abstract class DpoInputs {
  abstract readonly where: string;
  /** The outputs computed: log-probs and token counts (policy, and reference when there is one). */
  protected abstract readonly outputs: readonly string[];

  constructor(readonly tokens: DpoTokenizer) {}

  hasOutput(name: string): boolean {
    return this.outputs.includes(name);
  }

  async prepare(request: OutputRequest): Promise<string[]> {
    const missing = request.required.filter((n) => !this.hasOutput(n));
    if (missing.length) throw new UserError(`${this.where}: no output ${missing.join(', ')} (this backend computes ${this.outputs.join(', ')}); ${request.hint ?? ''}`.replace(/; $/, ''));
    return [...request.required, ...(request.optional ?? []).filter((n) => this.hasOutput(n))];
  }

  /** prompt_text and the rest of full_text, as JSON (any characters may occur in either). */
  textKey(input: ScoreInput): string {
    const { prompt, response } = singleResponse(input, this.where);
    const { promptText, responseText } = this.tokens.texts(prompt, response);
    return JSON.stringify([promptText, responseText]);
  }

  encode(_input: ScoreInput, textKey: string): DpoSequence {
    const [promptText, responseText] = JSON.parse(textKey) as [string, string];
    return this.tokens.sequenceOfTexts(promptText, responseText);
  }

  unitKey(sequence: DpoSequence): string {
    return `${sequence.responseStart}|${sequence.ids.join(',')}`;
  }
}

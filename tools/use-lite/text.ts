/**
 * @file The texts the USE Lite reward models read, built from the harness's own "plain" format
 * (src/scorers/format.ts) so that training and evaluation inputs are the same strings.
 */
import { formatPlain } from '../../src/scorers/format.js';
import type { Prompt } from '../../src/subsets/types.js';

export { formatPlain };

const ASSISTANT_SUFFIX = '\n\nAssistant: ';

/**
 * The prompt alone, for the prompt inputs (prompt_input_ids / prompt_attention_mask) of
 * use-lite-armo and use-lite-gpm: every prompt turn rendered exactly as formatPlain renders it
 * ("User: ...", "Assistant: ...", "System: ..." joined by a blank line), without the final
 * "\n\nAssistant: <response>" line. I.e. formatPlain(prompt, '') minus its "\n\nAssistant: " tail.
 * A plain-string prompt p gives "User: p".
 */
export function formatPromptPlain(prompt: Prompt): string {
  const full = formatPlain(prompt, '');
  if (!full.endsWith(ASSISTANT_SUFFIX)) throw new Error('formatPlain no longer ends with an "Assistant: " turn');
  return full.slice(0, full.length - ASSISTANT_SUFFIX.length);
}

/**
 * The `question` of use-lite-pairpm's template (src/default-models/pair.ts): a prompt that is one
 * user turn is its text unchanged; any other prompt is the conversation as formatPromptPlain
 * renders it ("User: ...\n\nAssistant: ..."), since the template has one slot for it.
 */
export function formatQuestion(prompt: Prompt): string {
  if (typeof prompt === 'string') return prompt;
  if (prompt.length === 1 && prompt[0]!.role === 'user') return prompt[0]!.content;
  return formatPromptPlain(prompt);
}

/**
 * @file How a prompt and a response become the one text a reward model reads.
 * - "chat_template": the tokenizer's Jinja chat template over the prompt's messages plus the
 *   response as the final assistant turn (no generation prompt). Templates emit their own special
 *   tokens, so the result is tokenised without adding more (as HF apply_chat_template does).
 * - "plain": every turn as "<Role>: <content>", turns separated by a blank line, ending with
 *   "Assistant: <response>"; tokenised with the tokenizer's own special tokens (e.g. [CLS] ... [SEP]).
 * Prompt-conditioned models (ArmoRM's gating, GPM's lambda) also read the prompt on its own: the
 * same format without the response (for templates: the prompt's messages with a generation prompt).
 */
import { promptMessages, type Message, type Prompt } from '../subsets/types.js';

export const TEXT_FORMATS = ['chat_template', 'plain'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

const ROLE_LABEL: Record<Message['role'], string> = { system: 'System', user: 'User', assistant: 'Assistant' };

export function conversation(prompt: Prompt, response: string): Message[] {
  return [...promptMessages(prompt), { role: 'assistant', content: response }];
}

const plainTurns = (messages: readonly Message[]): string => messages.map((m) => `${ROLE_LABEL[m.role]}: ${m.content}`).join('\n\n');

export function formatPlain(prompt: Prompt, response: string): string {
  return plainTurns(conversation(prompt, response));
}

/** The prompt alone in the plain format: its turns as formatPlain writes them, no "Assistant:" line. */
export function formatPlainPrompt(prompt: Prompt): string {
  return plainTurns(promptMessages(prompt));
}

/**
 * @file How a prompt and a response become the one text a reward model reads.
 * - "chat_template": the tokenizer's Jinja chat template over the prompt's messages plus the
 *   response as the final assistant turn (no generation prompt). Templates emit their own special
 *   tokens, so the result is tokenised without adding more (as HF apply_chat_template does).
 * - "plain": every turn as "<Role>: <content>", turns separated by a blank line, ending with
 *   "Assistant: <response>"; tokenised with the tokenizer's own special tokens (e.g. [CLS] ... [SEP]).
 * Prompt-conditioned models (ArmoRM's gating, GPM's lambda) also read the prompt on its own: the
 * same format without the response (for templates: the prompt's messages with a generation prompt).
 * Models and judges that read the prompt and two responses through a Jinja template (pairwise
 * models' rmbench.pair_template, judge templates) get the prompt as one `question` text
 * (formatQuestion), and the template is rendered verbatim (verbatimTemplate).
 */
import { parse, Template, tokenize } from '@huggingface/jinja';
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

/**
 * The `question` of a pair template (pairwise models, judges): a prompt that is one user turn is
 * its text unchanged; any other prompt (several turns, or a system turn) is its conversation as
 * formatPlainPrompt writes it ("User: ...\n\nAssistant: ...\n\nUser: ..."), since the template has
 * one slot for it. The default pairwise model (use-lite-pairpm) was trained on exactly this text.
 */
export function formatQuestion(prompt: Prompt): string {
  const turns = promptMessages(prompt);
  return turns.length === 1 && turns[0]!.role === 'user' ? turns[0]!.content : plainTurns(turns);
}

/**
 * A Jinja template over its source exactly as written: no trim_blocks/lstrip_blocks (the engine's
 * Template class turns both on, for chat templates) and no autoescaping (the engine has none).
 * The tokenizer drops one final newline (Jinja's keep_trailing_newline=False); the newline added
 * here is the one it drops. Whitespace goes only where the template says so (`{%-`, `-%}`).
 * Throws the engine's error on a syntax error.
 */
export function verbatimTemplate(source: string): Template {
  const template = new Template('');
  template.parsed = parse(tokenize(`${source}\n`));
  return template;
}

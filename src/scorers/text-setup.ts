/**
 * @file How a model folder's texts are made: format, special tokens, BOS, truncation, padding,
 * each with where the setting came from (the rmbench block, tokenizer_config.json, config.json, or
 * the default). The graph backends and `rmbench inspect` both read it from here, so they agree.
 */
import { join } from 'node:path';
import { UserError, errorMessage } from '../errors.js';
import { conversation, formatPlain, formatPlainPrompt, type TextFormat } from './format.js';
import type { ModelFolder } from './model-folder.js';
import { ModelTokenizer, type Side } from './tokenize.js';
import { promptMessages, type Message, type Prompt } from '../subsets/types.js';

const MAX_SANE_LENGTH = 1_000_000; // HF writes 1e30 for "no limit" in model_max_length.

export type SettingSource = 'rmbench' | 'tokenizer_config.json' | 'config.json' | 'default';

export interface Setting<T> {
  value: T;
  from: SettingSource;
}

export interface BosHandling {
  token: string | null;
  /** The chat template emits BOS itself (null: no template in use, or no BOS token). */
  templateEmits: boolean | null;
  /** The tokenizer's special tokens (add_special_tokens) put BOS before the text. */
  tokenizerAdds: boolean;
  /** Both would: a naive pipeline feeds two BOS; rmbench keeps one and warns. */
  doubleBos: boolean;
}

export interface TextSetup {
  tokenizer: ModelTokenizer;
  format: Setting<TextFormat>;
  addSpecialTokens: Setting<boolean>;
  maxLength: Setting<number | null>;
  truncationSide: Setting<Side>;
  paddingSide: Setting<Side>;
  bos: BosHandling;
  /** The text of a prompt and response, and of the prompt alone (for prompt-conditioned heads). */
  text(prompt: Prompt, response: string): string;
  promptText(prompt: Prompt): string;
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value < MAX_SANE_LENGTH ? value : undefined;
}

const side = (value: unknown): Side | undefined => (value === 'left' || value === 'right' ? value : undefined);

/** The first defined value, with its source. */
function first<T>(candidates: readonly [T | undefined, SettingSource][], fallback: T): Setting<T> {
  for (const [value, from] of candidates) if (value !== undefined) return { value, from };
  return { value: fallback, from: 'default' };
}

export async function loadTextSetup(folder: ModelFolder): Promise<TextSetup> {
  const block = folder.rmbench;
  const cfg = folder.tokenizerConfig;
  const maxLength = first<number | null>(
    [
      [block.max_length, 'rmbench'],
      [positiveNumber(cfg.model_max_length), 'tokenizer_config.json'],
      [positiveNumber(folder.config.max_position_embeddings), 'config.json'],
    ],
    null,
  );
  const truncationSide = first<Side>([[block.truncation_side, 'rmbench'], [side(cfg.truncation_side), 'tokenizer_config.json']], 'left');
  const paddingSide = first<Side>(
    [
      [block.padding_side, 'rmbench'],
      [side(cfg.padding_side), 'tokenizer_config.json'],
      [side(folder.config.padding_side), 'config.json'],
    ],
    'right',
  );
  const loaded = await ModelTokenizer.load(folder, { maxLength: maxLength.value, truncationSide: truncationSide.value, addSpecialTokens: true });
  const format = first<TextFormat>([[block.text_format, 'rmbench']], loaded.hasChatTemplate ? 'chat_template' : 'plain');
  if (format.value === 'chat_template' && !loaded.hasChatTemplate) {
    throw new UserError(`${folder.path}: rmbench.text_format is "chat_template" but tokenizer_config.json has no chat_template`);
  }
  // A chat template emits its own special tokens (as apply_chat_template(tokenize=True) assumes).
  const addSpecialTokens = first<boolean>([[block.add_special_tokens, 'rmbench']], format.value === 'plain');
  const tokenizer = loaded.withSettings({ maxLength: maxLength.value, truncationSide: truncationSide.value, addSpecialTokens: addSpecialTokens.value });

  const where = `${join(folder.path, 'tokenizer_config.json')}: chat_template`;
  /** The chat template's rendering; a template that fails or renders nothing is the folder's error, named. */
  const render = (messages: readonly Message[], addGenerationPrompt: boolean): string => {
    let rendered: string;
    try {
      rendered = tokenizer.applyChatTemplate(messages, addGenerationPrompt);
    } catch (err) {
      throw new UserError(`${where} fails on a conversation of ${messages.length} message(s): ${errorMessage(err).split('\n')[0]}`);
    }
    if (!rendered.trim()) throw new UserError(`${where} renders a conversation of ${messages.length} message(s) to an empty text: every response would read the same`);
    return rendered;
  };
  const text =
    format.value === 'chat_template' ? (prompt: Prompt, response: string) => render(conversation(prompt, response), false) : formatPlain;
  const promptText = format.value === 'chat_template' ? (prompt: Prompt) => render(promptMessages(prompt), true) : formatPlainPrompt;
  // Render conversations now, so that a broken template fails before any model is loaded.
  const probe = text('Hello', 'Hi.');
  if (format.value === 'chat_template') {
    // A template that leaves the response out makes every pair a tie.
    const other = text('Hello', 'Bye.');
    if (probe === other || !probe.includes('Hi.') || !other.includes('Bye.')) {
      throw new UserError(`${where} drops the response: conversations that differ only in the response ${probe === other ? 'render to the same text' : 'render without it'}, so every response would read the same`);
    }
  }
  const templateEmits = format.value === 'chat_template' && tokenizer.bosTokenId !== null ? tokenizer.startsWithBos(probe) : null;
  const tokenizerAdds = tokenizer.addsBos;
  return {
    tokenizer,
    format,
    addSpecialTokens,
    maxLength,
    truncationSide,
    paddingSide,
    bos: { token: tokenizer.bosToken, templateEmits, tokenizerAdds, doubleBos: Boolean(templateEmits && tokenizerAdds && addSpecialTokens.value) },
    text,
    promptText,
  };
}

/**
 * @file Text -> token ids for a model folder, through transformers.js's tokenizer (local files only).
 * Truncation is done here, not by the tokenizer: transformers.js has no truncation_side, and a reward
 * model must keep the END of a long text (the response) by default. Special tokens the tokenizer adds
 * (e.g. [CLS] ... [SEP]) are kept on both sides of the truncated content.
 * A text that already starts with BOS (a chat template that emits it) never gets a second one from
 * the tokenizer: the duplicate is dropped and counted, so the caller can warn once.
 */
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { UserError } from '../errors.js';
import type { ModelFolder } from './model-folder.js';
import type { Message } from '../subsets/types.js';

export type Side = 'left' | 'right';

export interface TokenizerSettings {
  /** null: no truncation. */
  maxLength: number | null;
  truncationSide: Side;
  /** Add the tokenizer's own special tokens (off when a chat template already emits them). */
  addSpecialTokens: boolean;
}

// Model files come from local folders only; nothing is ever downloaded.
env.allowRemoteModels = false;

function findSubarray(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export class ModelTokenizer {
  /** Special ids the tokenizer puts before and after a single text. */
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
  /** The padding id and where it came from (pad_token, else eos_token as HF classifiers do). */
  readonly padTokenId: number;
  readonly padTokenSource: 'pad_token' | 'eos_token' | 'none (0)';
  /** The padding token's text (null when there is none). */
  readonly padToken: string | null;
  /** BOS token and id, when the tokenizer declares one. */
  readonly bosToken: string | null;
  readonly bosTokenId: number | null;
  /** Texts whose second BOS (template + tokenizer) was dropped, since this tokenizer was made. */
  doubleBosAvoided = 0;

  private constructor(
    readonly tokenizer: PreTrainedTokenizer,
    readonly settings: TokenizerSettings,
  ) {
    const withSpecial = tokenizer.encode('a', { add_special_tokens: true });
    const bare = tokenizer.encode('a', { add_special_tokens: false });
    const at = findSubarray(withSpecial, bare);
    if (at < 0) throw new UserError(`tokenizer: cannot tell its special tokens apart from the text (encoded "a" as ${JSON.stringify(withSpecial)})`);
    this.prefix = withSpecial.slice(0, at);
    this.suffix = withSpecial.slice(at + bare.length);
    const config = tokenizer.config as Record<string, unknown>;
    const pad = tokenizer.pad_token_id as number | undefined | null;
    if (pad !== undefined && pad !== null) {
      this.padTokenId = pad;
      this.padTokenSource = config.pad_token !== undefined && config.pad_token !== null ? 'pad_token' : 'eos_token';
    } else {
      this.padTokenId = 0;
      this.padTokenSource = 'none (0)';
    }
    this.padToken = this.padTokenSource === 'none (0)' ? null : ((tokenizer.pad_token as string | undefined) ?? null);
    const bosId = tokenizer.bos_token_id as number | undefined | null;
    this.bosTokenId = bosId ?? null;
    this.bosToken = bosId === undefined || bosId === null ? null : ((tokenizer.bos_token as string | undefined) ?? null);
  }

  /** The same tokenizer with other settings (tokenizers are loaded once). */
  withSettings(settings: TokenizerSettings): ModelTokenizer {
    return new ModelTokenizer(this.tokenizer, settings);
  }

  /** Whether the tokenizer's own special tokens include BOS before the text. */
  get addsBos(): boolean {
    return this.bosTokenId !== null && this.prefix.includes(this.bosTokenId);
  }

  static async load(folder: ModelFolder, settings: TokenizerSettings): Promise<ModelTokenizer> {
    let tokenizer: PreTrainedTokenizer;
    try {
      tokenizer = await AutoTokenizer.from_pretrained(folder.path, { local_files_only: true });
    } catch (err) {
      throw new UserError(`${folder.path}: cannot load the tokenizer (${(err as Error).message})`);
    }
    return new ModelTokenizer(tokenizer, settings);
  }

  get hasChatTemplate(): boolean {
    return Boolean((this.tokenizer as unknown as { chat_template: unknown }).chat_template);
  }

  applyChatTemplate(messages: readonly Message[], addGenerationPrompt = false): string {
    return this.tokenizer.apply_chat_template(messages as Message[], { tokenize: false, add_generation_prompt: addGenerationPrompt }) as string;
  }

  /** Whether a text, tokenised bare, starts with BOS (e.g. a chat template's {{ bos_token }}). */
  startsWithBos(text: string): boolean {
    return this.bosTokenId !== null && this.tokenizer.encode(text, { add_special_tokens: false })[0] === this.bosTokenId;
  }

  /**
   * Token ids of a formatted text, truncated to maxLength on the configured side (or the side
   * given: prompt-only texts keep their end).
   */
  encode(text: string, truncationSide: Side = this.settings.truncationSide): number[] {
    const { maxLength, addSpecialTokens } = this.settings;
    let content = this.tokenizer.encode(text, { add_special_tokens: false });
    const prefix = addSpecialTokens ? this.prefix : [];
    if (prefix.length && content[0] === this.bosTokenId && prefix[prefix.length - 1] === this.bosTokenId) {
      // The text brings its own BOS and the tokenizer adds another: keep one (the prefix's, which
      // truncation never cuts).
      content = content.slice(1);
      this.doubleBosAvoided++;
    }
    const suffix = addSpecialTokens ? this.suffix : [];
    const room = maxLength === null ? content.length : maxLength - prefix.length - suffix.length;
    if (room <= 0) throw new UserError(`max_length ${maxLength} leaves no room for text after ${prefix.length + suffix.length} special tokens`);
    const kept = content.length <= room ? content : truncationSide === 'left' ? content.slice(content.length - room) : content.slice(0, room);
    return prefix.length || suffix.length ? [...prefix, ...kept, ...suffix] : kept;
  }
}

/**
 * @file Text -> token ids for a model folder, through transformers.js's tokenizer (local files only).
 * Truncation is done here, not by the tokenizer: transformers.js has no truncation_side, and a reward
 * model must keep the END of a long text (the response) by default. Special tokens the tokenizer adds
 * (e.g. [CLS] ... [SEP]) are kept on both sides of the truncated content.
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

  applyChatTemplate(messages: readonly Message[]): string {
    return this.tokenizer.apply_chat_template(messages as Message[], { tokenize: false, add_generation_prompt: false }) as string;
  }

  /** Token ids of a formatted text, truncated to maxLength on the configured side. */
  encode(text: string): number[] {
    const { maxLength, truncationSide, addSpecialTokens } = this.settings;
    const content = this.tokenizer.encode(text, { add_special_tokens: false });
    const prefix = addSpecialTokens ? this.prefix : [];
    const suffix = addSpecialTokens ? this.suffix : [];
    const room = maxLength === null ? content.length : maxLength - prefix.length - suffix.length;
    if (room <= 0) throw new UserError(`max_length ${maxLength} leaves no room for text after ${prefix.length + suffix.length} special tokens`);
    const kept = content.length <= room ? content : truncationSide === 'left' ? content.slice(content.length - room) : content.slice(0, room);
    return prefix.length || suffix.length ? [...prefix, ...kept, ...suffix] : kept;
  }
}

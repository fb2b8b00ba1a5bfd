/**
 * @file Text -> token ids for a model folder, through transformers.js's tokenizer (local files only).
 * Truncation is done here, not by the tokenizer: transformers.js has no truncation_side, and a reward
 * model must keep the END of a long text (the response) by default. Special tokens the tokenizer adds
 * (e.g. [CLS] ... [SEP]) are kept on both sides of the truncated content.
 * A text that already starts with BOS (a chat template that emits it) never gets a second one from
 * the tokenizer: the duplicate is dropped and counted, so the caller can warn once.
 *
 * Long texts: a model reads at most max_length tokens, so only a window of characters on the kept
 * side is tokenised (whole-text tokenisation of a 700,000-character text overflows transformers.js's
 * stack, and memory grows with the text). A window counts only when its cut lands at whitespace:
 * a cut inside a run of non-space characters changes how BPE merges the run (Llama-3 splits digits
 * in threes from the run's start), all the way to the kept end. The window doubles until two such
 * windows, cut at different whitespace, give the same kept tokens plus a margin of further tokens:
 * the cut no longer reaches what the model reads. A text with no such pair of windows, and texts up
 * to twice the first window, are tokenised whole.
 *
 * Importing this module turns off V8's allocation-site pretenuring for the process (see below).
 */
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { setFlagsFromString } from 'node:v8';
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

// transformers.js's Unigram model allocates small arrays and nodes for every character of a text,
// all dead once the text is encoded. V8 moves an allocation site's objects straight into the old
// generation when most of them survive a young-generation collection; in a run the first such
// collection comes while the window's freshly read texts fill the young generation and one
// lattice is alive, so the tokenizer's sites were pretenured and every later lattice promoted:
// on RewardBench v1 with use-lite-bt, 2.4x the CPU time of a bare encode loop and a full
// collection every second. Without pretenuring a run tokenises at the bare loop's speed.
setFlagsFromString('--no-allocation-site-pretenuring');

/** Characters of the first window per token kept, and at least this many characters. */
const WINDOW_CHARS_PER_TOKEN = 16;
const MIN_WINDOW_CHARS = 4096;
/** Tokens beyond the kept ones on which two windows must agree. */
const WINDOW_AGREEMENT_MARGIN = 8;
/** A window's cut moves at most this far to land just after a whitespace character. */
const CUT_ALIGN_CHARS = 64;

/**
 * The `chars` characters of `text` on the kept side, the cut moved to just after (left) or just
 * before (right) a whitespace character nearby; null when there is no whitespace near the cut.
 */
function windowOf(text: string, side: Side, chars: number): string | null {
  if (side === 'left') {
    const start = text.length - chars;
    const space = text.slice(start, start + CUT_ALIGN_CHARS).search(/\s\S/u);
    return space < 0 ? null : text.slice(start + space + 1);
  }
  const tail = text.slice(Math.max(0, chars - CUT_ALIGN_CHARS), chars);
  const space = tail.search(/\S\s(?!.*\S\s)/su);
  return space < 0 ? null : text.slice(0, chars - (tail.length - space - 1));
}

const agree = (a: readonly number[], b: readonly number[], span: number, side: Side): boolean => {
  if (a.length < span || b.length < span) return false;
  for (let i = 1; i <= span; i++) {
    if (side === 'left' ? a[a.length - i] !== b[b.length - i] : a[i - 1] !== b[i - 1]) return false;
  }
  return true;
};

/**
 * The content tokens of a text as `encode` would give them for the whole text, or, for a text
 * longer than two first windows, at least `need` of them on the kept side (`whole` false: the
 * whole text has more than `need` tokens), from two agreeing windows cut at whitespace.
 * `firstWindow` is a parameter for the exactness tests.
 */
export function keptContent(
  encode: (text: string) => number[],
  text: string,
  side: Side,
  need: number,
  firstWindow = Math.max(MIN_WINDOW_CHARS, need * WINDOW_CHARS_PER_TOKEN),
): { ids: number[]; whole: boolean } {
  const span = need + WINDOW_AGREEMENT_MARGIN;
  if (text.length <= 2 * firstWindow) return { ids: encode(text), whole: true };
  let previous: number[] | undefined;
  for (let chars = firstWindow; chars < text.length; chars *= 2) {
    const window = windowOf(text, side, chars);
    if (window === null) continue;
    const ids = encode(window);
    if (previous && agree(previous, ids, span, side)) return { ids: side === 'left' ? ids.slice(ids.length - span) : ids.slice(0, span), whole: false };
    previous = ids;
  }
  return { ids: encode(text), whole: true };
}

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

  /** One more than the largest token id the tokenizer knows (its vocabulary and added tokens). */
  get vocabularySize(): number {
    let size = 0;
    for (const id of this.tokenizer.get_vocab().values()) size = Math.max(size, id + 1);
    return size;
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

  /** Token ids of a text without special tokens; a text too long for the tokenizer is the user's error, not a crash. */
  private bare(text: string): number[] {
    try {
      return this.tokenizer.encode(text, { add_special_tokens: false });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      const hint = this.settings.maxLength === null ? '; give the model a max_length (rmbench.max_length) so that only the end it reads is tokenised' : '';
      throw new UserError(`a text of ${text.length} characters is too long for the tokenizer to encode in one piece (${err.message})${hint}`);
    }
  }

  applyChatTemplate(messages: readonly Message[], addGenerationPrompt = false): string {
    return this.tokenizer.apply_chat_template(messages as Message[], { tokenize: false, add_generation_prompt: addGenerationPrompt }) as string;
  }

  /** Whether a text, tokenised bare, starts with BOS (e.g. a chat template's {{ bos_token }}). */
  startsWithBos(text: string): boolean {
    return this.bosTokenId !== null && keptContent((t) => this.bare(t), text, 'right', 1).ids[0] === this.bosTokenId;
  }

  /**
   * Token ids of a formatted text, truncated to maxLength on the configured side (or the side
   * given: prompt-only texts keep their end).
   */
  encode(text: string, truncationSide: Side = this.settings.truncationSide): number[] {
    const { maxLength, addSpecialTokens } = this.settings;
    const prefix = addSpecialTokens ? this.prefix : [];
    const suffix = addSpecialTokens ? this.suffix : [];
    const room = maxLength === null ? Infinity : maxLength - prefix.length - suffix.length;
    if (room <= 0) throw new UserError(`max_length ${maxLength} leaves no room for text after ${prefix.length + suffix.length} special tokens`);
    const encode = (t: string) => this.bare(t);
    // One token more than the room: a BOS dropped below must not leave the window short.
    const { ids, whole } = maxLength === null ? { ids: encode(text), whole: true } : keptContent(encode, text, truncationSide, room + 1);
    let content = ids;
    if (prefix.length && prefix[prefix.length - 1] === this.bosTokenId) {
      // The text brings its own BOS and the tokenizer adds another: keep one (the prefix's, which
      // truncation never cuts). A window on the left lacks the text's start: look at it on its own.
      const first = whole || truncationSide === 'right' ? content[0] : keptContent(encode, text, 'right', 1).ids[0];
      if (first === this.bosTokenId) {
        if (whole || truncationSide === 'right') content = content.slice(1);
        this.doubleBosAvoided++;
      }
    }
    const kept = content.length <= room ? content : truncationSide === 'left' ? content.slice(content.length - room) : content.slice(0, room);
    return prefix.length || suffix.length ? [...prefix, ...kept, ...suffix] : kept;
  }
}

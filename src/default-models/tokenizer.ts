/**
 * @file A Hugging Face tokenizer.json (Unigram) rebuilt from USE Lite's vocab.json, made to give
 * the same ids as the reference tokenizer of `@energetic-ai/embeddings` (a SentencePiece Viterbi
 * over a trie of the vocabulary).
 *
 * The reference algorithm, and how the tokenizer.json reproduces it:
 * - Text -> NFKC -> "▁" in front (non-empty text only) -> every " " becomes "▁"; no other
 *   whitespace is touched (a newline has no piece and becomes the unknown id 0).
 *   Here: normalizer Sequence[NFKC, Prepend "▁"], pre-tokenizer Metaspace (prepend_scheme
 *   "never": a text that starts with a space keeps its extra "▁", as the reference does; the
 *   HF Metaspace "always" scheme would drop it). The whole text is one lattice (no word split).
 * - Ids 0-5 ("\ufffd", "<s>", "</s>", "extra_token_id_1..3") are never produced from text. Here
 *   ids 1-5 are renamed to strings holding an ASCII space, which cannot occur after Metaspace, so
 *   literal "<s>" in a text is tokenised as characters just as the reference does. Id 0 keeps its
 *   piece "\ufffd", which maps to the unknown id either way.
 * - No special tokens are added (no BOS/EOS): the post-processor is empty.
 * - A character that starts no piece is the unknown id 0 and consecutive unknowns fuse into one
 *   id 0 (HF Unigram does the same). The reference scores an unknown character 0 (better than
 *   any piece) and creates it only where no piece starts; HF scores it (min score - 10) and
 *   creates it where no ONE-character piece starts. The two lattices differ only around
 *   characters that occur inside pieces but have no single-character piece; see
 *   `tokenizerDifferences` in the tests for the measured effect.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadVocab } from './weights.js';

/** The reference's longest input: tokens past this are dropped by the TF graph. */
export const MAX_LENGTH = 128;
export const UNK_TOKEN = '\ufffd';
/** Reserved ids the reference never produces from text. */
export const RESERVED_IDS = [1, 2, 3, 4, 5] as const;

/** The reserved piece renamed so no text can match it (a space never reaches the model). */
export function reservedPiece(piece: string): string {
  return `${piece} (reserved)`;
}

/** What a model adds to the shared tokenizer: added tokens (use-lite-pairpm's markers) and its own length limit. */
export interface TokenizerExtras {
  addedTokens?: readonly object[];
  maxLength?: number;
}

export function tokenizerJson(vocab: readonly (readonly [string, number])[] = loadVocab(), addedTokens: readonly object[] = []): object {
  const pieces = vocab.map(([piece, score], id) => [
    (RESERVED_IDS as readonly number[]).includes(id) ? reservedPiece(piece) : piece,
    score,
  ]);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFKC' }, { type: 'Prepend', prepend: '\u2581' }],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'never', split: false },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: false },
    model: { type: 'Unigram', unk_id: 0, vocab: pieces, byte_fallback: false },
  };
}

export function tokenizerConfig(maxLength = MAX_LENGTH): object {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    // The unknown piece doubles as padding: padded positions are masked out by attention_mask.
    unk_token: UNK_TOKEN,
    pad_token: UNK_TOKEN,
    model_max_length: maxLength,
    padding_side: 'right',
    truncation_side: 'left',
    clean_up_tokenization_spaces: false,
  };
}

/** Writes tokenizer.json and tokenizer_config.json into dir. */
export function writeTokenizer(dir: string, extras: TokenizerExtras = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(loadVocab(), extras.addedTokens)));
  writeFileSync(join(dir, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfig(extras.maxLength), null, 2)}\n`);
}

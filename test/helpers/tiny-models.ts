/**
 * Tiny real model folders for tests: a word-level tokenizer.json and ONNX graphs whose outputs
 * can be computed by hand. Weights are small dyadic rationals so float sums are exact in any
 * order, which lets tests assert equality rather than closeness.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../../tools/onnx/graph.js';

export const PAD = '[PAD]';
export const UNK = '[UNK]';

export interface TokenizerOptions {
  chatTemplate?: string;
  /** Extra tokenizer_config.json fields (padding_side, truncation_side, model_max_length...). */
  config?: Record<string, unknown>;
  /** A BOS token added by the post-processor in front of every text. */
  bos?: string;
}

/** Vocabulary: [PAD]=0, [UNK]=1, then the given words (and the BOS token, when asked) in order. */
export function vocabulary(words: readonly string[], bos?: string): Map<string, number> {
  const all = [PAD, UNK, ...(bos ? [bos] : []), ...words];
  return new Map(all.map((w, i) => [w, i]));
}

export function writeTokenizer(dir: string, words: readonly string[], options: TokenizerOptions = {}): Map<string, number> {
  const vocab = vocabulary(words, options.bos);
  const special = [PAD, UNK, ...(options.bos ? [options.bos] : [])];
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((content) => ({
      id: vocab.get(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: options.bos
      ? {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: options.bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ SpecialToken: { id: options.bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: { [options.bos]: { id: options.bos, ids: [vocab.get(options.bos)], tokens: [options.bos] } },
        }
      : null,
    decoder: null,
    model: { type: 'WordLevel', vocab: Object.fromEntries(vocab), unk_token: UNK },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'PreTrainedTokenizerFast',
      pad_token: PAD,
      unk_token: UNK,
      ...(options.bos ? { bos_token: options.bos } : {}),
      model_max_length: 512,
      ...(options.chatTemplate ? { chat_template: options.chatTemplate } : {}),
      ...options.config,
    }),
  );
  return vocab;
}

export interface BagOfWordsOptions extends TokenizerOptions {
  /** The model folder's rmbench block. */
  rmbench?: Record<string, unknown>;
  /** Name of the score output (default "logits"). */
  outputName?: string;
  /** Give the graph a token_type_ids input (ignored by the computation), as BERT exports have. */
  tokenTypeIds?: boolean;
}

/**
 * A Bradley-Terry model: logits[b, 0] = sum over unmasked tokens t of weight(token t).
 * Unknown words weigh 0 unless UNK is given a weight. Returns the vocabulary.
 */
export function writeBagOfWordsModel(dir: string, weights: Record<string, number>, options: BagOfWordsOptions = {}): Map<string, number> {
  const words = Object.keys(weights).filter((w) => w !== UNK && w !== PAD);
  const vocab = writeTokenizer(dir, words, options);
  const table = new Float32Array(vocab.size);
  for (const [w, id] of vocab) table[id] = weights[w] ?? 0;

  const g = new GraphBuilder('bag_of_words_bt');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  if (options.tokenTypeIds) g.input('token_type_ids', 'int64', ['batch', 'sequence']);
  const emb = g.init('token_weight', { type: 'float32', dims: [vocab.size], data: table });
  const perToken = g.node('Gather', [emb, ids], { axis: 0 });
  const maskF = g.node('Cast', [mask], { to: 1 });
  const masked = g.node('Mul', [perToken, maskF]);
  const out = options.outputName ?? 'logits';
  g.node('ReduceSum', [masked, g.ints([1])], { keepdims: 1 }, [out]);
  g.output(out, 'float32', ['batch', 1]);

  mkdirSync(join(dir, 'onnx'), { recursive: true });
  g.save(join(dir, 'onnx', 'model.onnx'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ model_type: 'bert', architectures: ['BagOfWordsForSequenceClassification'], num_labels: 1, ...(options.rmbench ? { rmbench: options.rmbench } : {}) }),
  );
  return vocab;
}

/** Hand computation of the bag-of-words score for a text, as the tokenizer splits it. */
export function bagOfWordsScore(text: string, weights: Record<string, number>): number {
  // The Whitespace pre-tokenizer splits on \w+|[^\w\s]+.
  return (text.toLowerCase().match(/\w+|[^\w\s]+/gu) ?? []).reduce((sum, t) => sum + (weights[t] ?? 0), 0);
}

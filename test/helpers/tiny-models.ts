/**
 * Tiny real model folders for tests: a word-level tokenizer.json and ONNX graphs whose outputs
 * can be computed by hand. Weights are small dyadic rationals so float sums are exact in any
 * order, which lets tests assert equality rather than closeness.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../../src/onnx/graph.js';

export const PAD = '[PAD]';
export const UNK = '[UNK]';

export interface TokenizerOptions {
  chatTemplate?: string;
  /** Extra tokenizer_config.json fields (padding_side, truncation_side, model_max_length...). */
  config?: Record<string, unknown>;
  /** A BOS token added by the post-processor in front of every text. */
  bos?: string;
  /** More special tokens (matched whole, before word splitting), e.g. chat-template markers. */
  specialTokens?: readonly string[];
  /** The eos_token of tokenizer_config.json (one of the special tokens). */
  eos?: string;
  /** false: tokenizer_config.json declares no pad_token ([PAD] stays in the vocabulary). */
  padToken?: boolean;
}

/** Vocabulary: [PAD]=0, [UNK]=1, then the BOS and special tokens, when asked, then the given words. */
export function vocabulary(words: readonly string[], bos?: string, specialTokens: readonly string[] = []): Map<string, number> {
  const all = [PAD, UNK, ...(bos ? [bos] : []), ...specialTokens, ...words];
  return new Map(all.map((w, i) => [w, i]));
}

export function writeTokenizer(dir: string, words: readonly string[], options: TokenizerOptions = {}): Map<string, number> {
  const vocab = vocabulary(words, options.bos, options.specialTokens);
  const special = [PAD, UNK, ...(options.bos ? [options.bos] : []), ...(options.specialTokens ?? [])];
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
      ...(options.padToken === false ? {} : { pad_token: PAD }),
      unk_token: UNK,
      ...(options.bos ? { bos_token: options.bos } : {}),
      ...(options.eos ? { eos_token: options.eos } : {}),
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
  /** More int64 [batch, sequence] inputs the computation ignores (e.g. ones rmbench does not know). */
  extraInputs?: readonly string[];
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
  for (const name of options.extraInputs ?? []) g.input(name, 'int64', ['batch', 'sequence']);
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

/** Rows of a per-word table [vocabulary, width]; words not listed get zeros. */
function table(vocab: Map<string, number>, rows: Record<string, readonly number[]>, width: number): Float32Array {
  const data = new Float32Array(vocab.size * width);
  for (const [w, id] of vocab) (rows[w] ?? []).forEach((v, k) => (data[id * width + k] = v));
  return data;
}

/** sum over unmasked tokens of table[token] -> [batch, width]. */
function maskedSum(g: GraphBuilder, ids: string, mask: string, tableName: string): string {
  const rows = g.node('Gather', [tableName, ids], { axis: 0 }); // [B, T, width]
  const maskF = g.node('Unsqueeze', [g.node('Cast', [mask], { to: 1 }), g.ints([2])]); // [B, T, 1]
  return g.node('ReduceSum', [g.node('Mul', [rows, maskF]), g.ints([1])], { keepdims: 0 });
}

function writeConfig(dir: string, modelType: string, rmbench?: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: modelType, ...extra, ...(rmbench ? { rmbench } : {}) }));
}

const wordsOf = (...tables: Record<string, unknown>[]) => [...new Set(tables.flatMap((t) => Object.keys(t)))].filter((w) => w !== PAD && w !== UNK);

export interface ArmoFixture extends TokenizerOptions {
  /** Raw objective rewards per response word: rewards = sum over the response text's tokens. */
  rewards: Record<string, readonly number[]>;
  /** Gating: base + sum over the prompt-only text's tokens of these rows. */
  gating: Record<string, readonly number[]>;
  gatingBase: readonly number[];
  /** The M the graph's score uses (rows: raw objective j; score = sum_k g_k (r M)_k). */
  transform: readonly (readonly number[])[];
  /** Without prompt inputs the gating reads the response text instead. */
  promptInputs?: boolean;
  rmbench?: Record<string, unknown>;
}

/** An ArmoRM-shaped model: outputs rewards [B, k], gating_output [B, k], score [B]. */
export function writeArmoModel(dir: string, spec: ArmoFixture): Map<string, number> {
  const k = spec.gatingBase.length;
  const vocab = writeTokenizer(dir, wordsOf(spec.rewards, spec.gating), spec);
  const g = new GraphBuilder('tiny_armorm');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const promptInputs = spec.promptInputs ?? true;
  const pIds = promptInputs ? g.input('prompt_input_ids', 'int64', ['batch', 'prompt_sequence']) : ids;
  const pMask = promptInputs ? g.input('prompt_attention_mask', 'int64', ['batch', 'prompt_sequence']) : mask;
  const rewards = g.node('Identity', [maskedSum(g, ids, mask, g.init('reward_table', { type: 'float32', dims: [vocab.size, k], data: table(vocab, spec.rewards, k) }))], {}, ['rewards']);
  const gatingSum = maskedSum(g, pIds, pMask, g.init('gating_table', { type: 'float32', dims: [vocab.size, k], data: table(vocab, spec.gating, k) }));
  const gating = g.node('Add', [gatingSum, g.floats([...spec.gatingBase], [1, k])], {}, ['gating_output']);
  const adjusted = g.node('MatMul', [rewards, g.floats(spec.transform.flat(), [k, k])]);
  g.node('ReduceSum', [g.node('Mul', [adjusted, gating]), g.ints([1])], { keepdims: 0 }, ['score']);
  g.output('rewards', 'float32', ['batch', k]);
  g.output('gating_output', 'float32', ['batch', k]);
  g.output('score', 'float32', ['batch']);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  g.save(join(dir, 'onnx', 'model.onnx'));
  writeConfig(dir, 'llama', { scorer: 'armorm', ...spec.rmbench }, { architectures: ['LlamaForRewardModelWithGating'] });
  return vocab;
}

export interface GpmFixture extends TokenizerOptions {
  /** Embedding = sum over the response text's tokens of these rows (d values each). */
  embedding: Record<string, readonly number[]>;
  /** lambda = base + sum over the prompt-only text's tokens of these rows (d/2 values); none: no lambda output. */
  lambda?: { base: readonly number[]; rows: Record<string, readonly number[]> };
  rmbench?: Record<string, unknown>;
}

/** A general preference model: outputs embedding [B, d] and, when asked, lambda [B, d/2] from the prompt. */
export function writeGpmModel(dir: string, spec: GpmFixture): Map<string, number> {
  const d = Object.values(spec.embedding)[0]!.length;
  const vocab = writeTokenizer(dir, wordsOf(spec.embedding, spec.lambda?.rows ?? {}), spec);
  const g = new GraphBuilder('tiny_gpm');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  g.node('Identity', [maskedSum(g, ids, mask, g.init('embedding_table', { type: 'float32', dims: [vocab.size, d], data: table(vocab, spec.embedding, d) }))], {}, ['embedding']);
  g.output('embedding', 'float32', ['batch', d]);
  if (spec.lambda) {
    const pIds = g.input('prompt_input_ids', 'int64', ['batch', 'prompt_sequence']);
    const pMask = g.input('prompt_attention_mask', 'int64', ['batch', 'prompt_sequence']);
    const sum = maskedSum(g, pIds, pMask, g.init('lambda_table', { type: 'float32', dims: [vocab.size, d / 2], data: table(vocab, spec.lambda.rows, d / 2) }));
    g.node('Add', [sum, g.floats([...spec.lambda.base], [1, d / 2])], {}, ['lambda']);
    g.output('lambda', 'float32', ['batch', d / 2]);
  }
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  g.save(join(dir, 'onnx', 'model.onnx'));
  writeConfig(dir, 'gemma', { scorer: 'gpm', ...spec.rmbench });
  return vocab;
}

/**
 * ArmoRM and GPM fixtures over words of RewardBench v1's texts, with dyadic weights: every output is
 * exact in float32 whatever the batch, so runs that cut the work differently must agree bit for bit.
 */
export const RB_ARMO_FIXTURE: ArmoFixture = {
  rewards: { sure: [1, 0, 0], here: [0, 1, 0], the: [0, 2 ** -6, 0], sorry: [0, 0, -1], cannot: [-0.5, 0, 0.5] },
  gating: { how: [0.5, 0, 0], what: [0, 0, 0.25], write: [0, 0.25, 0] },
  gatingBase: [0.5, 0.25, 0.25],
  transform: [
    [1, 0, 0],
    [-0.5, 1, -0.25],
    [0, 0, 1],
  ],
  rmbench: { objectives: ['helpful', 'verbose', 'safe'], verbosity_penalties: [0.5, 0, 0.25], verbosity_objective: 'verbose' },
};
export const RB_GPM_FIXTURE: GpmFixture = {
  embedding: { sure: [1, 0, 0, 0], sorry: [0, 1, 0, 0], here: [-1, -1, 0, 0], the: [0, 0, 2 ** -6, 0], code: [0, 0, 0, 1] },
  lambda: { base: [1, 1], rows: { how: [1, 0], what: [0, 2] } },
};

/** Llama-3's chat template (it emits BOS itself). */
export const LLAMA3_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
export const LLAMA3_BOS = '<|begin_of_text|>';
export const LLAMA3_SPECIALS = ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'] as const;

export interface DecoderFixture {
  /** Per-token weights (words, and the Llama-3 special tokens). */
  weights: Record<string, number>;
  /** Where the graph reads the last token: "index" gathers at sum(mask) - 1 (right padding), "last" takes the last position (left padding). */
  pooling: 'index' | 'last';
  /** A position_ids input, adding positionWeight * position to every token's state. */
  positionIds?: boolean;
  positionWeight?: number;
  /** Store the weight table in onnx/model.onnx_data. */
  externalData?: boolean;
  /** Also write model_fp16.onnx (float16 weights and logits) and model_quantized.onnx (uint8 weights, scale 1/4). */
  variants?: readonly ('fp16' | 'q8')[];
  /** Tokenizer: Llama-3 style with its template, BOS added by the post-processor, no pad_token (eos <|eot_id|>). */
  tokenizer?: TokenizerOptions;
  rmbench?: Record<string, unknown>;
}

export const Q8_SCALE = 0.25;
export const Q8_ZERO = 128;

/**
 * A decoder-style classifier as optimum exports it: state_t = (causal prefix sum of the unmasked
 * tokens' weights) + (a pad position's own token weight) + positionWeight * position_t, and logits
 * [B, 1] = the state at the last real token, found inside the graph as `pooling` says. The correct
 * score of a text is sum of its tokens' weights + positionWeight * (length - 1).
 */
export function writeDecoderModel(dir: string, spec: DecoderFixture): Map<string, number> {
  const tokenizer: TokenizerOptions = spec.tokenizer ?? {
    bos: LLAMA3_BOS,
    specialTokens: LLAMA3_SPECIALS,
    eos: '<|eot_id|>',
    padToken: false,
    chatTemplate: LLAMA3_TEMPLATE,
  };
  const specials = new Set([LLAMA3_BOS, ...LLAMA3_SPECIALS]);
  const vocab = writeTokenizer(dir, Object.keys(spec.weights).filter((w) => !specials.has(w) && w !== PAD && w !== UNK), tokenizer);
  const weights = new Float32Array(vocab.size);
  for (const [w, id] of vocab) weights[id] = spec.weights[w] ?? 0;
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const build = (dtype: 'fp32' | 'fp16' | 'q8') => {
    const g = new GraphBuilder(`tiny_decoder_${dtype}`);
    const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
    const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
    const positions = spec.positionIds ? g.input('position_ids', 'int64', ['batch', 'sequence']) : undefined;
    let tableF: string;
    if (dtype === 'fp32') tableF = g.init('token_weight', { type: 'float32', dims: [vocab.size], data: weights });
    else if (dtype === 'fp16') tableF = g.node('Cast', [g.init('token_weight', { type: 'float16', dims: [vocab.size], data: weights })], { to: 1 });
    else {
      const q = Array.from(weights, (w) => Math.max(0, Math.min(255, Math.round(w / Q8_SCALE) + Q8_ZERO)));
      const scale = g.init('scale', { type: 'float32', dims: [], data: [Q8_SCALE] });
      const zero = g.init('zero_point', { type: 'uint8', dims: [], data: [Q8_ZERO] });
      tableF = g.node('DequantizeLinear', [g.init('token_weight', { type: 'uint8', dims: [vocab.size], data: q }), scale, zero]);
    }
    const e = g.node('Gather', [tableF, ids], { axis: 0 }); // [B, T]
    const m = g.node('Cast', [mask], { to: 1 });
    const causal = g.node('CumSum', [g.node('Mul', [e, m]), g.ints([1], [])]);
    let state = g.node('Add', [causal, g.node('Mul', [e, g.node('Sub', [g.floats([1], []), m])])]);
    if (positions) state = g.node('Add', [state, g.node('Mul', [g.node('Cast', [positions], { to: 1 }), g.floats([spec.positionWeight ?? 0], [])])]);
    const pooled =
      spec.pooling === 'index'
        ? g.node('GatherElements', [state, g.node('Sub', [g.node('ReduceSum', [mask, g.ints([1])], { keepdims: 1 }), g.ints([1], [])])], { axis: 1 })
        : g.node('Slice', [state, g.ints([-1]), g.ints([2 ** 31 - 1]), g.ints([1])]);
    if (dtype === 'fp16') {
      g.node('Cast', [pooled], { to: 10 }, ['logits']);
      g.output('logits', 'float16', ['batch', 1]);
    } else {
      g.node('Identity', [pooled], {}, ['logits']);
      g.output('logits', 'float32', ['batch', 1]);
    }
    return g;
  };
  const save = (dtype: 'fp32' | 'fp16' | 'q8', file: string) =>
    build(dtype).save(join(dir, 'onnx', file), spec.externalData ? { externalDataFile: `${file}_data`, externalDataThreshold: 8 } : {});
  save('fp32', 'model.onnx');
  if (spec.variants?.includes('fp16')) save('fp16', 'model_fp16.onnx');
  if (spec.variants?.includes('q8')) save('q8', 'model_quantized.onnx');
  writeConfig(dir, 'llama', spec.rmbench, { architectures: ['LlamaForSequenceClassification'], num_labels: 1, pad_token_id: vocab.get('<|eot_id|>') ?? 0 });
  return vocab;
}

/** GPT-2's byte -> printable character map, which byte-level BPE vocabularies are written in. */
function byteLevelAlphabet(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : next++));
}

/**
 * A byte-level BPE tokenizer.json as Llama-3's is built: a regex pre-tokenizer that splits digits
 * in groups of up to three from the left and attaches a space to the following word, then byte
 * level; merges join runs of "a" into 2, 4, 8 and 16 (and "Ġa", a space before them), and "1"s
 * into 11 and 111. Where a run starts decides all of its tokens, up to its end.
 */
export function writeByteLevelBpeTokenizer(dir: string): void {
  const alphabet = byteLevelAlphabet();
  const merges = ['Ġ a', 'a a', 'aa aa', 'aaaa aaaa', 'aaaaaaaa aaaaaaaa', '1 1', '11 1'];
  const vocab = new Map(alphabet.map((c, i) => [c, i]));
  for (const merge of merges) vocab.set(merge.replace(' ', ''), vocab.size);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
          behavior: 'Isolated',
          invert: false,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: Object.fromEntries(vocab), merges },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: 512 }));
}

/**
 * @file Runs a model folder's ONNX graph over responses: format -> tokenise once per distinct text ->
 * run once per distinct token sequence, in token-budget batches -> one output row per response.
 * Scorer kinds (Bradley-Terry, ArmoRM, GPM) are thin views over it.
 *
 * Inputs it feeds (int64 [batch, sequence]): input_ids; attention_mask, built from the sequence
 * lengths, never from the ids (a pad id inside the text stays visible); position_ids = cumulative
 * sum of the mask minus 1, clipped at 0 (so left padding starts real tokens at 0); token_type_ids = 0.
 * Prompt-conditioned heads also get the prompt encoded on its own, as prompt_input_ids and
 * prompt_attention_mask (int64 [batch, prompt_sequence]), truncated keeping its end.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors.js';
import { planBatches, planFixedBatches, type BatchPolicy } from './batching.js';
import { runPool } from './pool.js';
import { ScoreCache, cacheKey, sha256Hex, type CachedRow } from './cache.js';
import { hashModelFiles, hashTokenizerFiles, type Dtype, type ModelFolder } from './model-folder.js';
import { openSession, type Device } from './onnx-session.js';
import { loadTextSetup, type TextSetup } from './text-setup.js';
import type { Side } from './tokenize.js';
import { emptyStats, type ResponseInput, type ScorerStats } from './types.js';

export const DEFAULT_TOKEN_BUDGET = 4096;
export const TEXT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids'] as const;
export const PROMPT_INPUTS = ['prompt_input_ids', 'prompt_attention_mask'] as const;
const KNOWN_INPUTS: ReadonlySet<string> = new Set([...TEXT_INPUTS, ...PROMPT_INPUTS]);

export interface OnnxModelOptions {
  device?: Device;
  threads?: number;
  /** Padded tokens per batch (default 4096). */
  tokenBudget?: number;
  /** How texts are batched (default: token budget, longest first); "fixed" exists for comparisons. */
  batchPolicy?: BatchPolicy;
  /** Score cache root (see cache.ts); no cache when absent. */
  cacheDir?: string;
  /** Weight variant: fp32 (onnx/model.onnx), fp16 (model_fp16.onnx), q8 (model_quantized.onnx). */
  dtype?: Dtype;
  /** Batches in flight at once (default 1); more only helps a graph served remotely. */
  concurrency?: number;
  /**
   * Runs the graph somewhere else instead of opening folder.onnxPath with ONNX Runtime (the KServe
   * backend, src/scorers/remote/kserve.ts). Its identity stands for the weights' sha256 in the cache key.
   */
  graph?: (folder: ModelFolder) => Promise<{ session: GraphSession; device: string; identity: string }>;
  onWarning?: (message: string) => void;
}

/**
 * What the runner needs of a graph: an ONNX Runtime session has it, and so does a remote engine
 * that takes the same int64 tensors (src/scorers/remote/kserve.ts).
 */
export interface GraphSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /** Declared outputs, when the graph declares them (shapes with symbolic axes such as "sequence"). */
  readonly outputMetadata?: readonly ort.InferenceSession.ValueMetadata[];
  run(feeds: Record<string, ort.Tensor>, fetches: string[]): Promise<Record<string, ort.OnnxValue>>;
  release(): Promise<void>;
}

/** Output rows for one response: output name -> that response's values. */
export type OutputRow = Record<string, Float32Array>;

export interface Sequence {
  ids: number[];
  /** The prompt alone, for graphs with prompt inputs. */
  prompt?: number[];
}

/** What is wrong with a graph's inputs for rmbench, one line per problem (empty when fine). */
export function inputProblems(inputs: readonly ort.InferenceSession.ValueMetadata[]): string[] {
  const problems: string[] = [];
  const names = inputs.map((i) => i.name);
  const unknown = names.filter((n) => !KNOWN_INPUTS.has(n));
  if (unknown.length) {
    problems.push(`unknown input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: rmbench feeds ${[...KNOWN_INPUTS].join(', ')}`);
  }
  if (!names.includes('input_ids')) problems.push('no input_ids input');
  if (names.includes('prompt_attention_mask') && !names.includes('prompt_input_ids')) problems.push('prompt_attention_mask without prompt_input_ids');
  for (const input of inputs) {
    if (KNOWN_INPUTS.has(input.name) && input.isTensor && input.type !== 'int64') problems.push(`input ${input.name} is ${input.type}; rmbench feeds int64`);
  }
  return problems;
}

/**
 * Outputs, among `names`, declared with input_ids' sequence axis (e.g. logits [batch, sequence]): one
 * value per token, not per response. Reading column 0 of such an output would score the first token.
 */
function sequenceAxisOutputs(session: Pick<GraphSession, 'inputMetadata' | 'outputMetadata'>, names: readonly string[]): string[] {
  const ids = session.inputMetadata.find((i) => i.name === 'input_ids');
  const sequenceAxis = ids?.isTensor ? ids.shape[1] : undefined;
  // Only a named axis says anything: KServe writes every dynamic axis as -1.
  if (typeof sequenceAxis !== 'string' || sequenceAxis === '' || sequenceAxis === '-1') return [];
  return (session.outputMetadata ?? [])
    .filter((o) => names.includes(o.name) && o.isTensor && o.shape.slice(1).includes(sequenceAxis))
    .map((o) => `output "${o.name}" is [${(o as { shape: readonly (number | string)[] }).shape.join(', ')}]`);
}

/** Values per response of an output, where the graph declares every axis after the batch. */
function declaredWidth(session: GraphSession, name: string): number | undefined {
  const meta = session.outputMetadata?.find((o) => o.name === name);
  if (!meta?.isTensor || !meta.shape.slice(1).every((d) => typeof d === 'number')) return undefined;
  return (meta.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
}

const PER_TOKEN_HINT = 'one value per token; rmbench needs one reward per response: export the graph with the pooled reward (e.g. logits [batch, 1])';

/** The problem with outputs declared with the sequence axis (sequenceAxisOutputs), or null. */
export function sequenceAxisProblem(session: Pick<GraphSession, 'inputMetadata' | 'outputMetadata'>, names: readonly string[]): string | null {
  const perToken = sequenceAxisOutputs(session, names);
  return perToken.length ? `${perToken.join('; ')}: ${PER_TOKEN_HINT}` : null;
}

/** float32 values of an output tensor (float16 and float64 outputs are converted). */
export function floatValues(tensor: ort.Tensor): Float32Array {
  const data = tensor.data;
  if (tensor.type === 'float32') return data as Float32Array;
  if (tensor.type === 'float64') return Float32Array.from(data as Float64Array);
  if (tensor.type === 'float16') {
    const bits = data as Uint16Array;
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = float16ToNumber(bits[i]!);
    return out;
  }
  throw new TypeError(`${tensor.type} is not a floating-point type`);
}

/** IEEE 754 binary16 bits -> number (exact). */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Short and long probe texts, with different prompts, for the padding check. */
const PROBE: readonly ResponseInput[] = [
  { prompt: 'Hi', response: 'Hello.' },
  {
    prompt: 'Could you explain, in a few sentences, why the sky looks blue during the day?',
    response: 'Sunlight is scattered by the molecules of the air, and blue light is scattered much more than red light, so the sky looks blue.',
  },
];

export class OnnxResponseModel {
  readonly stats: ScorerStats = emptyStats();
  readonly config: Record<string, unknown>;
  /** The graph reads the prompt on its own (prompt_input_ids). */
  readonly promptInputs: boolean;
  /** The configured side, or the other one when only that one leaves the outputs alone (checkPadding). */
  paddingSide: Side;
  private readonly batchPolicy: BatchPolicy;
  private warnedDoubleBos = false;
  private readonly caches = new Map<string, ScoreCache>();
  /** sha256 of the tokenizer files, for the cache key (read once). */
  private tokenizerHash: string | undefined;
  /** Values per response of each output read so far: a change means the output has a sequence axis. */
  private readonly widths = new Map<string, { width: number; tokens: number }>();

  private constructor(
    readonly folder: ModelFolder,
    readonly text: TextSetup,
    readonly session: GraphSession,
    /** An ONNX Runtime device, or "remote" for a graph run by another engine. */
    readonly device: Device | 'remote',
    /** sha256 of the weight files. */
    readonly sha256: string,
    private readonly options: OnnxModelOptions,
  ) {
    const tokenizer = text.tokenizer;
    this.paddingSide = text.paddingSide.value;
    this.batchPolicy = options.batchPolicy ?? { kind: 'token_budget', tokenBudget: options.tokenBudget ?? DEFAULT_TOKEN_BUDGET };
    this.promptInputs = session.inputNames.includes('prompt_input_ids');
    this.config = {
      onnx_file: folder.onnxFile,
      dtype: folder.dtype,
      text_format: text.format.value,
      chat_template: text.format.value === 'chat_template' ? (folder.tokenizerConfig.chat_template ?? null) : null,
      add_special_tokens: text.addSpecialTokens.value,
      bos: { token: text.bos.token, template_emits: text.bos.templateEmits, tokenizer_adds: text.bos.tokenizerAdds, double_bos_avoided: text.bos.doubleBos },
      max_length: text.maxLength.value,
      truncation_side: text.truncationSide.value,
      prompt_truncation_side: this.promptInputs ? 'left' : null,
      padding_side: this.paddingSide,
      pad_token_id: tokenizer.padTokenId,
      pad_token_source: tokenizer.padTokenSource,
      inputs: [...session.inputNames],
      device: device,
      requested_device: options.device ?? 'cpu',
      threads: options.threads ?? null,
      batch_policy:
        this.batchPolicy.kind === 'token_budget'
          ? { kind: 'token_budget', token_budget: this.batchPolicy.tokenBudget, order: 'length_descending' }
          : { kind: 'fixed', size: this.batchPolicy.size, order: 'input' },
      cache: options.cacheDir ? 'on' : 'off',
    };
  }

  static async open(folder: ModelFolder, options: OnnxModelOptions = {}): Promise<OnnxResponseModel> {
    const text = await loadTextSetup(folder);
    const tokenizer = text.tokenizer;
    if (tokenizer.padTokenSource !== 'pad_token') {
      options.onWarning?.(`${folder.name}: tokenizer has no pad_token; padding with ${tokenizer.padTokenSource} (id ${tokenizer.padTokenId}); the attention mask hides it`);
    }
    const [{ session, device }, sha256]: [{ session: GraphSession; device: Device | 'remote' }, string] = options.graph
      ? await options.graph(folder).then((g) => [{ session: g.session, device: g.device as Device | 'remote' }, g.identity])
      : await Promise.all([
          openSession(folder.onnxPath, { device: options.device ?? 'cpu', threads: options.threads, onWarning: options.onWarning }),
          hashModelFiles(folder),
        ]);
    const problems = inputProblems(session.inputMetadata);
    if (problems.length) {
      await session.release();
      throw new UserError(`${folder.onnxPath}: model inputs are [${session.inputNames.join(', ')}]: ${problems.join('; ')}`);
    }
    return new OnnxResponseModel(folder, text, session, device, sha256, options);
  }

  /** A model from parts already loaded and checked (inspect loads them one by one to report on each). */
  static fromParts(folder: ModelFolder, text: TextSetup, opened: { session: ort.InferenceSession; device: Device }): OnnxResponseModel {
    // No options, so no cache: the weights' hash is not needed.
    return new OnnxResponseModel(folder, text, opened.session, opened.device, '', {});
  }

  /**
   * Opens the model for a scorer kind: the graph must have the `required` outputs; `optional` ones
   * are read when present. Padding must not change any of them (see checkPadding). Releases the
   * session on failure.
   */
  static async openFor(folder: ModelFolder, options: OnnxModelOptions, outputs: { required: readonly string[]; optional?: readonly string[]; hint?: string }): Promise<OnnxResponseModel> {
    const model = await OnnxResponseModel.open(folder, options);
    try {
      model.requireOutputs(outputs.required, outputs.hint);
      const read = [...outputs.required, ...(outputs.optional ?? []).filter((n) => model.hasOutput(n))];
      model.requirePerResponse(read);
      await model.checkPadding(read);
      return model;
    } catch (err) {
      await model.dispose();
      throw err;
    }
  }

  /** Checks that the graph has these outputs; names the ones it lacks. */
  requireOutputs(names: readonly string[], hint = 'set rmbench.output in config.json'): void {
    const missing = names.filter((n) => !this.session.outputNames.includes(n));
    if (missing.length) {
      throw new UserError(`${this.folder.onnxPath}: no output ${missing.map((n) => `"${n}"`).join(', ')} (outputs: ${this.session.outputNames.join(', ')}); ${hint}`);
    }
  }

  /** Refuses outputs declared with the sequence axis (the padding probe catches the others). */
  requirePerResponse(names: readonly string[]): void {
    const problem = sequenceAxisProblem(this.session, names);
    if (problem) throw new UserError(`${this.folder.onnxPath}: ${problem}`);
  }

  hasOutput(name: string): boolean {
    return this.session.outputNames.includes(name);
  }

  /** The text the model reads for a response. */
  format(input: ResponseInput): string {
    return this.text.text(input.prompt, input.response);
  }

  /** The prompt-only text (for graphs with prompt inputs). */
  formatPrompt(input: ResponseInput): string {
    return this.text.promptText(input.prompt);
  }

  /** Token ids of one response (and of its prompt alone, for graphs with prompt inputs). */
  private sequence(input: ResponseInput, text = this.format(input), promptText = this.promptInputs ? this.formatPrompt(input) : undefined): Sequence {
    const tokenizer = this.text.tokenizer;
    const ids = tokenizer.encode(text);
    // Nothing to read would give every such response the same score.
    if (!ids.length) throw new UserError(`${this.folder.path}: a ${this.text.format.value} text of ${text.length} characters tokenises to no tokens (${JSON.stringify(text.slice(0, 80))})`);
    return { ids, ...(promptText === undefined ? {} : { prompt: tokenizer.encode(promptText, 'left') }) };
  }

  /**
   * The cache for a set of outputs: keyed by the weights, the tokenizer files (with rmbench's
   * tokenisation version) and everything in the config that affects outputs (not threads, batching
   * or the cache switch: scores do not depend on them).
   */
  private cacheFor(outputs: readonly string[]): ScoreCache | undefined {
    if (!this.options.cacheDir) return undefined;
    const { threads: _t, requested_device: _r, batch_policy: _b, cache: _c, ...config } = this.config;
    this.tokenizerHash ??= hashTokenizerFiles(this.folder.path);
    const key = cacheKey({ sha256: this.sha256, tokenizer: this.tokenizerHash, config, outputs: [...outputs].sort() });
    let cache = this.caches.get(key);
    if (!cache) {
      const widths = Object.fromEntries(outputs.map((name) => [name, declaredWidth(this.session, name)]));
      cache = ScoreCache.open(this.options.cacheDir, key, { names: outputs, widths });
      if (cache.loaded.corrupt) {
        this.options.onWarning?.(`score cache ${cache.dir}: ${cache.loaded.corrupt} corrupt line(s) (checksum, values or width wrong) ignored; their texts are scored again`);
      }
      this.caches.set(key, cache);
    }
    return cache;
  }

  /**
   * Distinct texts are tokenised once and distinct token sequences run once, so identical inputs
   * get bit-identical outputs; texts already in the cache are neither tokenised nor run.
   */
  private encode(inputs: readonly ResponseInput[], cache: ScoreCache | undefined) {
    const textIndex = new Map<string, number>();
    /** Per distinct text: a cached row, or the index of the sequence to run. */
    const textSource: (CachedRow | number)[] = [];
    const sequenceIndex = new Map<string, number>();
    const sequences: Sequence[] = [];
    /** Per sequence: the hashes of the texts it stands for (to fill the cache). */
    const sequenceTexts: string[][] = [];
    const textOf = inputs.map((input) => {
      const text = this.format(input);
      const promptText = this.promptInputs ? this.formatPrompt(input) : undefined;
      const textKey = promptText === undefined ? text : `${text}\u0000${promptText}`;
      let t = textIndex.get(textKey);
      if (t !== undefined) return t;
      t = textIndex.size;
      textIndex.set(textKey, t);
      const hash = cache ? sha256Hex(textKey) : '';
      const cached = cache?.get(hash);
      if (cached) {
        textSource.push(cached);
        return t;
      }
      const sequence = this.sequence(input, text, promptText);
      const key = `${sequence.ids.join(',')}|${sequence.prompt?.join(',') ?? ''}`;
      let s = sequenceIndex.get(key);
      if (s === undefined) {
        s = sequences.length;
        sequenceIndex.set(key, s);
        sequences.push(sequence);
        sequenceTexts.push([]);
      }
      sequenceTexts[s]!.push(hash);
      textSource.push(s);
      return t;
    });
    if (this.text.tokenizer.doubleBosAvoided && !this.warnedDoubleBos) {
      this.warnedDoubleBos = true;
      this.options.onWarning?.(
        `${this.folder.name}: the chat template emits BOS (${this.text.bos.token}) and the tokenizer adds another (add_special_tokens); each text keeps one`,
      );
    }
    const cachedTexts = textSource.filter((x) => typeof x !== 'number').length;
    return { sequences, sequenceTexts, textOf, textSource, uniqueTexts: textIndex.size, cachedTexts };
  }

  /** Runs the graph for every response; returns the named outputs' rows, one per response. */
  async run(inputs: readonly ResponseInput[], outputs: readonly string[], onProgress?: (done: number, total: number) => void): Promise<OutputRow[]> {
    const t0 = performance.now();
    const cache = this.cacheFor(outputs);
    const { sequences, sequenceTexts, textOf, textSource, uniqueTexts, cachedTexts } = this.encode(inputs, cache);
    this.stats.tokenizeMs += performance.now() - t0;
    this.stats.responses += inputs.length;
    this.stats.uniqueTexts += uniqueTexts;
    this.stats.uniqueInputs += sequences.length;
    this.stats.cachedTexts += cachedTexts;

    const rows: OutputRow[] = new Array(sequences.length);
    const batches =
      this.batchPolicy.kind === 'fixed'
        ? planFixedBatches(sequences.length, this.batchPolicy.size)
        : planBatches(
            sequences.map((s) => s.ids.length),
            this.batchPolicy.tokenBudget,
            this.promptInputs ? sequences.map((s) => s.prompt!.length) : undefined,
          );
    let done = 0;
    // Up to `concurrency` batches in flight (remote graphs); one at a time on a local session.
    await runPool(batches.length, this.options.concurrency ?? 1, async (index) => {
      const batch = batches[index]!;
      const result = await this.runBatch(batch.indices.map((i) => sequences[i]!), outputs, this.paddingSide);
      batch.indices.forEach((seq, b) => (rows[seq] = result[b]!));
      // Written after every batch: a run killed now resumes from here.
      cache?.put(batch.indices.flatMap((seq) => sequenceTexts[seq]!.map((hash) => [hash, rows[seq]!] as const)));
      done += batch.indices.length;
      onProgress?.(done, sequences.length);
    });
    return textOf.map((t) => {
      const source = textSource[t]!;
      return typeof source === 'number' ? rows[source]! : source;
    });
  }

  /**
   * Does padding change the outputs? Runs a short probe text alone, then padded beside a longer one
   * on the given side; returns the largest relative difference over the outputs. A graph that pools
   * the last token by position, or by comparing ids with a pad id other than the one fed, fails it.
   * The two batches differ in length, so an output with a sequence axis (one value per token) is
   * refused here by the width check of runBatch, whatever its axis is named.
   */
  async paddingProbe(outputs: readonly string[], side: Side): Promise<number> {
    const [short, long] = PROBE.map((input) => this.sequence(input));
    if (short!.ids.length === long!.ids.length && short!.prompt?.length === long!.prompt?.length) {
      // max_length: nothing to pad. Still run two lengths, for the width check.
      await this.runBatch([short!], outputs, side, false);
      await this.runBatch([{ ...short!, ids: short!.ids.slice(0, -1) }], outputs, side, false);
      return 0;
    }
    const [alone] = await this.runBatch([short!], outputs, side, false);
    const [, padded] = await this.runBatch([long!, short!], outputs, side, false);
    let worst = 0;
    for (const name of outputs) {
      const a = alone![name]!;
      const b = padded![name]!;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(a[i]!)));
    }
    return worst;
  }

  /** Largest relative change padding may make (reduced-precision variants get more room). */
  get paddingTolerance(): number {
    return this.folder.dtype === 'fp32' ? 1e-3 : 1e-2;
  }

  /**
   * Padding must not change the outputs (see paddingProbe). When it does on the configured side but
   * not on the other, pads on the other (with a warning; the config records the side used); when it
   * does on both, no score can be trusted: refuses.
   */
  async checkPadding(outputs: readonly string[]): Promise<void> {
    const tolerance = this.paddingTolerance;
    const configured = this.paddingSide;
    const diff = await this.paddingProbe(outputs, configured);
    if (diff <= tolerance) return;
    const other: Side = configured === 'left' ? 'right' : 'left';
    const otherDiff = await this.paddingProbe(outputs, other);
    const changes = `${this.folder.name}: padding on the ${configured} changes the model's outputs (relative difference ${diff.toPrecision(3)})`;
    if (otherDiff > tolerance) {
      throw new UserError(
        `${changes}, and so does padding on the ${other} (${otherDiff.toPrecision(3)}): the graph's pooling does not follow attention_mask (check config.json pad_token_id against the pad id ${this.text.tokenizer.padTokenId}); run \`rmbench inspect\` for details`,
      );
    }
    this.paddingSide = other;
    this.config.padding_side = other;
    this.options.onWarning?.(`${changes}; padding on the ${other} does not, so rmbench pads on the ${other}: set rmbench.padding_side to "${other}" to say so`);
  }

  /**
   * Runs token sequences exactly as given (already formatted and tokenised, e.g. by a client of
   * `rmbench serve`) as one batch, padded on the configured side; one row per sequence.
   */
  runSequences(batch: readonly Sequence[], outputs: readonly string[]): Promise<OutputRow[]> {
    return this.runBatch(batch, outputs, this.paddingSide);
  }

  private async runBatch(batch: readonly Sequence[], outputs: readonly string[], side: Side, count = true): Promise<OutputRow[]> {
    const size = batch.length;
    const names = this.session.inputNames;
    const feeds: Record<string, ort.Tensor> = {};
    const text = this.pad(batch.map((s) => s.ids), side);
    for (const name of names) {
      const data = name === 'input_ids' ? text.ids : name === 'attention_mask' ? text.mask : name === 'position_ids' ? text.positions : undefined;
      if (data) feeds[name] = new ort.Tensor('int64', data, [size, text.length]);
    }
    if (names.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(size * text.length), [size, text.length]);
    let real = text.real;
    let padded = size * text.length;
    if (this.promptInputs) {
      const prompt = this.pad(batch.map((s) => s.prompt!), side);
      feeds.prompt_input_ids = new ort.Tensor('int64', prompt.ids, [size, prompt.length]);
      if (names.includes('prompt_attention_mask')) feeds.prompt_attention_mask = new ort.Tensor('int64', prompt.mask, [size, prompt.length]);
      real += prompt.real;
      padded += size * prompt.length;
    }
    const t0 = performance.now();
    const result = await this.session.run(feeds, outputs as string[]);
    if (count) {
      this.stats.inferenceMs += performance.now() - t0;
      this.stats.realTokens += real;
      this.stats.paddedTokens += padded;
      this.stats.batches += 1;
    }
    const values = outputs.map((name) => {
      const tensor = result[name]!;
      if (tensor.dims[0] !== size || !['float32', 'float16', 'float64'].includes(tensor.type)) {
        throw new UserError(`${this.folder.onnxPath}: output "${name}" is ${tensor.type} ${JSON.stringify(tensor.dims)}, expected float [batch, ...]`);
      }
      this.checkWidth(name, tensor.size / size, text.length);
      return floatValues(tensor);
    });
    return Array.from({ length: size }, (_, b) => {
      const row: OutputRow = {};
      outputs.forEach((name, o) => {
        const data = values[o]!;
        const width = data.length / size;
        row[name] = data.slice(b * width, (b + 1) * width);
      });
      return row;
    });
  }

  /** An output's values per response must not change with the batch's sequence length. */
  private checkWidth(name: string, width: number, tokens: number): void {
    const seen = this.widths.get(name);
    if (!seen) this.widths.set(name, { width, tokens });
    else if (seen.width !== width) {
      throw new UserError(
        `${this.folder.onnxPath}: output "${name}" has ${seen.width} values per response in a batch of ${seen.tokens} tokens and ${width} in one of ${tokens}: ${PER_TOKEN_HINT}`,
      );
    }
  }

  /** Pads sequences to their longest on one side; mask from the lengths, positions from the mask. */
  private pad(seqs: readonly number[][], side: Side) {
    const length = Math.max(1, ...seqs.map((s) => s.length));
    const size = seqs.length;
    const ids = new BigInt64Array(size * length).fill(BigInt(this.text.tokenizer.padTokenId));
    const mask = new BigInt64Array(size * length);
    const positions = new BigInt64Array(size * length);
    let real = 0;
    seqs.forEach((seq, b) => {
      const start = side === 'left' ? length - seq.length : 0;
      for (let t = 0; t < seq.length; t++) {
        ids[b * length + start + t] = BigInt(seq[t]!);
        mask[b * length + start + t] = 1n;
      }
      // position = cumsum(mask) - 1, clipped at 0.
      let seen = 0;
      for (let t = 0; t < length; t++) {
        seen += Number(mask[b * length + t]);
        positions[b * length + t] = BigInt(Math.max(0, seen - 1));
      }
      real += seq.length;
    });
    return { ids, mask, positions, length, real };
  }

  async dispose(): Promise<void> {
    for (const cache of this.caches.values()) cache.close();
    await this.session.release();
  }
}

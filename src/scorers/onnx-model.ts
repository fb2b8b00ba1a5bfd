/**
 * @file Runs a model folder's ONNX graph over responses: format -> tokenise once per distinct text ->
 * run once per distinct token sequence, in token-budget batches -> one output row per response.
 * Scorer kinds (Bradley-Terry, and those that read several outputs) are thin views over it.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors.js';
import { conversation, formatPlain, type TextFormat } from './format.js';
import { planBatches } from './batching.js';
import type { ModelFolder } from './model-folder.js';
import { openSession, type Device } from './onnx-session.js';
import { ModelTokenizer, type Side } from './tokenize.js';
import { emptyStats, type ResponseInput, type ScorerStats } from './types.js';

export const DEFAULT_TOKEN_BUDGET = 4096;
const MAX_SANE_LENGTH = 1_000_000; // HF writes 1e30 for "no limit" in model_max_length.
const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);

export interface OnnxModelOptions {
  device?: Device;
  threads?: number;
  /** Padded tokens per batch (default 4096). */
  tokenBudget?: number;
  onWarning?: (message: string) => void;
}

/** Output rows for one response: output name -> that response's values. */
export type OutputRow = Record<string, Float32Array>;

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value < MAX_SANE_LENGTH ? value : undefined;
}

export class OnnxResponseModel {
  readonly stats: ScorerStats = emptyStats();
  readonly config: Record<string, unknown>;
  private readonly textFormat: TextFormat;
  private readonly paddingSide: Side;
  private readonly tokenBudget: number;

  private constructor(
    readonly folder: ModelFolder,
    private readonly tokenizer: ModelTokenizer,
    private readonly session: ort.InferenceSession,
    readonly device: Device,
    requested: OnnxModelOptions,
  ) {
    const block = folder.rmbench;
    this.textFormat = block.text_format ?? (tokenizer.hasChatTemplate ? 'chat_template' : 'plain');
    this.paddingSide = block.padding_side ?? (folder.tokenizerConfig.padding_side === 'left' ? 'left' : 'right');
    this.tokenBudget = requested.tokenBudget ?? DEFAULT_TOKEN_BUDGET;
    this.config = {
      onnx_file: block.onnx_file,
      text_format: this.textFormat,
      chat_template: this.textFormat === 'chat_template' ? (folder.tokenizerConfig.chat_template ?? null) : null,
      add_special_tokens: tokenizer.settings.addSpecialTokens,
      max_length: tokenizer.settings.maxLength,
      truncation_side: tokenizer.settings.truncationSide,
      padding_side: this.paddingSide,
      pad_token_id: tokenizer.padTokenId,
      pad_token_source: tokenizer.padTokenSource,
      inputs: [...session.inputNames],
      device: device,
      requested_device: requested.device ?? 'cpu',
      threads: requested.threads ?? null,
      batch_policy: { kind: 'token_budget', token_budget: this.tokenBudget, order: 'length_descending' },
    };
  }

  static async open(folder: ModelFolder, options: OnnxModelOptions = {}): Promise<OnnxResponseModel> {
    const block = folder.rmbench;
    const cfg = folder.tokenizerConfig;
    const maxLength =
      block.max_length ?? positiveNumber(cfg.model_max_length) ?? positiveNumber(folder.config.max_position_embeddings) ?? null;
    const truncationSide: Side = block.truncation_side ?? (cfg.truncation_side === 'right' ? 'right' : 'left');
    // Peek at the template first: a chat template emits its own special tokens.
    const probe = await ModelTokenizer.load(folder, { maxLength, truncationSide, addSpecialTokens: true });
    const format = block.text_format ?? (probe.hasChatTemplate ? 'chat_template' : 'plain');
    if (format === 'chat_template' && !probe.hasChatTemplate) {
      throw new UserError(`${folder.path}: rmbench.text_format is "chat_template" but tokenizer_config.json has no chat_template`);
    }
    const tokenizer =
      format === 'chat_template' ? await ModelTokenizer.load(folder, { maxLength, truncationSide, addSpecialTokens: false }) : probe;
    if (tokenizer.padTokenSource !== 'pad_token') {
      options.onWarning?.(`${folder.name}: tokenizer has no pad_token; padding with ${tokenizer.padTokenSource} (id ${tokenizer.padTokenId}); the attention mask hides it`);
    }
    const { session, device } = await openSession(folder.onnxPath, { device: options.device ?? 'cpu', threads: options.threads, onWarning: options.onWarning });
    const unknown = session.inputNames.filter((n) => !KNOWN_INPUTS.has(n));
    if (unknown.length || !session.inputNames.includes('input_ids')) {
      await session.release();
      throw new UserError(
        `${folder.onnxPath}: model inputs are [${session.inputNames.join(', ')}]; rmbench feeds input_ids and, when present, attention_mask, token_type_ids, position_ids`,
      );
    }
    return new OnnxResponseModel(folder, tokenizer, session, device, options);
  }

  /** Checks that the graph has these outputs; names the ones it lacks. */
  requireOutputs(names: readonly string[]): void {
    const missing = names.filter((n) => !this.session.outputNames.includes(n));
    if (missing.length) {
      throw new UserError(
        `${this.folder.onnxPath}: no output ${missing.map((n) => `"${n}"`).join(', ')} (outputs: ${this.session.outputNames.join(', ')}); set rmbench.output in config.json`,
      );
    }
  }

  format(input: ResponseInput): string {
    return this.textFormat === 'chat_template'
      ? this.tokenizer.applyChatTemplate(conversation(input.prompt, input.response))
      : formatPlain(input.prompt, input.response);
  }

  /** Runs the graph for every response; returns the named outputs' rows, one per response. */
  async run(inputs: readonly ResponseInput[], outputs: readonly string[], onProgress?: (done: number, total: number) => void): Promise<OutputRow[]> {
    const t0 = performance.now();
    // Distinct formatted texts are tokenised once; distinct token sequences are run once, so
    // identical inputs get bit-identical outputs.
    const textIndex = new Map<string, number>();
    const inputOf: number[] = new Array(inputs.length);
    const sequenceIndex = new Map<string, number>();
    const sequences: number[][] = [];
    const textToSequence: number[] = [];
    inputs.forEach((input, i) => {
      const text = this.format(input);
      let t = textIndex.get(text);
      if (t === undefined) {
        t = textIndex.size;
        textIndex.set(text, t);
        const ids = this.tokenizer.encode(text);
        const key = ids.join(',');
        let s = sequenceIndex.get(key);
        if (s === undefined) {
          s = sequences.length;
          sequenceIndex.set(key, s);
          sequences.push(ids);
        }
        textToSequence.push(s);
      }
      inputOf[i] = textToSequence[t]!;
    });
    const t1 = performance.now();
    this.stats.tokenizeMs += t1 - t0;
    this.stats.responses += inputs.length;
    this.stats.uniqueTexts += textIndex.size;
    this.stats.uniqueInputs += sequences.length;

    const rows: OutputRow[] = new Array(sequences.length);
    const batches = planBatches(sequences.map((s) => s.length), this.tokenBudget);
    let done = 0;
    for (const batch of batches) {
      const result = await this.runBatch(batch.indices.map((i) => sequences[i]!), batch.length, outputs);
      batch.indices.forEach((seq, b) => (rows[seq] = result[b]!));
      done += batch.indices.length;
      onProgress?.(done, sequences.length);
    }
    return inputOf.map((s) => rows[s]!);
  }

  private async runBatch(batch: readonly number[][], length: number, outputs: readonly string[]): Promise<OutputRow[]> {
    const size = batch.length;
    const ids = new BigInt64Array(size * length).fill(BigInt(this.tokenizer.padTokenId));
    const mask = new BigInt64Array(size * length);
    const positions = new BigInt64Array(size * length);
    batch.forEach((seq, b) => {
      const offset = b * length + (this.paddingSide === 'left' ? length - seq.length : 0);
      for (let t = 0; t < seq.length; t++) {
        ids[offset + t] = BigInt(seq[t]!);
        mask[offset + t] = 1n;
        positions[offset + t] = BigInt(t);
      }
      this.stats.realTokens += seq.length;
    });
    this.stats.paddedTokens += size * length;
    this.stats.batches += 1;
    const dims = [size, length];
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const data = name === 'input_ids' ? ids : name === 'attention_mask' ? mask : name === 'position_ids' ? positions : new BigInt64Array(size * length);
      feeds[name] = new ort.Tensor('int64', data, dims);
    }
    const t0 = performance.now();
    const result = await this.session.run(feeds, outputs as string[]);
    this.stats.inferenceMs += performance.now() - t0;
    return Array.from({ length: size }, (_, b) => {
      const row: OutputRow = {};
      for (const name of outputs) {
        const tensor = result[name]!;
        const data = tensor.data as Float32Array;
        if (!(data instanceof Float32Array) || tensor.dims[0] !== size) {
          throw new UserError(`${this.folder.onnxPath}: output "${name}" is ${tensor.type} ${JSON.stringify(tensor.dims)}, expected float32 [batch, ...]`);
        }
        const width = data.length / size;
        row[name] = data.slice(b * width, (b + 1) * width);
      }
      return row;
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

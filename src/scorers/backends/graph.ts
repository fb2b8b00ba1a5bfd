/**
 * @file What the two graph backends share (local ONNX Runtime, onnx.ts; KServe, kserve.ts): rmbench
 * formats each input (a response, or a pair for pair graphs: graph-text.ts) and tokenises it with
 * the folder's text setup, batches token sequences by token budget (longest first), pads them, runs
 * the graph and reads one row of each output per input. Before scoring, prepare() checks the outputs and that padding leaves them alone.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../../errors.js';
import { planBatches, planFixedBatches, type BatchPolicy } from '../batching.js';
import { cacheKey } from '../cache.js';
import { hashTokenizerFiles, type ModelFolder } from '../model-folder.js';
import type { TextSetup } from '../text-setup.js';
import type { Side } from '../tokenize.js';
import type { Backend, BatchResult, OutputRequest, OutputRow, ScoreInput } from '../types.js';
import { graphText, type GraphText } from './graph-text.js';
import { declaredWidth, floatValues, inputProblems, padSequences, PER_TOKEN_HINT, sequenceAxisProblem, type GraphSession, type Sequence } from './graph-tensors.js';

export const DEFAULT_TOKEN_BUDGET = 4096;

/** The results' batch_policy entry for a policy. */
export function batchPolicyConfig(policy: BatchPolicy): Record<string, unknown> {
  return policy.kind === 'token_budget' ? { kind: 'token_budget', token_budget: policy.tokenBudget, order: 'length_descending' } : { kind: 'fixed', size: policy.size, order: 'input' };
}

export interface GraphBackendSettings {
  engine: 'onnx' | 'kserve';
  /** Batching (default: token budget 4096, longest first). */
  batchPolicy: BatchPolicy;
  concurrency: number;
  /** Stands for the weights in the cache key: their sha256, or the served model's identity. */
  identity: string;
  /** An ONNX Runtime device, or "remote" (in the cache key: outputs may differ by device). */
  device: string;
  /** The results' config around the text settings: engine entries before, run entries after. */
  configBefore: Record<string, unknown>;
  configAfter: Record<string, unknown>;
  info: { model: string; path: string; sha256?: string };
  onWarning?: (message: string) => void;
}

export class GraphBackend implements Backend<Sequence> {
  readonly engine: 'onnx' | 'kserve';
  readonly info: Backend['info'];
  readonly where: string;
  readonly concurrency: number;
  /** The graph reads the prompt on its own (prompt_input_ids). */
  readonly promptInputs: boolean;
  /** The configured side, or the other one when only that one leaves the outputs alone (checkPadding). */
  paddingSide: Side;
  /** How an input becomes the text the graph reads. */
  private readonly texts: GraphText;
  private warnedDoubleBos = false;
  private tokenizerHash: string | undefined;
  /** Values per response of each output read so far: a change means the output has a sequence axis. */
  private readonly widths = new Map<string, { width: number; tokens: number }>();

  constructor(
    readonly folder: ModelFolder,
    readonly text: TextSetup,
    readonly session: GraphSession,
    private readonly settings: GraphBackendSettings,
  ) {
    const problems = inputProblems(session.inputMetadata);
    if (problems.length) throw new UserError(`${folder.onnxPath}: model inputs are [${session.inputNames.join(', ')}]: ${problems.join('; ')}`);
    this.engine = settings.engine;
    this.where = folder.onnxPath;
    this.concurrency = settings.concurrency;
    this.paddingSide = text.paddingSide.value;
    this.promptInputs = session.inputNames.includes('prompt_input_ids');
    this.texts = graphText(folder, text, this.promptInputs);
    this.info = { ...settings.info, config: { ...settings.configBefore, ...this.textConfig(), ...settings.configAfter } };
  }

  /** The text and tensor settings that decide the model's inputs (in the results and the cache key). */
  private textConfig(): Record<string, unknown> {
    const { folder, text } = this;
    const tokenizer = text.tokenizer;
    return {
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
      inputs: [...this.session.inputNames],
      ...this.texts.config,
    };
  }

  outputName(configured: string): string {
    return configured;
  }

  hasOutput(name: string): boolean {
    return this.session.outputNames.includes(name);
  }

  /** The graph must have the required outputs, one row per response, and padding must not change them. */
  async prepare(outputs: OutputRequest): Promise<string[]> {
    this.requireOutputs(outputs.required, outputs.hint);
    const read = [...outputs.required, ...(outputs.optional ?? []).filter((n) => this.hasOutput(n))];
    this.requirePerResponse(read);
    await this.checkPadding(read);
    return read;
  }

  /** Checks that the graph has these outputs; names the ones it lacks. */
  requireOutputs(names: readonly string[], hint = 'set rmbench.output in config.json'): void {
    const missing = names.filter((n) => !this.hasOutput(n));
    if (missing.length) {
      throw new UserError(`${this.folder.onnxPath}: no output ${missing.map((n) => `"${n}"`).join(', ')} (outputs: ${this.session.outputNames.join(', ')}); ${hint}`);
    }
  }

  /** Refuses outputs declared with the sequence axis (the padding probe catches the others). */
  requirePerResponse(names: readonly string[]): void {
    const problem = sequenceAxisProblem(this.session, names);
    if (problem) throw new UserError(`${this.folder.onnxPath}: ${problem}`);
  }

  /** The text the model reads (graph-text.ts), with the prompt-only text for graphs with prompt inputs. */
  textKey(input: ScoreInput): string {
    return this.texts.key(input);
  }

  /** Token ids of one input's text (and of its prompt alone, for graphs with prompt inputs). */
  encode(input: ScoreInput, textKey = this.textKey(input)): Sequence {
    const tokenizer = this.text.tokenizer;
    const cut = this.promptInputs ? textKey.indexOf('\u0000') : -1;
    const text = cut < 0 ? textKey : textKey.slice(0, cut);
    const ids = tokenizer.encode(text);
    // Nothing to read would give every such response the same score.
    if (!ids.length) throw new UserError(`${this.folder.path}: a ${this.text.format.value} text of ${text.length} characters tokenises to no tokens (${JSON.stringify(text.slice(0, 80))})`);
    if (tokenizer.doubleBosAvoided && !this.warnedDoubleBos) {
      this.warnedDoubleBos = true;
      this.settings.onWarning?.(`${this.folder.name}: the chat template emits BOS (${this.text.bos.token}) and the tokenizer adds another (add_special_tokens); each text keeps one`);
    }
    return { ids, ...(cut < 0 ? {} : { prompt: tokenizer.encode(textKey.slice(cut + 1), 'left') }) };
  }

  unitKey(sequence: Sequence): string {
    return `${sequence.ids.join(',')}|${sequence.prompt?.join(',') ?? ''}`;
  }

  plan(sequences: readonly Sequence[]): number[][] {
    const policy = this.settings.batchPolicy;
    const batches =
      policy.kind === 'fixed'
        ? planFixedBatches(sequences.length, policy.size)
        : planBatches(
            sequences.map((s) => s.ids.length),
            policy.tokenBudget,
            this.promptInputs ? sequences.map((s) => s.prompt!.length) : undefined,
          );
    return batches.map((b) => b.indices);
  }

  /**
   * Keyed by the weights, the tokenizer files (with rmbench's tokenisation version) and everything
   * in the config that affects outputs (not threads, batching or the cache switch: scores do not depend on them).
   */
  cacheKey(outputs: readonly string[]) {
    const config = { onnx_file: this.folder.onnxFile, dtype: this.folder.dtype, ...this.textConfig(), device: this.settings.device };
    this.tokenizerHash ??= hashTokenizerFiles(this.folder.path);
    return {
      key: cacheKey({ sha256: this.settings.identity, tokenizer: this.tokenizerHash, config, outputs: [...outputs].sort() }),
      widths: Object.fromEntries(outputs.map((name) => [name, declaredWidth(this.session, name)])),
    };
  }

  runBatch(units: readonly Sequence[], outputs: readonly string[]): Promise<BatchResult> {
    return this.runPadded(units, outputs, this.paddingSide);
  }

  /**
   * Does padding change the outputs? Runs a short probe text alone, then padded beside a longer one
   * on the given side; returns the largest relative difference over the outputs. A graph that pools
   * the last token by position, or by comparing ids with a pad id other than the one fed, fails it.
   * The two batches differ in length, so an output with a sequence axis (one value per token) is
   * refused here by the width check, whatever its axis is named.
   */
  async paddingProbe(outputs: readonly string[], side: Side): Promise<number> {
    const [short, long] = this.texts.probes.map((input) => this.encode(input));
    const run = async (batch: Sequence[]) => (await this.runPadded(batch, outputs, side)).rows;
    if (short!.ids.length === long!.ids.length && short!.prompt?.length === long!.prompt?.length) {
      // max_length: nothing to pad. Still run two lengths, for the width check.
      await run([short!]);
      await run([{ ...short!, ids: short!.ids.slice(0, -1) }]);
      return 0;
    }
    const [alone] = await run([short!]);
    const [, padded] = await run([long!, short!]);
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
    this.info.config.padding_side = other;
    this.settings.onWarning?.(`${changes}; padding on the ${other} does not, so rmbench pads on the ${other}: set rmbench.padding_side to "${other}" to say so`);
  }

  /** Pads a batch on one side, runs it and returns one row per sequence. */
  private async runPadded(batch: readonly Sequence[], outputs: readonly string[], side: Side): Promise<BatchResult> {
    const size = batch.length;
    const names = this.session.inputNames;
    const pad = this.text.tokenizer.padTokenId;
    const feeds: Record<string, ort.Tensor> = {};
    const text = padSequences(batch.map((s) => s.ids), side, pad);
    for (const name of names) {
      const data = name === 'input_ids' ? text.ids : name === 'attention_mask' ? text.mask : name === 'position_ids' ? text.positions : undefined;
      if (data) feeds[name] = new ort.Tensor('int64', data, [size, text.length]);
    }
    if (names.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(size * text.length), [size, text.length]);
    let realTokens = text.real;
    let paddedTokens = size * text.length;
    if (this.promptInputs) {
      const prompt = padSequences(batch.map((s) => s.prompt!), side, pad);
      feeds.prompt_input_ids = new ort.Tensor('int64', prompt.ids, [size, prompt.length]);
      if (names.includes('prompt_attention_mask')) feeds.prompt_attention_mask = new ort.Tensor('int64', prompt.mask, [size, prompt.length]);
      realTokens += prompt.real;
      paddedTokens += size * prompt.length;
    }
    const t0 = performance.now();
    const result = await this.session.run(feeds, outputs as string[]);
    const inferenceMs = performance.now() - t0;
    const values = outputs.map((name) => {
      const tensor = result[name] as ort.Tensor;
      if (tensor.dims[0] !== size || !['float32', 'float16', 'float64'].includes(tensor.type)) {
        throw new UserError(`${this.folder.onnxPath}: output "${name}" is ${tensor.type} ${JSON.stringify(tensor.dims)}, expected float [batch, ...]`);
      }
      this.checkWidth(name, tensor.size / size, text.length);
      return floatValues(tensor);
    });
    const rows = Array.from({ length: size }, (_, b) => {
      const row: OutputRow = {};
      outputs.forEach((name, o) => {
        const data = values[o]!;
        const width = data.length / size;
        row[name] = data.slice(b * width, (b + 1) * width);
      });
      return row;
    });
    return { rows, realTokens, paddedTokens, inferenceMs };
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

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * @file The model behind `rmbench serve`: a local model folder opened through the same ONNX
 * Runtime path as `rmbench run` (the local graph backend), with what the three protocols need: the raw
 * graph for KServe tensors, and text -> tokens -> scores for the vLLM- and TEI-style routes.
 */
import type * as ort from 'onnxruntime-node';
import { DEFAULT_TOKEN_BUDGET, type GraphBackend } from '../scorers/backends/graph.js';
import { openOnnxBackend } from '../scorers/backends/onnx.js';
import { planBatches } from '../scorers/batching.js';
import { KINDS } from '../scorers/kinds/registry.js';
import { outputNames, readModelFolder, type ModelFolder } from '../scorers/model-folder.js';
import type { Device } from '../scorers/devices.js';
import type { ModelTokenizer, TokenizerSettings } from '../scorers/tokenize.js';

export interface ServedModelOptions {
  /** The name clients use (default: the folder's name). */
  name?: string;
  device?: Device;
  threads?: number;
  /** Padded tokens per ONNX Runtime batch for text routes (default 4096). */
  tokenBudget?: number;
  onWarning?: (message: string) => void;
}

export class ServedModel {
  private readonly tokenizers = new Map<string, ModelTokenizer>();
  private vocabulary: number | undefined;

  private constructor(
    readonly name: string,
    readonly folder: ModelFolder,
    readonly model: GraphBackend,
    /** The output the text routes return (Bradley-Terry models only; null otherwise). */
    readonly textOutput: string | null,
    /** One label per column of the text output (config.json id2label, else LABEL_i). */
    readonly labels: readonly string[],
    readonly tokenBudget: number,
  ) {}

  static async open(dir: string, options: ServedModelOptions = {}): Promise<ServedModel> {
    const folder = readModelFolder(dir);
    const model = await openOnnxBackend(folder, { device: options.device, threads: options.threads }, { onWarning: options.onWarning });
    const textOutput = KINDS[folder.rmbench.scorer].oneVectorPerText && !model.promptInputs ? outputNames(folder.rmbench).score! : null;
    if (textOutput !== null) {
      // The text routes return the output as it is: it must hold one value vector per text.
      try {
        model.requireOutputs([textOutput]);
        model.requirePerResponse([textOutput]);
        await model.checkPadding([textOutput]);
      } catch (err) {
        await model.dispose();
        throw err;
      }
    }
    // Labels: config.json id2label, else num_labels, else the output's declared width.
    const id2label = (folder.config.id2label ?? {}) as Record<string, unknown>;
    let width = 1;
    if (textOutput !== null) {
      const meta = (model.session as ort.InferenceSession).outputMetadata.find((m) => m.name === textOutput);
      const shape = meta?.isTensor ? meta.shape : [];
      if (Object.keys(id2label).length) width = Object.keys(id2label).length;
      else if (typeof folder.config.num_labels === 'number') width = folder.config.num_labels;
      else if (shape.length === 2 && typeof shape[1] === 'number') width = shape[1];
    }
    const labels = Array.from({ length: width }, (_, i) => (typeof id2label[String(i)] === 'string' ? (id2label[String(i)] as string) : `LABEL_${i}`));
    return new ServedModel(options.name ?? folder.name, folder, model, textOutput, labels, options.tokenBudget ?? DEFAULT_TOKEN_BUDGET);
  }

  /** The ONNX Runtime session (serve always runs locally). */
  get session(): ort.InferenceSession {
    return this.model.session as ort.InferenceSession;
  }

  get maxLength(): number | null {
    return this.model.text.maxLength.value;
  }

  /** The folder's own tokenisation settings (what `rmbench run` applies locally). */
  get defaults(): TokenizerSettings {
    return this.model.text.tokenizer.settings;
  }

  /** Token ids of a text with the given settings (special tokens kept when truncating, as locally). */
  private encode(text: string, settings: TokenizerSettings): number[] {
    const key = `${settings.maxLength}|${settings.truncationSide}|${settings.addSpecialTokens}`;
    let tokenizer = this.tokenizers.get(key);
    if (!tokenizer) {
      tokenizer = this.model.text.tokenizer.withSettings(settings);
      this.tokenizers.set(key, tokenizer);
    }
    return tokenizer.encode(text);
  }

  /**
   * Token ids of texts, one at a time with a turn of the event loop between them, so that health
   * checks are answered while a request is tokenised. Untruncated texts (maxLength null) of a model
   * with a maximum length are tokenised only as far as one token past it: `complete` false says
   * the text has more tokens than the model reads, without tokenising all of it.
   */
  async encodeTexts(texts: readonly string[], settings: TokenizerSettings): Promise<{ ids: number[]; complete: boolean }[]> {
    const limit = this.maxLength;
    const capped = settings.maxLength === null && limit !== null;
    const applied = capped ? { ...settings, maxLength: limit + 1 } : settings;
    const encoded: { ids: number[]; complete: boolean }[] = [];
    for (const text of texts) {
      await new Promise((resolve) => setImmediate(resolve));
      const ids = this.encode(text, applied);
      encoded.push({ ids, complete: !capped || ids.length <= limit });
    }
    return encoded;
  }

  /** One more than the largest token id the tokenizer produces; ids sent by clients must be below it. */
  get vocabularySize(): number {
    return (this.vocabulary ??= this.model.text.tokenizer.vocabularySize);
  }

  /** The text output for token sequences, in token-budget batches; one row per sequence. */
  async scoreTokens(sequences: readonly number[][]): Promise<Float32Array[]> {
    const output = this.textOutput!;
    const rows: Float32Array[] = new Array(sequences.length);
    for (const batch of planBatches(sequences.map((s) => s.length), this.tokenBudget)) {
      const result = await this.model.runBatch(batch.indices.map((i) => ({ ids: sequences[i]! })), [output]);
      batch.indices.forEach((i, b) => (rows[i] = result.rows[b]![output]!));
    }
    return rows;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

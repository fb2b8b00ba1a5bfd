/**
 * @file The local causal-LM backend (DPO, issue 13): a policy folder and, unless reference-free, a
 * reference folder with the same tokenizer, each run by ONNX Runtime with rmbench's log-prob head
 * (src/onnx/logprob-graph.ts). Per response it computes, over the pinned tokens of
 * src/dpo/tokens.ts, the outputs
 *   policy_logprob     log π(y|x), a float64 carried in float32 as [hi, lo] (float64Pair)
 *   policy_tokens      the response's token count
 *   reference_logprob  log π_ref(y|x), as policy_logprob (with a reference only)
 *   truncation         [prompt start dropped, response end dropped] as 0/1
 * through the runner, so texts are deduplicated, cached (keyed by both models' weights, the
 * tokenizer and the DPO text settings) and batched by the logits memory budget.
 *
 * Settings: the CLI's --reference DIR / --reference-free sum|avg / --beta X, else config.json's
 * rmbench block (reference relative to the folder, reference_free, beta); the block handed to the
 * kind carries the settings in use.
 */
import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { float64Pair } from '../../dpo/float64-pair.js';
import { batchLogprobs, DEFAULT_LOGITS_BUDGET_BYTES, logitsTokenBudget, type ResponseLogprob } from '../../dpo/logprobs.js';
import { assertSameTokenizer, DpoTokenizer, type DpoSequence } from '../../dpo/tokens.js';
import { openLogprobSession, type LogprobSession } from '../../onnx/logprob-graph.js';
import { planBatches } from '../batching.js';
import { cacheKey } from '../cache.js';
import { hashModelFiles, hashTokenizerFiles, KIND_OUTPUTS, readModelFolder, type ModelFolder, type RmbenchBlock } from '../model-folder.js';
import type { ScorerOptions } from '../options.js';
import { loadTextSetup } from '../text-setup.js';
import type { Backend, BackendContext, BatchResult, OutputRow } from '../types.js';
import { DEFAULT_BETA, DpoInputs } from './dpo-inputs.js';

/** Version of the pinned DPO token definition (src/dpo/tokens.ts), in the cache key: bump when it changes. */
const DPO_TOKENS_VERSION = 1;
const OUT = KIND_OUTPUTS.dpo;

/** The DPO settings in use: a reference folder (absolute) with beta, or a reference-free reward. */
export type DpoSettings = { reference: string; beta: number; referenceFree?: undefined } | { reference?: undefined; beta?: undefined; referenceFree: 'sum' | 'avg' };

/** The settings from the flags, else from the folder's rmbench block; contradictions are one-line errors. */
export function dpoSettings(folder: ModelFolder, options: ScorerOptions): DpoSettings {
  const block = folder.rmbench;
  if (options.reference !== undefined && options.referenceFree !== undefined) throw new UserError('--reference and --reference-free: give one (a reference model, or a reference-free reward)');
  const fromFlags = options.reference !== undefined || options.referenceFree !== undefined;
  if (!fromFlags && block.reference !== undefined && block.reference_free !== undefined) {
    throw new UserError(`${folder.path}/config.json: rmbench.reference and rmbench.reference_free: give one (a reference model, or a reference-free reward)`);
  }
  const referenceFree = fromFlags ? options.referenceFree : block.reference_free;
  if (referenceFree !== undefined) {
    if (options.beta !== undefined) throw new UserError(`--beta: applies with a reference model only (this run is reference-free, "${referenceFree}")`);
    return { referenceFree };
  }
  const reference = options.reference !== undefined ? resolve(options.reference) : block.reference !== undefined ? resolve(folder.path, block.reference) : undefined;
  if (reference === undefined) {
    throw new UserError(`${folder.path}: a DPO policy needs --reference DIR or --reference-free sum|avg (or rmbench.reference / rmbench.reference_free in config.json)`);
  }
  return { reference, beta: options.beta ?? block.beta ?? DEFAULT_BETA };
}

interface CausalLm {
  folder: ModelFolder;
  logprobs: LogprobSession;
  sha256: string;
}

/** Opens the policy (and reference) of a causal-LM folder; the block it returns sets up the dpo kind. */
export async function openCausalLmBackend(folder: ModelFolder, options: ScorerOptions, context: BackendContext): Promise<{ backend: CausalLmBackend; block: RmbenchBlock }> {
  const settings = dpoSettings(folder, options);
  const referenceFolder = settings.reference === undefined ? undefined : readModelFolder(settings.reference, { dtype: options.dtype });
  const text = await loadTextSetup(folder);
  const tokens = new DpoTokenizer(text, folder.path);
  if (referenceFolder) assertSameTokenizer(tokens, folder.path, new DpoTokenizer(await loadTextSetup(referenceFolder), referenceFolder.path), referenceFolder.path);
  const models: CausalLm[] = [];
  // Each model's hash runs while its session loads; on any failure every opened session is released.
  const open = async (f: ModelFolder) => {
    const hashing = hashModelFiles(f);
    hashing.catch(() => {});
    const model: CausalLm = { folder: f, logprobs: await openLogprobSession(f.onnxPath, { device: options.device, threads: options.threads, onWarning: context.onWarning }), sha256: '' };
    models.push(model);
    model.sha256 = await hashing;
  };
  try {
    await open(folder);
    if (referenceFolder) await open(referenceFolder);
    const backend = new CausalLmBackend(tokens, models, options, context);
    const block: RmbenchBlock = { ...folder.rmbench, scorer: 'dpo', reference: settings.reference, beta: settings.beta, reference_free: settings.referenceFree };
    return { backend, block };
  } catch (err) {
    await Promise.all(models.map((m) => m.logprobs.session.release()));
    throw err;
  }
}

export class CausalLmBackend extends DpoInputs implements Backend<DpoSequence> {
  readonly engine = 'onnx';
  readonly info: Backend['info'];
  readonly where: string;
  readonly concurrency = 1;
  protected readonly outputs: string[];
  /** Padded tokens per batch that keep every model's logits within the budget. */
  private readonly tokenBudget: number;
  private tokenizerHash: string | undefined;

  constructor(
    tokens: DpoTokenizer,
    /** The policy, then the reference when there is one. */
    private readonly models: readonly CausalLm[],
    options: ScorerOptions,
    context: BackendContext,
  ) {
    super(tokens);
    const [policy, reference] = models as [CausalLm, CausalLm | undefined];
    this.where = policy.folder.onnxPath;
    const tokenizerVocab = tokens.setup.tokenizer.vocabularySize;
    for (const { folder, logprobs } of models) {
      const declared = logprobs.info.vocabSize;
      if (declared !== null && declared < tokenizerVocab) {
        throw new UserError(`${folder.onnxPath}: logits have ${declared} values per token but the tokenizer has ids up to ${tokenizerVocab - 1}; the graph and tokenizer.json do not belong together`);
      }
    }
    this.tokenBudget = Math.min(...models.map(({ logprobs }) => logitsTokenBudget(logprobs.info, logprobs.info.vocabSize ?? tokenizerVocab)));
    this.outputs = [OUT.policy_logprob, OUT.policy_tokens, OUT.truncation, ...(reference ? [OUT.reference_logprob] : [])];
    const model = ({ folder, logprobs, sha256 }: CausalLm) => ({ path: folder.path, onnx_file: folder.onnxFile, sha256, logits: { shape: logprobs.info.logitsShape, type: logprobs.info.logitsType }, inputs: logprobs.info.inputs, opset: logprobs.info.opset });
    this.info = {
      model: policy.folder.name,
      path: policy.folder.path,
      sha256: policy.sha256,
      config: {
        onnx_file: policy.folder.onnxFile,
        dtype: policy.folder.dtype,
        ...this.textConfig(),
        policy: model(policy),
        reference: reference ? model(reference) : null,
        logits_budget_bytes: DEFAULT_LOGITS_BUDGET_BYTES,
        device: policy.logprobs.device,
        requested_device: options.device ?? 'cpu',
        threads: options.threads ?? null,
        batch_policy: { kind: 'token_budget', token_budget: this.tokenBudget, order: 'length_descending' },
        cache: context.cacheDir ? 'on' : 'off',
      },
    };
  }

  /** The text settings that decide the token ids (in the results and the cache key). */
  private textConfig(): Record<string, unknown> {
    const { setup, maxLength } = this.tokens;
    const folder = this.models[0]!.folder;
    return {
      text_format: setup.format.value,
      chat_template: folder.tokenizerConfig.chat_template ?? null,
      dpo_tokens: `tokenise(prompt_text) ++ tokenise(full_text - prompt_text), no special tokens (version ${DPO_TOKENS_VERSION})`,
      max_length: maxLength,
      truncation: 'drop the start of the prompt; a response alone over max_length - 1 tokens keeps its start',
      padding_side: setup.paddingSide.value,
      pad_token_id: setup.tokenizer.padTokenId,
    };
  }

  outputName(configured: string): string {
    return configured;
  }

  plan(sequences: readonly DpoSequence[]): number[][] {
    return planBatches(
      sequences.map((s) => s.ids.length),
      this.tokenBudget,
    ).map((b) => b.indices);
  }

  /** Keyed by both models' weights, the tokenizer files and the settings that decide the token ids. */
  cacheKey(outputs: readonly string[]) {
    const [policy, reference] = this.models;
    this.tokenizerHash ??= hashTokenizerFiles(policy!.folder.path);
    const files = (m: CausalLm | undefined) => (m ? { sha256: m.sha256, onnx_file: m.folder.onnxFile, dtype: m.folder.dtype } : null);
    return {
      key: cacheKey({ kind: 'causal-lm', policy: files(policy), reference: files(reference), tokenizer: this.tokenizerHash, config: { ...this.textConfig(), device: policy!.logprobs.device }, outputs: [...outputs].sort() }),
      widths: Object.fromEntries(outputs.map((name) => [name, name === OUT.policy_tokens ? 1 : 2])),
    };
  }

  async runBatch(units: readonly DpoSequence[], outputs: readonly string[]): Promise<BatchResult> {
    const setup = this.tokens.setup;
    const run = { paddingSide: setup.paddingSide.value, padTokenId: setup.tokenizer.padTokenId };
    const withReference = outputs.includes(OUT.reference_logprob);
    const t0 = performance.now();
    const policy = await batchLogprobs(this.models[0]!.logprobs.session, units, run);
    const reference: ResponseLogprob[] | undefined = withReference ? await batchLogprobs(this.models[1]!.logprobs.session, units, run) : undefined;
    const inferenceMs = performance.now() - t0;
    const passes = withReference ? 2 : 1;
    const rows = units.map((seq, i): OutputRow => {
      const row: OutputRow = {
        [OUT.policy_logprob]: float64Pair(policy[i]!.sum),
        [OUT.policy_tokens]: Float32Array.of(policy[i]!.tokens),
        [OUT.truncation]: Float32Array.of(seq.promptTruncated ? 1 : 0, seq.responseTruncated ? 1 : 0),
      };
      if (reference) row[OUT.reference_logprob] = float64Pair(reference[i]!.sum);
      return Object.fromEntries(outputs.map((name) => [name, row[name]!]));
    });
    // Tokens computed: every model's forward pass counts.
    const longest = Math.max(...units.map((s) => s.ids.length));
    return { rows, realTokens: passes * units.reduce((n, s) => n + s.ids.length, 0), paddedTokens: passes * units.length * longest, inferenceMs };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.models.map((m) => m.logprobs.session.release()));
  }
}

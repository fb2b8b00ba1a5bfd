/**
 * @file DPO log-probs through vLLM (issue 13 item 4, docs/dpo.md): the policy, and the reference
 * unless reference-free, are vLLM servers (`vllm+http://HOST:PORT/MODEL`) of causal LMs. rmbench
 * tokenises each prompt/response by the pinned definition (src/dpo/tokens.ts, with the --tokenizer
 * folder, which must be the models'), sends the token ids to POST /v1/completions with
 * prompt_logprobs 0 and max_tokens 1, and sums the returned log-prob of each actual token at the
 * response's positions: the tokens the local causal-LM backend counts. GET /v1/models checks each
 * served model. Both models are remote here; a local policy with a vLLM reference is not supported.
 * Outputs and cache behave as the local backend's (backends/causal-lm.ts): the cache key holds the
 * engine, each served model's id and root, the tokenizer files and the DPO text settings.
 */
import { UserError } from '../../errors.js';
import { float64Pair } from '../../dpo/float64-pair.js';
import { DpoTokenizer, type DpoSequence } from '../../dpo/tokens.js';
import { cacheKey } from '../cache.js';
import { hashTokenizerFiles, KIND_OUTPUTS, type ModelFolder, type RmbenchBlock } from '../model-folder.js';
import { REMOTE_DEFAULTS, type ScorerOptions } from '../options.js';
import { loadTextSetup } from '../text-setup.js';
import type { Backend, BackendContext, BatchResult, OutputRow } from '../types.js';
import { DEFAULT_BETA, DpoInputs } from './dpo-inputs.js';
import { readTokenizerFolder } from './folder.js';
import { malformed, type HttpClient } from './http.js';
import { describeValue, isObject, remoteClient, type ServedModel } from './text-engine.js';
import { parseRemoteModel, type RemoteTarget } from './url.js';
import { VllmEngine } from './vllm.js';

const OUT = KIND_OUTPUTS.dpo;
const ENDPOINT = '/v1/completions';
/** What is sent besides model and prompt: one throwaway generated token, the prompt's own log-probs. */
const REQUEST = { max_tokens: 1, temperature: 0, prompt_logprobs: 0 } as const;
const EXPECT = 'a vLLM completion {"choices": [{"index": i, "prompt_logprobs": [null, {"<token id>": {"logprob": number, ...}}, ...]}, ...]}, one choice per prompt';

/** One vLLM server of a causal LM: the model it serves, and log π(y|x) of sequences. */
class VllmLogprobServer {
  constructor(
    readonly target: RemoteTarget,
    readonly http: HttpClient,
    readonly served: ServedModel,
  ) {}

  static async open(spec: string, options: ScorerOptions, context: BackendContext): Promise<VllmLogprobServer> {
    const target = parseRemoteModel(spec);
    if (target.engine !== 'vllm') throw new UserError(`${spec}: a remote DPO model is a vLLM server (vllm+http://HOST:PORT/MODEL)`);
    if (Object.keys(target.params).length) throw new UserError(`${spec}: DPO log-probs take no URL options (they use ${ENDPOINT})`);
    const http = remoteClient(target, options, context.onWarning);
    // GET /v1/models as the reward-model vLLM backend reads it (its text settings play no part here).
    const served = await new VllmEngine(target, http, { addSpecialTokens: false, maxLength: null, truncationSide: 'left' }, false).describe();
    return new VllmLogprobServer(target, http, served);
  }

  /** The summed log-prob of each sequence's response tokens, in order (float64 over the server's values). */
  async logprobs(units: readonly DpoSequence[]): Promise<number[]> {
    const url = `${this.http.base}${ENDPOINT}`;
    const response = await this.http.json('POST', ENDPOINT, { model: this.served.id, prompt: units.map((u) => u.ids), ...REQUEST }, EXPECT);
    if (!isObject(response) || !Array.isArray(response.choices)) malformed('POST', url, `got ${describeValue(response)} without a "choices" list`, EXPECT);
    if (response.choices.length !== units.length) malformed('POST', url, `${response.choices.length} choices for ${units.length} prompts`, EXPECT);
    const sums: number[] = new Array(units.length);
    response.choices.forEach((choice, position) => {
      const index = isObject(choice) ? (choice.index ?? position) : position;
      if (!isObject(choice) || typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= units.length || sums[index] !== undefined) {
        malformed('POST', url, `choices[${position}] is ${describeValue(choice)} with index ${JSON.stringify(isObject(choice) ? choice.index : undefined)}`, EXPECT);
      }
      const { ids, responseStart } = units[index]!;
      const perToken = choice.prompt_logprobs;
      if (!Array.isArray(perToken) || perToken.length !== ids.length) {
        malformed('POST', url, `choices[${position}].prompt_logprobs is ${describeValue(perToken)} for a prompt of ${ids.length} tokens (is prompt_logprobs supported by this vLLM?)`, EXPECT);
      }
      let sum = 0;
      for (let t = responseStart; t < ids.length; t++) {
        const entry = perToken[t];
        const logprob = isObject(entry) && isObject(entry[String(ids[t])]) ? (entry[String(ids[t])] as Record<string, unknown>).logprob : undefined;
        if (typeof logprob !== 'number' || !Number.isFinite(logprob) || logprob > 0) {
          malformed('POST', url, `choices[${position}].prompt_logprobs[${t}] has no finite log-prob ≤ 0 for token ${ids[t]}`, EXPECT);
        }
        sum += logprob;
      }
      sums[index] = sum;
    });
    return sums;
  }
}

/** The DPO settings of a remote policy: a vLLM reference with beta, or a reference-free reward (flags, else the tokenizer folder's rmbench block). */
function remoteDpoSettings(folder: ModelFolder, options: ScorerOptions): { reference?: string; beta?: number; referenceFree?: 'sum' | 'avg' } {
  if (options.reference !== undefined && options.referenceFree !== undefined) throw new UserError('--reference and --reference-free: give one (a reference model, or a reference-free reward)');
  const referenceFree = options.reference === undefined ? (options.referenceFree ?? folder.rmbench.reference_free) : undefined;
  if (referenceFree !== undefined) {
    if (options.beta !== undefined) throw new UserError(`--beta: applies with a reference model only (this run is reference-free, "${referenceFree}")`);
    return { referenceFree };
  }
  if (options.reference === undefined) throw new UserError('a vLLM DPO policy needs --reference vllm+http://HOST:PORT/MODEL or --reference-free sum|avg');
  return { reference: options.reference, beta: options.beta ?? folder.rmbench.beta ?? DEFAULT_BETA };
}

export class VllmLogprobBackend extends DpoInputs implements Backend<DpoSequence> {
  readonly engine = 'vllm';
  readonly info: Backend['info'];
  readonly where: string;
  readonly concurrency: number;
  protected readonly outputs: string[];
  private readonly textConfig: Record<string, unknown>;
  private readonly tokenizerHash: string;

  constructor(
    tokens: DpoTokenizer,
    folder: ModelFolder,
    /** The policy, then the reference when there is one. */
    private readonly servers: readonly VllmLogprobServer[],
    private readonly sequencesPerRequest: number,
    context: BackendContext,
  ) {
    super(tokens);
    const [policy, reference] = servers as [VllmLogprobServer, VllmLogprobServer | undefined];
    this.where = policy.target.spec;
    this.concurrency = policy.http.settings.concurrency;
    this.outputs = [OUT.policy_logprob, OUT.policy_tokens, OUT.truncation, ...(reference ? [OUT.reference_logprob] : [])];
    this.tokenizerHash = hashTokenizerFiles(folder.path);
    this.textConfig = {
      text_format: tokens.setup.format.value,
      chat_template: folder.tokenizerConfig.chat_template ?? null,
      dpo_tokens: 'tokenise(prompt_text) ++ tokenise(full_text - prompt_text), no special tokens (src/dpo/tokens.ts)',
      max_length: tokens.maxLength,
    };
    const model = (s: VllmLogprobServer) => ({ url: s.target.spec, served_model: s.served.id, identity: s.served.identity, max_model_len: s.served.maxLength });
    const cs = policy.http.settings;
    this.info = {
      model: policy.served.id,
      path: policy.target.spec,
      config: {
        engine: 'vllm',
        endpoint: ENDPOINT,
        request: REQUEST,
        ...this.textConfig,
        tokenizer: folder.path,
        policy: model(policy),
        reference: reference ? model(reference) : null,
        batch_policy: { kind: 'remote', texts_per_request: sequencesPerRequest, concurrency: cs.concurrency, request_timeout_s: cs.timeoutMs / 1000, retries: cs.retries },
        cache: context.cacheDir ? 'on' : 'off',
      },
    };
  }

  outputName(configured: string): string {
    return configured;
  }

  /** In order, sequencesPerRequest at a time (one request per server per batch). */
  plan(units: readonly DpoSequence[]): number[][] {
    const batches: number[][] = [];
    for (let start = 0; start < units.length; start += this.sequencesPerRequest) {
      batches.push(Array.from({ length: Math.min(this.sequencesPerRequest, units.length - start) }, (_, i) => start + i));
    }
    return batches;
  }

  /** Keyed by the engine, each served model, the tokenizer files and the settings that decide the token ids. */
  cacheKey(outputs: readonly string[]) {
    const model = (s: VllmLogprobServer | undefined) => (s ? s.served.identity : null);
    const [policy, reference] = this.servers;
    return {
      key: cacheKey({ kind: 'vllm-logprobs', engine: 'vllm', endpoint: ENDPOINT, request: REQUEST, policy: model(policy), reference: model(reference), tokenizer: this.tokenizerHash, config: this.textConfig, outputs: [...outputs].sort() }),
      widths: Object.fromEntries(outputs.map((name) => [name, name === OUT.policy_tokens ? 1 : 2])),
    };
  }

  async runBatch(units: readonly DpoSequence[], outputs: readonly string[]): Promise<BatchResult> {
    const started = performance.now();
    const withReference = outputs.includes(OUT.reference_logprob);
    const [policy, reference] = await Promise.all([this.servers[0]!.logprobs(units), withReference ? this.servers[1]!.logprobs(units) : undefined]);
    const rows = units.map((seq, i): OutputRow => {
      const row: OutputRow = {
        [OUT.policy_logprob]: float64Pair(policy[i]!),
        [OUT.policy_tokens]: Float32Array.of(seq.ids.length - seq.responseStart),
        [OUT.truncation]: Float32Array.of(seq.promptTruncated ? 1 : 0, seq.responseTruncated ? 1 : 0),
      };
      if (reference) row[OUT.reference_logprob] = float64Pair(reference[i]!);
      return Object.fromEntries(outputs.map((name) => [name, row[name]!]));
    });
    const tokens = (withReference ? 2 : 1) * units.reduce((n, s) => n + s.ids.length, 0);
    return { rows, realTokens: tokens, paddedTokens: tokens, inferenceMs: performance.now() - started };
  }

  async dispose(): Promise<void> {}
}

/** Connects to the policy (and reference) servers; the block it returns sets up the dpo kind. */
export async function openVllmLogprobBackend(spec: string, options: ScorerOptions, context: BackendContext): Promise<{ backend: VllmLogprobBackend; block: RmbenchBlock }> {
  if (options.tokenizer === undefined) throw new UserError(`${spec}: DPO log-probs through vLLM need --tokenizer DIR (the served models' tokenizer.json, tokenizer_config.json with chat_template, config.json)`);
  const target = parseRemoteModel(spec);
  const folder = readTokenizerFolder(options.tokenizer, spec, target.model ?? target.engine);
  const settings = remoteDpoSettings(folder, options);
  const servers = [await VllmLogprobServer.open(spec, options, context)];
  if (settings.reference !== undefined) servers.push(await VllmLogprobServer.open(settings.reference, options, context));
  const setup = await loadTextSetup(folder);
  // Without a max_length in the tokenizer folder, the smallest served max_model_len bounds a sequence.
  const servedMax = Math.min(...servers.map((s) => s.served.maxLength ?? Infinity));
  const tokens = new DpoTokenizer(setup, folder.path, setup.maxLength.value ?? (Number.isFinite(servedMax) ? servedMax : null));
  const perRequest = options.batchSize ?? REMOTE_DEFAULTS.batchSize;
  const backend = new VllmLogprobBackend(tokens, folder, servers, perRequest, context);
  const block: RmbenchBlock = { ...folder.rmbench, scorer: 'dpo', reference: settings.reference, beta: settings.beta, reference_free: settings.referenceFree };
  return { backend, block };
}

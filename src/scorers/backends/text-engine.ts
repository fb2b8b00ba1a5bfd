/**
 * @file What the text-engine backends share (vLLM, vllm.ts; TEI, tei.ts): engines that take text
 * and tokenise it themselves, and return one raw score vector per text. rmbench formats each
 * response (the chat template of --tokenizer DIR, else the plain format; or, vLLM with
 * --server-template, the server formats the conversation) and sends distinct texts several per
 * request. The score cache is keyed by the engine, the model the server reports, the text settings
 * and the --tokenizer folder's tokenizer files.
 */
import type { Message } from '../../subsets/types.js';
import { cacheKey } from '../cache.js';
import { conversation, formatPlain } from '../format.js';
import { hashTokenizerFiles, type ModelFolder } from '../model-folder.js';
import { REMOTE_DEFAULTS, type ScorerOptions } from '../options.js';
import { loadTextSetup, type TextSetup } from '../text-setup.js';
import type { Side } from '../tokenize.js';
import { singleResponse, type Backend, type BackendContext, type BatchResult, type OutputRequest, type ResponseInput, type ScoreInput } from '../types.js';
import { readTokenizerFolder } from './folder.js';
import { HttpClient } from './http.js';
import type { RemoteTarget } from './url.js';

/** One text to score, or (vLLM with --server-template) one conversation for the server to format. */
export type TextItem = { text: string } | { messages: readonly Message[] };

/** What rmbench asks of the engine's tokenisation (null: leave it to the server). */
export interface TextSettings {
  addSpecialTokens: boolean | null;
  maxLength: number | null;
  truncationSide: Side;
}

export interface ServedModel {
  /** The model id the server reports. */
  id: string;
  /** What identifies the served weights beyond the id (vLLM root, TEI model_sha), for the cache key. */
  identity: Record<string, unknown>;
  /** The server's own limit on texts per request (TEI max_client_batch_size). */
  maxBatch: number | null;
  /** The server's maximum input length in tokens, when it says. */
  maxLength: number | null;
}

export interface TextEngine {
  readonly engine: 'vllm' | 'tei';
  /** The scoring route, e.g. /pooling. */
  readonly endpoint: string;
  /** Request settings that affect scores, for the results config and the cache key. */
  readonly request: Record<string, unknown>;
  /** Whether one request can carry several items. */
  readonly batches: boolean;
  describe(): Promise<ServedModel>;
  /** One raw score vector per item, in order; prompt tokens the server counted, when it says. */
  score(items: readonly TextItem[]): Promise<{ rows: Float32Array[]; promptTokens: number | null }>;
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
export const describeValue = (v: unknown) => (Array.isArray(v) ? `an array of ${v.length}` : v === null ? 'null' : typeof v);


/** The one output of a text engine: the raw score vector of each text. */
export const TEXT_ENGINE_OUTPUT = 'values';

/** The HTTP client settings of every remote backend, from the options. */
export function clientSettings(options: ScorerOptions) {
  return {
    concurrency: options.concurrency ?? REMOTE_DEFAULTS.concurrency,
    timeoutMs: options.requestTimeoutMs ?? REMOTE_DEFAULTS.requestTimeoutMs,
    retries: options.retries ?? REMOTE_DEFAULTS.retries,
    backoffMs: options.retryBackoffMs ?? REMOTE_DEFAULTS.retryBackoffMs,
    apiKey: options.apiKey ?? (process.env.RMBENCH_API_KEY || undefined),
  };
}

/** The client of a remote backend; warns once, on the first retry: a run that waits on a struggling server says so. */
export function remoteClient(target: RemoteTarget, options: ScorerOptions, onWarning?: (message: string) => void): HttpClient {
  let warned = false;
  const onRetry = (message: string) => {
    if (warned) return;
    warned = true;
    onWarning?.(`${message} (further retries are not reported)`);
  };
  return new HttpClient(target.base, { ...clientSettings(options), onRetry });
}

export class TextEngineBackend implements Backend<TextItem> {
  readonly where: string;
  readonly concurrency: number;

  constructor(
    readonly engine: 'vllm' | 'tei',
    readonly info: Backend['info'],
    /** Per-request timings of this backend's client (scripts/serve-bench.ts reads them). */
    readonly http: HttpClient,
    private readonly client: TextEngine,
    private readonly format: (input: ResponseInput) => TextItem,
    private readonly textsPerRequest: number,
    private readonly cacheParts: Record<string, unknown>,
  ) {
    this.where = info.path!;
    this.concurrency = http.settings.concurrency;
  }

  outputName(): string {
    return TEXT_ENGINE_OUTPUT;
  }

  hasOutput(name: string): boolean {
    return name === TEXT_ENGINE_OUTPUT;
  }

  async prepare(outputs: OutputRequest): Promise<string[]> {
    return outputs.required.filter((name) => name === TEXT_ENGINE_OUTPUT);
  }

  textKey(input: ScoreInput): string {
    const item = this.format(singleResponse(input, this.where));
    return 'text' in item ? item.text : JSON.stringify(item.messages);
  }

  encode(input: ScoreInput): TextItem {
    return this.format(singleResponse(input, this.where));
  }

  unitKey(item: TextItem): string {
    return 'text' in item ? item.text : JSON.stringify(item.messages);
  }

  /** In order, textsPerRequest at a time. */
  plan(items: readonly TextItem[]): number[][] {
    const batches: number[][] = [];
    for (let start = 0; start < items.length; start += this.textsPerRequest) {
      batches.push(Array.from({ length: Math.min(this.textsPerRequest, items.length - start) }, (_, i) => start + i));
    }
    return batches;
  }

  async runBatch(items: readonly TextItem[]): Promise<BatchResult> {
    const started = performance.now();
    const result = await this.client.score(items);
    const tokens = result.promptTokens ?? 0;
    return { rows: result.rows.map((values) => ({ [TEXT_ENGINE_OUTPUT]: values })), realTokens: tokens, paddedTokens: tokens, inferenceMs: performance.now() - started };
  }

  cacheKey() {
    return { key: cacheKey(this.cacheParts) };
  }

  async dispose(): Promise<void> {}
}

/**
 * Connects to a text engine: reads the --tokenizer folder (when given), asks the server what it
 * serves, and sets up formatting, batching and the cache key.
 */
export async function openTextEngineBackend(
  target: RemoteTarget,
  options: ScorerOptions,
  context: BackendContext,
  serverTemplate: boolean,
  makeEngine: (http: HttpClient, settings: TextSettings) => TextEngine,
): Promise<{ backend: TextEngineBackend; folder: ModelFolder | null }> {
  const engineName = target.engine as 'vllm' | 'tei';
  const folder = options.tokenizer ? readTokenizerFolder(options.tokenizer, target.spec, target.model ?? target.engine) : null;
  const setup: TextSetup | null = folder ? await loadTextSetup(folder) : null;
  const settings: TextSettings = {
    addSpecialTokens: setup ? setup.addSpecialTokens.value : serverTemplate ? null : true,
    maxLength: setup ? setup.maxLength.value : null,
    truncationSide: setup ? setup.truncationSide.value : 'left',
  };
  const http = remoteClient(target, options, context.onWarning);
  const engine = makeEngine(http, settings);
  const served = await engine.describe();

  if (engineName === 'tei' && setup) {
    const tokenizer = setup.tokenizer;
    if (!setup.addSpecialTokens.value && (tokenizer.prefix.length || tokenizer.suffix.length)) {
      context.onWarning?.(`${target.spec}: TEI adds the tokenizer's special tokens to every text, but ${folder!.path} formats with add_special_tokens false (its chat template emits them): texts may start with two BOS; score with vLLM or KServe to match the local model`);
    }
    if (served.maxLength !== null && setup.maxLength.value !== null && served.maxLength !== setup.maxLength.value) {
      context.onWarning?.(`${target.spec}: TEI truncates to its max_input_length ${served.maxLength}, --tokenizer says max_length ${setup.maxLength.value}`);
    }
  }

  const format = (input: ResponseInput): TextItem =>
    serverTemplate ? { messages: conversation(input.prompt, input.response) } : { text: setup ? setup.text(input.prompt, input.response) : formatPlain(input.prompt, input.response) };
  const textConfig = {
    formatting: serverTemplate ? 'server' : 'rmbench',
    text_format: serverTemplate ? null : (setup?.format.value ?? 'plain'),
    chat_template: !serverTemplate && setup?.format.value === 'chat_template' ? (folder!.tokenizerConfig.chat_template ?? null) : null,
    add_special_tokens: settings.addSpecialTokens,
    max_length: settings.maxLength,
    truncation_side: settings.truncationSide,
  };
  const cs = http.settings;
  const textsPerRequest = Math.max(1, Math.min(options.batchSize ?? REMOTE_DEFAULTS.batchSize, served.maxBatch ?? Infinity, engine.batches ? Infinity : 1));
  // The tokenizer files decide the texts (chat template, special tokens) and, on TEI, nothing else; keyed all the same.
  const cacheParts = { engine: engineName, model: served.identity, endpoint: engine.endpoint, request: engine.request, text: textConfig, tokenizer: folder ? hashTokenizerFiles(folder.path) : null };
  const info = {
    model: served.id,
    path: target.spec,
    config: {
      engine: engineName,
      served_model: served.id,
      endpoint: engine.endpoint,
      request: engine.request,
      ...textConfig,
      tokenizer: folder?.path ?? null,
      batch_policy: { kind: 'remote', texts_per_request: textsPerRequest, concurrency: cs.concurrency, request_timeout_s: cs.timeoutMs / 1000, retries: cs.retries },
      cache: context.cacheDir ? 'on' : 'off',
    },
  };
  return { backend: new TextEngineBackend(engineName, info, http, engine, format, textsPerRequest, cacheParts), folder };
}

/**
 * @file Engines that take text and tokenise it themselves: vLLM (OpenAI-compatible server, pooling
 * models) and Hugging Face Text Embeddings Inference (sequence classification). Each turns a batch
 * of texts into one vector of raw scores (logits) per text.
 *
 * Request and response shapes follow the engines' public API documentation and source (links in
 * docs/remote.md); both ignore request fields they do not know, so newer fields are sent as-is.
 */
import type { Message } from '../../subsets/types.js';
import type { Side } from '../tokenize.js';
import { malformed, RemoteError, type HttpClient } from './http.js';
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

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
const describeValue = (v: unknown) => (Array.isArray(v) ? `an array of ${v.length}` : v === null ? 'null' : typeof v);

// ---------------------------------------------------------------- vLLM

const VLLM_MODELS = 'the vLLM model list {"object": "list", "data": [{"id": MODEL, ...}]}';

export class VllmEngine implements TextEngine {
  readonly engine = 'vllm';
  readonly endpoint: string;
  readonly request: Record<string, unknown>;
  readonly batches: boolean;
  private readonly task: string | null;
  private modelId = '';

  constructor(
    private readonly target: RemoteTarget,
    private readonly http: HttpClient,
    private readonly settings: TextSettings,
    private readonly serverTemplate: boolean,
  ) {
    const endpoint = target.params.endpoint ?? 'pooling';
    if (endpoint !== 'pooling' && endpoint !== 'classify') throw new RemoteError(`${target.spec}: endpoint must be "pooling" or "classify", got "${endpoint}"`);
    this.endpoint = `/${endpoint}`;
    // /classify sets its own task; /pooling gets task "classify" unless ?task= says otherwise (empty: none sent).
    this.task = endpoint === 'pooling' ? (target.params.task === undefined ? 'classify' : target.params.task || null) : null;
    this.batches = !serverTemplate;
    this.request = {
      task: this.task,
      use_activation: false,
      add_special_tokens: settings.addSpecialTokens,
      truncate_prompt_tokens: settings.maxLength ?? -1,
      truncation_side: settings.truncationSide,
      input: serverTemplate ? 'messages (the server applies its chat template)' : 'text',
    };
  }

  private get expect() {
    return this.endpoint === '/pooling'
      ? 'a vLLM pooling response {"data": [{"index": i, "data": [number, ...]}, ...]} with one entry per input'
      : 'a vLLM classification response {"data": [{"index": i, "logits" or "probs": [number, ...]}, ...]} with one entry per input';
  }

  async describe(): Promise<ServedModel> {
    const url = `${this.http.base}/v1/models`;
    const body = await this.http.json('GET', '/v1/models', undefined, VLLM_MODELS);
    if (!isObject(body) || !Array.isArray(body.data)) malformed('GET', url, `got ${describeValue(body)} without a "data" list`, VLLM_MODELS);
    const models = body.data.filter((m): m is Json => isObject(m) && typeof m.id === 'string');
    if (models.length !== body.data.length || models.length === 0) malformed('GET', url, `"data" has ${body.data.length} entries, ${models.length} with a string "id"`, VLLM_MODELS);
    const ids = models.map((m) => m.id as string);
    let model: Json | undefined;
    if (this.target.model === null) {
      if (models.length > 1) throw new RemoteError(`${this.target.spec}: the server serves ${ids.join(', ')}; name one: vllm+${this.http.base}/MODEL`);
      model = models[0];
    } else {
      model = models.find((m) => m.id === this.target.model);
      if (!model) throw new RemoteError(`${this.target.spec}: the server at ${this.http.base} serves ${ids.map((i) => `"${i}"`).join(', ')}, not "${this.target.model}" (GET /v1/models)`);
    }
    this.modelId = model!.id as string;
    const maxLength = typeof model!.max_model_len === 'number' ? model!.max_model_len : null;
    return { id: this.modelId, identity: { id: this.modelId, root: model!.root ?? null }, maxBatch: null, maxLength };
  }

  async score(items: readonly TextItem[]) {
    const base: Json = {
      model: this.modelId,
      ...(this.task ? { task: this.task } : {}),
      use_activation: false,
      ...(this.settings.addSpecialTokens === null ? {} : { add_special_tokens: this.settings.addSpecialTokens }),
      truncate_prompt_tokens: this.settings.maxLength ?? -1,
      truncation_side: this.settings.truncationSide,
    };
    let body: Json;
    if (this.serverTemplate) {
      if (items.length !== 1 || !('messages' in items[0]!)) throw new Error('vLLM chat requests carry one conversation');
      body = { ...base, messages: items[0].messages, add_generation_prompt: false };
    } else {
      body = { ...base, input: items.map((item) => ('text' in item ? item.text : '')) };
    }
    const url = `${this.http.base}${this.endpoint}`;
    const response = await this.http.json('POST', this.endpoint, body, this.expect);
    if (!isObject(response) || !Array.isArray(response.data)) malformed('POST', url, `got ${describeValue(response)} without a "data" list`, this.expect);
    if (typeof response.model === 'string' && response.model !== this.modelId) {
      throw new RemoteError(`POST ${url}: the response is from model "${response.model}", not "${this.modelId}"`);
    }
    if (response.data.length !== items.length) malformed('POST', url, `${response.data.length} entries for ${items.length} inputs`, this.expect);
    const rows: Float32Array[] = new Array(items.length);
    response.data.forEach((entry, position) => {
      if (!isObject(entry)) malformed('POST', url, `data[${position}] is ${describeValue(entry)}`, this.expect);
      const index = entry.index === undefined ? position : entry.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= items.length || rows[index]) {
        malformed('POST', url, `data[${position}].index is ${JSON.stringify(index)}`, this.expect);
      }
      const values = this.endpoint === '/pooling' ? entry.data : (entry.logits ?? entry.probs);
      let row: number[];
      if (isNumberArray(values)) row = values;
      else if (Array.isArray(values) && values.length > 0 && values.every(isNumberArray)) row = values[values.length - 1] as number[]; // per-token outputs: the last token's
      else malformed('POST', url, `data[${position}].${this.endpoint === '/pooling' ? 'data' : 'logits'} is ${describeValue(values)}, not numbers`, this.expect);
      if (row.length === 0) malformed('POST', url, `data[${position}] has no values`, this.expect);
      rows[index] = Float32Array.from(row);
    });
    const usage = isObject(response.usage) && typeof response.usage.prompt_tokens === 'number' ? response.usage.prompt_tokens : null;
    return { rows, promptTokens: usage };
  }
}

// ---------------------------------------------------------------- TEI

const TEI_INFO = 'the TEI /info object {"model_id": ..., "model_type": {"classifier": {"id2label": {...}}}}';
const TEI_PREDICT = 'a TEI /predict batch response [[{"score": number, "label": string}, ...], ...] with one list per input';

export class TeiEngine implements TextEngine {
  readonly engine = 'tei';
  readonly endpoint = '/predict';
  readonly request: Record<string, unknown>;
  readonly batches = true;
  /** Label of each output column, in order (TEI returns predictions sorted by score). */
  private labels: string[] = [];

  constructor(
    private readonly target: RemoteTarget,
    private readonly http: HttpClient,
    settings: TextSettings,
  ) {
    this.request = {
      raw_scores: true,
      truncate: true,
      truncation_direction: settings.truncationSide === 'left' ? 'Left' : 'Right',
      add_special_tokens: 'always (TEI adds the tokenizer\'s special tokens)',
    };
  }

  async describe(): Promise<ServedModel> {
    const url = `${this.http.base}/info`;
    const info = await this.http.json('GET', '/info', undefined, TEI_INFO);
    if (!isObject(info) || typeof info.model_id !== 'string') malformed('GET', url, `got ${describeValue(info)} without a string "model_id"`, TEI_INFO);
    if (this.target.model !== null && info.model_id !== this.target.model) {
      throw new RemoteError(`${this.target.spec}: the server at ${this.http.base} serves "${info.model_id}", not "${this.target.model}" (GET /info)`);
    }
    const type = isObject(info.model_type) ? info.model_type : {};
    const classifier = (isObject(type.classifier) ? type.classifier : isObject(type.reranker) ? type.reranker : undefined) as Json | undefined;
    if (!classifier) {
      throw new RemoteError(`${this.target.spec}: the server serves "${info.model_id}" as ${Object.keys(type).join(', ') || 'an unknown model type'}; rmbench needs a sequence-classification model (TEI model_type "classifier" or "reranker")`);
    }
    const id2label = isObject(classifier.id2label) ? classifier.id2label : {};
    const count = Object.keys(id2label).length;
    for (let i = 0; i < count; i++) {
      const label = id2label[String(i)];
      if (typeof label !== 'string') malformed('GET', url, `model_type id2label has no label for ${i}`, TEI_INFO);
      this.labels.push(label);
    }
    if (this.labels.length === 0) malformed('GET', url, 'model_type has an empty id2label', TEI_INFO);
    const maxBatch = typeof info.max_client_batch_size === 'number' && info.max_client_batch_size > 0 ? info.max_client_batch_size : null;
    const maxLength = typeof info.max_input_length === 'number' ? info.max_input_length : null;
    return { id: info.model_id, identity: { model_id: info.model_id, model_sha: info.model_sha ?? null, labels: this.labels }, maxBatch, maxLength };
  }

  async score(items: readonly TextItem[]) {
    const url = `${this.http.base}/predict`;
    // Each input as a one-element list: a bare list of two strings would be read as a text pair.
    const inputs = items.map((item) => ['text' in item ? item.text : '']);
    const body = { inputs, truncate: true, truncation_direction: this.request.truncation_direction, raw_scores: true };
    const response = await this.http.json('POST', '/predict', body, TEI_PREDICT);
    if (!Array.isArray(response)) malformed('POST', url, `got ${describeValue(response)}`, TEI_PREDICT);
    if (response.length !== items.length) malformed('POST', url, `${response.length} prediction lists for ${items.length} inputs`, TEI_PREDICT);
    const rows = response.map((predictions, i) => {
      if (!Array.isArray(predictions)) malformed('POST', url, `entry ${i} is ${describeValue(predictions)}`, TEI_PREDICT);
      const byLabel = new Map<string, number>();
      for (const p of predictions) {
        if (!isObject(p) || typeof p.score !== 'number' || typeof p.label !== 'string') malformed('POST', url, `entry ${i} has ${JSON.stringify(p)?.slice(0, 60)}`, TEI_PREDICT);
        byLabel.set(p.label, p.score);
      }
      return Float32Array.from(this.labels, (label) => {
        const score = byLabel.get(label);
        if (score === undefined) malformed('POST', url, `entry ${i} has no prediction for label "${label}" (labels from /info: ${this.labels.join(', ')})`, TEI_PREDICT);
        return score;
      });
    });
    return { rows, promptTokens: null };
  }
}

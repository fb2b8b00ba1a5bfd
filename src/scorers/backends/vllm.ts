/**
 * @file The vLLM backend: an OpenAI-compatible vLLM server running a sequence-classification
 * (reward) model, asked through its pooling API (POST /pooling, or /classify with ?endpoint=classify)
 * for one raw score vector (logits) per text; GET /v1/models checks the model. rmbench formats each
 * text (text-engine.ts), or with --server-template sends the conversation for the server to format.
 * Request and response shapes follow vLLM's public API documentation and source (docs/remote.md).
 */
import type { ScorerOptions } from '../options.js';
import type { BackendContext } from '../types.js';
import { malformed, RemoteError, type HttpClient } from './http.js';
import { describeValue, isNumberArray, isObject, openTextEngineBackend, type Json, type ServedModel, type TextEngine, type TextItem, type TextSettings } from './text-engine.js';
import type { RemoteTarget } from './url.js';

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


export function openVllmBackend(target: RemoteTarget, options: ScorerOptions, context: BackendContext) {
  const serverTemplate = options.serverTemplate === true;
  return openTextEngineBackend(target, options, context, serverTemplate, (http, settings) => new VllmEngine(target, http, settings, serverTemplate));
}

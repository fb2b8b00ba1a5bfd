/**
 * @file The TEI backend: Hugging Face Text Embeddings Inference serving a sequence-classification
 * (or reranker) model, asked through POST /predict with raw_scores for one score vector per text;
 * GET /info checks the model and gives the labels' order. TEI tokenises with its own settings and
 * always adds the tokenizer's special tokens.
 */
import type { ScorerOptions } from '../options.js';
import type { BackendContext } from '../types.js';
import { malformed, RemoteError, type HttpClient } from './http.js';
import { describeValue, isObject, openTextEngineBackend, type Json, type ServedModel, type TextEngine, type TextItem, type TextSettings } from './text-engine.js';
import type { RemoteTarget } from './url.js';

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

export function openTeiBackend(target: RemoteTarget, options: ScorerOptions, context: BackendContext) {
  return openTextEngineBackend(target, options, context, false, (http, settings) => new TeiEngine(target, http, settings));
}

/**
 * @file `rmbench serve`: a local model folder over HTTP in the protocols of the engines rmbench can
 * drive, backed by the same ONNX Runtime path as `rmbench run`, so remote scores can be checked
 * against local ones exactly and the remote backends tested for real without vLLM, TEI or Triton.
 *
 *   KServe v2 / Open Inference Protocol   GET  /v2, /v2/health/live, /v2/health/ready
 *                                         GET  /v2/models/{name}[/versions/1][/ready]
 *                                         POST /v2/models/{name}[/versions/1]/infer   (tensors in, tensors out)
 *   vLLM OpenAI-compatible (pooling)      GET  /v1/models;  POST /pooling, /classify  (text or token ids in)
 *   Text Embeddings Inference             GET  /info, /health;  POST /predict         (text in)
 *
 * Each mirrors the engine's behaviour where it matters to scores: vLLM applies the classifier
 * activation unless use_activation is false and adds special tokens unless told not to; TEI always
 * adds them, truncates only with truncate: true, and sorts predictions by score; KServe runs the
 * tensors as given. Binds 127.0.0.1 unless told otherwise. No authentication.
 *
 * A bad request gets a 4xx with a message and the server stays up: bodies over 64 MiB, texts over
 * 2,000,000 characters or 4,096 inputs in one request are refused (413); token ids must be in the
 * tokenizer's vocabulary, KServe tensors must match their shape, masks hold 0 or 1 (400). Texts are
 * tokenised one at a time between turns of the event loop, and only as far as the model reads.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors.js';
import { floatValues } from '../scorers/backends/graph-tensors.js';
import { sigmoid } from '../scorers/summary.js';
import type { Side } from '../scorers/tokenize.js';
import type { Message } from '../subsets/types.js';
import { RMBENCH_VERSION } from '../version.js';
import { ServedModel, type ServedModelOptions } from './model.js';

export const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Characters of text in one request (TEI's default payload limit is 2 MB). */
export const MAX_REQUEST_CHARS = 2_000_000;
/** Texts or token sequences in one vLLM-style request. */
export const MAX_REQUEST_INPUTS = 4096;
/** Dimensions of a KServe input tensor. */
const MAX_TENSOR_RANK = 8;
/** As TEI's default --max-client-batch-size. */
export const TEI_MAX_CLIENT_BATCH = 32;

export interface ServeOptions extends ServedModelOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface RunningServer {
  name: string;
  host: string;
  port: number;
  /** http://host:port */
  url: string;
  model: ServedModel;
  /** Requests answered, by route. */
  requests: Record<string, number>;
  close(): Promise<void>;
}

type Style = 'kserve' | 'vllm' | 'tei';
type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly teiType = 'Validation',
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string): never => {
  throw new HttpError(400, message);
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, style: Style, err: HttpError): void {
  const body =
    style === 'kserve'
      ? { error: err.message }
      : style === 'vllm'
        ? { error: { message: err.message, type: err.status === 404 ? 'NotFoundError' : 'BadRequestError', param: null, code: err.status } }
        : { error: err.message, error_type: err.teiType };
  send(res, err.status, body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
}

/** Sigmoid for one label, softmax for several (the classifier activation vLLM and TEI apply by default). */
function activate(row: Float32Array): number[] {
  if (row.length === 1) return [sigmoid(row[0]!)];
  const max = Math.max(...row);
  const exps = Array.from(row, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');

/** Refuses a request whose texts are longer in all than MAX_REQUEST_CHARS (before any is tokenised). */
function checkTextSize(texts: readonly string[]): void {
  const chars = texts.reduce((n, t) => n + t.length, 0);
  if (chars > MAX_REQUEST_CHARS) throw new HttpError(413, `the request's texts have ${chars} characters; at most ${MAX_REQUEST_CHARS} per request`);
}

/**
 * KServe tensor data as a flat row-major list: a flat list of the shape's size, or lists nested
 * exactly as the shape says (the depth is bounded by the rank, so no input can exhaust the stack).
 */
function tensorData(name: string, shape: readonly number[], data: unknown): unknown[] {
  const size = shape.reduce((a, d) => a * d, 1);
  if (!Array.isArray(data)) bad(`input '${name}' has no "data" list`);
  const list = data as unknown[];
  if (!list.some(Array.isArray)) {
    if (list.length !== size) bad(`input '${name}' has ${list.length} values for shape ${JSON.stringify(shape)}`);
    return list;
  }
  const flat: unknown[] = [];
  const walk = (value: unknown, axis: number): void => {
    if (axis === shape.length) {
      if (Array.isArray(value)) bad(`input '${name}': data nested deeper than its shape ${JSON.stringify(shape)}`);
      flat.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[axis]) bad(`input '${name}': data does not match its shape ${JSON.stringify(shape)} at axis ${axis}`);
    for (const item of value as unknown[]) walk(item, axis + 1);
  };
  walk(list, 0);
  return flat;
}

function truncateIds(ids: number[], maxLength: number | null, side: Side): number[] {
  if (maxLength === null || ids.length <= maxLength) return ids;
  return side === 'left' ? ids.slice(ids.length - maxLength) : ids.slice(0, maxLength);
}

function parseMessages(value: unknown): { prompt: Message[]; response: string } {
  if (!Array.isArray(value) || value.length < 2) bad('"messages" must be a conversation of at least two messages ending with the assistant\'s response');
  const messages = (value as unknown[]).map((m, i) => {
    if (!isObject(m) || !['system', 'user', 'assistant'].includes(m.role as string) || typeof m.content !== 'string') bad(`messages[${i}] must be {"role": "system" | "user" | "assistant", "content": string}`);
    return { role: (m as Json).role, content: (m as Json).content } as Message;
  });
  const last = messages[messages.length - 1]!;
  if (last.role !== 'assistant') bad('the last message must be the assistant\'s response (the one scored)');
  return { prompt: messages.slice(0, -1), response: last.content };
}

export class RmbenchServer {
  readonly requests: Record<string, number> = {};

  constructor(readonly served: ServedModel) {}

  private get name() {
    return this.served.name;
  }

  private textOnly(style: Style): void {
    if (this.served.textOutput === null) {
      const kind = this.served.folder.rmbench.scorer;
      throw new HttpError(400, `${this.name} is a ${kind} model${this.served.model.promptInputs ? ' that reads the prompt on its own' : ''}: the ${style === 'tei' ? 'TEI' : 'vLLM'}-style routes return one score vector per text; use KServe (/v2/models/${encodeURIComponent(this.name)}/infer)`);
    }
  }

  /** Token count past the model's maximum: vLLM's wording ("more than" when the text was tokenised only that far). */
  private tooLong(length: number | string): never {
    throw new HttpError(400, `This model's maximum context length is ${this.served.maxLength} tokens. However, you requested ${length} tokens in the input. Please reduce the length of the input, or set truncate_prompt_tokens.`);
  }

  /** Token ids sent by a client: integers the tokenizer could have produced (vLLM: "out of vocabulary"). */
  private checkTokenIds(ids: readonly number[], what: string): number[] {
    const vocabulary = this.served.vocabularySize;
    const badId = ids.find((x) => !Number.isSafeInteger(x) || x < 0 || x >= vocabulary);
    if (badId !== undefined) bad(`${what}: token id ${badId} is out of vocabulary (ids are integers from 0 to ${vocabulary - 1})`);
    return ids as number[];
  }

  // ------------------------------------------------------------------ vLLM

  private vllmModels() {
    return {
      object: 'list',
      data: [{ id: this.name, object: 'model', created: 0, owned_by: 'rmbench', root: this.served.folder.path, parent: null, max_model_len: this.served.maxLength }],
    };
  }

  private async vllmScore(body: unknown, route: 'pooling' | 'classify') {
    if (!isObject(body)) bad('the request must be a JSON object');
    const b = body as Json;
    if (b.model !== undefined && b.model !== null && b.model !== this.name) throw new HttpError(404, `The model \`${String(b.model)}\` does not exist.`);
    this.textOnly('vllm');
    if (route === 'pooling' && b.task !== undefined && b.task !== null && b.task !== 'classify') bad(`task "${String(b.task)}" is not supported by this model (supported: classify)`);
    const side: Side = b.truncation_side === undefined || b.truncation_side === null ? 'left' : b.truncation_side === 'left' || b.truncation_side === 'right' ? b.truncation_side : bad('truncation_side must be "left" or "right"');
    const tpt = b.truncate_prompt_tokens;
    if (tpt !== undefined && tpt !== null && !(Number.isInteger(tpt) && (tpt as number) >= -1 && tpt !== 0)) bad('truncate_prompt_tokens must be -1 or a positive integer');
    const limit = this.served.maxLength;
    if (typeof tpt === 'number' && tpt > 0 && limit !== null && tpt > limit) bad(`truncate_prompt_tokens ${tpt} is over the model's maximum context length ${limit}`);
    const maxLength = typeof tpt === 'number' ? (tpt === -1 ? limit : tpt) : null;
    if (b.add_special_tokens !== undefined && typeof b.add_special_tokens !== 'boolean') bad('add_special_tokens must be a boolean');

    let sequences: { ids: number[]; complete: boolean }[];
    if (b.messages !== undefined) {
      if (b.add_generation_prompt === true) bad('a reward model scores the conversation as it is: add_generation_prompt must be false');
      const { prompt, response } = parseMessages(b.messages);
      checkTextSize([...prompt.map((m) => m.content), response]);
      const text = this.served.model.text.text(prompt, response);
      const addSpecialTokens = (b.add_special_tokens as boolean | undefined) ?? this.served.defaults.addSpecialTokens;
      sequences = await this.served.encodeTexts([text], { maxLength, truncationSide: side, addSpecialTokens });
    } else {
      const input = b.input;
      const addSpecialTokens = (b.add_special_tokens as boolean | undefined) ?? true;
      const count = Array.isArray(input) ? input.length : 1;
      if (count > MAX_REQUEST_INPUTS) throw new HttpError(413, `the request has ${count} inputs; at most ${MAX_REQUEST_INPUTS} per request`);
      if (typeof input === 'string' || (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string'))) {
        const texts = typeof input === 'string' ? [input] : (input as string[]);
        checkTextSize(texts);
        sequences = await this.served.encodeTexts(texts, { maxLength, truncationSide: side, addSpecialTokens });
      } else if (isNumberArray(input)) {
        sequences = [{ ids: truncateIds(this.checkTokenIds(input, 'input'), maxLength, side), complete: true }];
      } else if (Array.isArray(input) && input.length > 0 && input.every(isNumberArray)) {
        sequences = (input as number[][]).map((ids, i) => ({ ids: truncateIds(this.checkTokenIds(ids, `input[${i}]`), maxLength, side), complete: true }));
      } else {
        bad('"input" must be a string, a list of strings, a list of token ids or a list of such lists');
      }
    }
    for (const s of sequences!) {
      if (s.ids.length === 0) bad('an input has no tokens');
      if (!s.complete) this.tooLong(`more than ${limit}`);
      if (limit !== null && s.ids.length > limit) this.tooLong(s.ids.length);
    }
    const tokenIds = sequences!.map((s) => s.ids);
    const rows = await this.served.scoreTokens(tokenIds);
    const activation = b.use_activation !== false;
    const values = rows.map((row) => (activation ? activate(row) : Array.from(row)));
    const tokens = tokenIds.reduce((n, s) => n + s.length, 0);
    const usage = { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null };
    const created = Math.floor(Date.now() / 1000);
    if (route === 'pooling') {
      return { id: `pool-${created}`, object: 'list', created, model: this.name, data: values.map((data, index) => ({ index, object: 'pooling', data })), usage };
    }
    return {
      id: `classify-${created}`,
      object: 'list',
      created,
      model: this.name,
      data: values.map((probs, index) => ({ index, label: this.served.labels[probs.indexOf(Math.max(...probs))] ?? null, probs, num_classes: probs.length })),
      usage,
    };
  }

  // ------------------------------------------------------------------ TEI

  private teiInfo() {
    const id2label = Object.fromEntries(this.served.labels.map((l, i) => [String(i), l]));
    const label2id = Object.fromEntries(this.served.labels.map((l, i) => [l, i]));
    return {
      model_id: this.name,
      model_sha: this.served.model.info.sha256 || null,
      model_dtype: 'float32',
      model_type: this.served.textOutput === null ? { rmbench: { kind: this.served.folder.rmbench.scorer } } : { classifier: { id2label, label2id } },
      max_concurrent_requests: 512,
      max_input_length: this.served.maxLength ?? 0,
      max_batch_tokens: this.served.tokenBudget,
      max_batch_requests: null,
      max_client_batch_size: TEI_MAX_CLIENT_BATCH,
      auto_truncate: false,
      tokenization_workers: 1,
      version: `rmbench-serve ${RMBENCH_VERSION}`,
      sha: null,
      docker_label: null,
    };
  }

  private async teiPredict(body: unknown) {
    if (!isObject(body)) bad('the request must be a JSON object');
    const b = body as Json;
    this.textOnly('tei');
    const inputs = b.inputs;
    let texts: string[];
    let single = false;
    const pairError = () => bad('rmbench serve scores single texts, not text pairs');
    if (typeof inputs === 'string') {
      texts = [inputs];
      single = true;
    } else if (Array.isArray(inputs) && inputs.length > 0 && typeof inputs[0] === 'string') {
      if (inputs.length !== 1) pairError();
      texts = [inputs[0] as string];
      single = true;
    } else if (Array.isArray(inputs) && inputs.length > 0 && inputs.every((x) => Array.isArray(x) && x.every((s) => typeof s === 'string'))) {
      texts = (inputs as string[][]).map((seq) => (seq.length === 1 ? seq[0]! : seq.length === 2 ? pairError() : bad('each input must be [text] or a pair [text, text]')));
    } else {
      bad('"inputs" must be a string, a pair of strings, or a batch [[string], ...]');
    }
    if (texts!.length > TEI_MAX_CLIENT_BATCH) throw new HttpError(413, `batch size ${texts!.length} > maximum allowed batch size ${TEI_MAX_CLIENT_BATCH}`);
    const direction = b.truncation_direction ?? 'Right';
    const side: Side = direction === 'Left' || direction === 'left' ? 'left' : direction === 'Right' || direction === 'right' ? 'right' : bad('truncation_direction must be "Left" or "Right"');
    const truncate = b.truncate === true;
    const limit = this.served.maxLength;
    checkTextSize(texts!);
    const sequences = await this.served.encodeTexts(texts!, { maxLength: truncate ? limit : null, truncationSide: side, addSpecialTokens: true });
    for (const s of sequences) {
      if (s.ids.length === 0) bad('Input validation error: `inputs` cannot be empty');
      if (!s.complete || (limit !== null && s.ids.length > limit)) {
        throw new HttpError(413, `Input validation error: \`inputs\` must have less than ${limit} tokens. Given: ${s.complete ? s.ids.length : `more than ${limit}`}`);
      }
    }
    const rows = await this.served.scoreTokens(sequences.map((s) => s.ids));
    const predictions = rows.map((row) => {
      const scores = b.raw_scores === true ? Array.from(row) : activate(row);
      return scores.map((score, i) => ({ score, label: this.served.labels[i] ?? `LABEL_${i}` })).sort((x, y) => y.score - x.score);
    });
    return single ? predictions[0] : predictions;
  }

  // ------------------------------------------------------------------ KServe

  private kserveMetadata() {
    const session = this.served.session;
    const describe = (m: ort.InferenceSession.ValueMetadata) => ({
      name: m.name,
      datatype: m.isTensor ? ({ int64: 'INT64', int32: 'INT32', float32: 'FP32', float16: 'FP16', float64: 'FP64', bool: 'BOOL', string: 'BYTES', uint8: 'UINT8', int8: 'INT8' } as Record<string, string>)[m.type] ?? m.type.toUpperCase() : 'BYTES',
      shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' ? d : -1)) : [],
    });
    return { name: this.name, versions: ['1'], platform: 'onnxruntime_onnx', inputs: session.inputMetadata.map(describe), outputs: session.outputMetadata.map(describe) };
  }

  /**
   * The values of a KServe input: integers, token ids in the tokenizer's vocabulary, masks of 0 and
   * 1, anything else non-negative (a negative index would wrap around in the graph's Gather).
   */
  private checkTensorValues(name: string, data: readonly unknown[]): number[] {
    if (!data.every((x) => Number.isSafeInteger(x))) bad(`input '${name}' has values that are not integers`);
    const values = data as number[];
    if (name === 'input_ids' || name === 'prompt_input_ids') return this.checkTokenIds(values, `input '${name}'`);
    const [low, high] = name.endsWith('attention_mask') ? [0, 1] : [0, Number.MAX_SAFE_INTEGER];
    const outside = values.find((x) => x < low || x > high);
    if (outside !== undefined) bad(`input '${name}' has the value ${outside}; expected ${high === 1 ? '0 or 1' : 'non-negative integers'}`);
    return values;
  }

  private async kserveInfer(body: unknown) {
    if (!isObject(body)) bad('the request must be a JSON object');
    const b = body as Json;
    const session = this.served.session;
    if (!Array.isArray(b.inputs)) bad('"inputs" must be a list of tensors');
    const feeds: Record<string, ort.Tensor> = {};
    for (const [i, input] of (b.inputs as unknown[]).entries()) {
      if (!isObject(input) || typeof input.name !== 'string') bad(`inputs[${i}] must be {"name", "shape", "datatype", "data"}`);
      const t = input as Json & { name: string };
      if (!session.inputNames.includes(t.name)) bad(`unexpected inference input '${t.name}' for model '${this.name}' (inputs: ${session.inputNames.join(', ')})`);
      if (feeds[t.name]) bad(`input '${t.name}' given twice`);
      if (t.datatype !== 'INT64' && t.datatype !== 'INT32') bad(`input '${t.name}' has datatype ${JSON.stringify(t.datatype)}; the model takes INT64`);
      if (!Array.isArray(t.shape) || t.shape.length === 0 || t.shape.length > MAX_TENSOR_RANK || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        bad(`input '${t.name}' has shape ${JSON.stringify(t.shape)}; expected 1 to ${MAX_TENSOR_RANK} non-negative integer dimensions`);
      }
      const shape = t.shape as number[];
      const data = tensorData(t.name, shape, t.data);
      feeds[t.name] = new ort.Tensor('int64', BigInt64Array.from(this.checkTensorValues(t.name, data), (x) => BigInt(x)), shape);
    }
    const missing = session.inputNames.filter((n) => !feeds[n]);
    if (missing.length) bad(`expected ${session.inputNames.length} inputs but got ${Object.keys(feeds).length}: missing ${missing.join(', ')}`);
    let fetches = [...session.outputNames];
    if (b.outputs !== undefined) {
      if (!Array.isArray(b.outputs) || !b.outputs.every((o) => isObject(o) && typeof o.name === 'string')) bad('"outputs" must be a list of {"name"}');
      fetches = (b.outputs as { name: string }[]).map((o) => o.name);
      const unknown = fetches.filter((n) => !session.outputNames.includes(n));
      if (unknown.length) bad(`unexpected inference output '${unknown[0]}' for model '${this.name}' (outputs: ${session.outputNames.join(', ')})`);
    }
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await session.run(feeds, fetches);
    } catch (err) {
      throw new HttpError(400, `inference failed: ${(err as Error).message.split('\n')[0]}`);
    }
    const datatype = (type: string) => (type === 'float16' ? 'FP16' : type === 'float64' ? 'FP64' : 'FP32');
    return {
      model_name: this.name,
      model_version: '1',
      ...(b.id !== undefined ? { id: b.id } : {}),
      outputs: fetches.map((name) => {
        const tensor = result[name] as ort.Tensor;
        return { name, datatype: datatype(tensor.type), shape: [...tensor.dims], data: Array.from(floatValues(tensor)) };
      }),
    };
  }

  // ------------------------------------------------------------------ routing

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return sendError(res, 'vllm', new HttpError(400, `the path ${url.pathname} is not valid percent-encoding`));
    }
    const style: Style = parts[0] === 'v2' ? 'kserve' : ['info', 'predict', 'health'].includes(parts[0] ?? '') ? 'tei' : 'vllm';
    const route = `${method} /${parts[0] === 'v2' && parts[1] === 'models' ? `v2/models/{name}${parts.length > 3 ? `/${parts[parts.length - 1]}` : ''}` : parts.join('/')}`;
    this.requests[route] = (this.requests[route] ?? 0) + 1;
    try {
      const notFound = () => {
        throw new HttpError(404, `no route ${method} ${url.pathname}`);
      };
      if (parts[0] === 'v2') {
        if (parts.length === 1 && method === 'GET') return send(res, 200, { name: 'rmbench-serve', version: RMBENCH_VERSION, extensions: [] });
        if (parts[1] === 'health' && method === 'GET' && parts[2] === 'live' && parts.length === 3) return send(res, 200, { live: true });
        if (parts[1] === 'health' && method === 'GET' && parts[2] === 'ready' && parts.length === 3) return send(res, 200, { ready: true });
        if (parts[1] !== 'models' || parts.length < 3) notFound();
        if (parts[2] !== this.name) throw new HttpError(404, `Request for unknown model: '${parts[2]}' is not found`);
        let rest = parts.slice(3);
        if (rest[0] === 'versions') {
          if (rest[1] !== '1') throw new HttpError(404, `Request for unknown model: '${parts[2]}' version ${rest[1]} is not found`);
          rest = rest.slice(2);
        }
        if (rest.length === 0 && method === 'GET') return send(res, 200, this.kserveMetadata());
        if (rest.length === 1 && rest[0] === 'ready' && method === 'GET') return send(res, 200, { name: this.name, ready: true });
        if (rest.length === 1 && rest[0] === 'infer' && method === 'POST') return send(res, 200, await this.kserveInfer(await readJson(req)));
        notFound();
      }
      const path = `/${parts.join('/')}`;
      if (method === 'GET' && path === '/v1/models') return send(res, 200, this.vllmModels());
      if (method === 'GET' && (path === '/health' || path === '/ping')) return send(res, 200, {});
      if (method === 'GET' && path === '/info') return send(res, 200, this.teiInfo());
      if (method === 'POST' && (path === '/pooling' || path === '/v1/pooling')) return send(res, 200, await this.vllmScore(await readJson(req), 'pooling'));
      if (method === 'POST' && (path === '/classify' || path === '/v1/classify')) return send(res, 200, await this.vllmScore(await readJson(req), 'classify'));
      if (method === 'POST' && path === '/predict') return send(res, 200, await this.teiPredict(await readJson(req)));
      notFound();
    } catch (err) {
      if (err instanceof HttpError) return sendError(res, style, err);
      // A user error from the tokenizer or the chat template (max_length leaves no room...) is the request's fault.
      const message = (err as Error).message?.split('\n')[0] ?? String(err);
      return sendError(res, style, new HttpError(err instanceof UserError ? 400 : 500, message, 'Backend'));
    }
  }
}

/** Opens the model and listens; resolves once the port is bound. */
export async function startServer(dir: string, options: ServeOptions = {}): Promise<RunningServer> {
  const served = await ServedModel.open(dir, options);
  const app = new RmbenchServer(served);
  const server: Server = createServer((req, res) => {
    app.handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await served.dispose();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    name: served.name,
    host,
    port,
    url: `http://${urlHost}:${port}`,
    model: served,
    requests: app.requests,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await served.dispose();
    },
  };
}

/**
 * @file The KServe v2 / Open Inference Protocol backend (Triton, KServe, MLServer, OpenVINO Model
 * Server, `rmbench serve`): a remote graph that takes the same int64 tensors as the local ONNX
 * runner. rmbench formats and tokenises locally (--tokenizer DIR), pads and batches by token budget
 * exactly as for a local model, and sends each batch as
 *   POST /v2/models/{name}/infer  {"inputs": [{"name", "shape", "datatype": "INT64", "data": [...]}], "outputs": [{"name"}]}
 * reading {"outputs": [{"name", "shape", "datatype", "data"}]} back. Model metadata
 * (GET /v2/models/{name}) gives the inputs and outputs, so a graph that lacks what the scorer kind
 * needs fails at load with its outputs listed.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../../errors.js';
import type { ScorerOptions } from '../options.js';
import type { BackendContext } from '../types.js';
import { loadTextSetup } from '../text-setup.js';
import { readTokenizerFolder } from './folder.js';
import { batchPolicyConfig, DEFAULT_TOKEN_BUDGET, GraphBackend } from './graph.js';
import type { GraphSession } from './graph-tensors.js';
import { malformed, RemoteError, type HttpClient } from './http.js';
import { remoteClient } from './text-engine.js';
import type { RemoteTarget } from './url.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** KServe datatypes -> ONNX Runtime tensor types (int32 ids are sent as INT32 and reported as int64). */
const DATATYPES: Record<string, ort.Tensor.Type> = {
  INT64: 'int64',
  INT32: 'int64',
  FP32: 'float32',
  FP16: 'float16',
  FP64: 'float64',
  BF16: 'float32',
  INT8: 'int8',
  UINT8: 'uint8',
  BOOL: 'bool',
  BYTES: 'string',
};
const FLOAT_OUTPUTS = new Set(['FP32', 'FP16', 'FP64', 'BF16']);

const METADATA = 'KServe v2 model metadata {"name", "inputs": [{"name", "datatype", "shape"}], "outputs": [...]}';
const INFER = 'a KServe v2 inference response {"outputs": [{"name", "shape", "datatype", "data"}]}';

interface TensorMetadata {
  name: string;
  datatype: string;
  shape: (number | string)[];
}

function tensorList(value: unknown, what: string, url: string): TensorMetadata[] {
  if (!Array.isArray(value)) malformed('GET', url, `"${what}" is not a list`, METADATA);
  return value.map((t, i) => {
    if (!isObject(t) || typeof t.name !== 'string' || typeof t.datatype !== 'string') malformed('GET', url, `${what}[${i}] lacks a string name or datatype`, METADATA);
    const shape = Array.isArray(t.shape) ? t.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : String(d))) : [];
    return { name: t.name, datatype: t.datatype.toUpperCase(), shape };
  });
}

/** Row-major flattening of (possibly nested) tensor data. */
function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? data.flat(Infinity as 1) : data;
}

export class KServeGraph implements GraphSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  private requests = 0;

  private constructor(
    private readonly http: HttpClient,
    /** The model name the server reports. */
    readonly name: string,
    /** The version asked for in the URL (?version=), used in request paths; null: the server's default. */
    readonly requestedVersion: string | null,
    /** The version served: the one asked for, else the latest the metadata lists. */
    readonly version: string | null,
    readonly metadata: Json,
    private readonly inputs: readonly TensorMetadata[],
    readonly outputs: readonly TensorMetadata[],
  ) {
    this.inputNames = inputs.map((i) => i.name);
    this.outputNames = outputs.map((o) => o.name);
    const describe = (t: TensorMetadata): ort.InferenceSession.ValueMetadata => ({ name: t.name, isTensor: true, type: DATATYPES[t.datatype] ?? ('unknown' as ort.Tensor.Type), shape: t.shape });
    this.inputMetadata = inputs.map(describe);
    this.outputMetadata = outputs.map(describe);
  }

  /** The path of the model (and version) under /v2/models. */
  static modelPath(name: string, version: string | null): string {
    return `/v2/models/${encodeURIComponent(name)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`;
  }

  /** Reads the model's metadata; the name it reports must be the one asked for. */
  static async connect(http: HttpClient, target: RemoteTarget): Promise<KServeGraph> {
    const name = target.model!;
    const version = target.params.version || null;
    const path = KServeGraph.modelPath(name, version);
    const url = `${http.base}${path}`;
    let metadata: unknown;
    try {
      metadata = await http.json('GET', path, undefined, METADATA);
    } catch (err) {
      if (err instanceof RemoteError && (err.status === 404 || err.status === 400)) {
        throw new RemoteError(`${target.spec}: the server at ${http.base} has no model "${name}"${version ? ` version ${version}` : ''} (GET ${path}: ${err.message.replace(/^.*?: /, '')})`, err.status);
      }
      throw err;
    }
    if (!isObject(metadata)) malformed('GET', url, `got ${Array.isArray(metadata) ? 'a list' : typeof metadata}`, METADATA);
    if (typeof metadata.name === 'string' && metadata.name !== name) {
      throw new RemoteError(`${target.spec}: GET ${url} describes model "${metadata.name}", not "${name}"`);
    }
    const inputs = tensorList(metadata.inputs, 'inputs', url);
    const outputs = tensorList(metadata.outputs, 'outputs', url);
    const versions = Array.isArray(metadata.versions) ? metadata.versions.map(String) : [];
    return new KServeGraph(http, name, version, version ?? versions[versions.length - 1] ?? null, metadata, inputs, outputs);
  }

  /** What identifies the served model for the score cache: its name, versions and platform. */
  get identity(): string {
    return JSON.stringify({ engine: 'kserve', name: this.name, version: this.version, platform: this.metadata.platform ?? null, versions: this.metadata.versions ?? null });
  }

  async run(feeds: Record<string, ort.Tensor>, fetches: string[]): Promise<Record<string, ort.Tensor>> {
    const path = `${KServeGraph.modelPath(this.name, this.requestedVersion)}/infer`;
    const url = `${this.http.base}${path}`;
    const batch = Object.values(feeds)[0]?.dims[0];
    const body = {
      id: String(++this.requests),
      inputs: Object.entries(feeds).map(([name, tensor]) => ({
        name,
        shape: [...tensor.dims],
        datatype: this.inputs.find((i) => i.name === name)?.datatype === 'INT32' ? 'INT32' : 'INT64',
        data: Array.from(tensor.data as BigInt64Array, Number),
      })),
      outputs: fetches.map((name) => ({ name })),
    };
    const response = await this.http.json('POST', path, body, INFER);
    if (!isObject(response) || !Array.isArray(response.outputs)) malformed('POST', url, 'no "outputs" list', INFER);
    if (typeof response.model_name === 'string' && response.model_name !== this.name) {
      throw new RemoteError(`POST ${url}: the response is from model "${response.model_name}", not "${this.name}"`);
    }
    const result: Record<string, ort.Tensor> = {};
    for (const name of fetches) {
      const output = response.outputs.find((o): o is Json => isObject(o) && o.name === name);
      if (!output) malformed('POST', url, `no output "${name}" (got ${response.outputs.map((o) => (isObject(o) ? JSON.stringify(o.name) : '?')).join(', ') || 'none'})`, INFER);
      const datatype = typeof output.datatype === 'string' ? output.datatype.toUpperCase() : '';
      if (!FLOAT_OUTPUTS.has(datatype)) malformed('POST', url, `output "${name}" has datatype ${JSON.stringify(output.datatype)}`, `${INFER} with a floating-point datatype (FP32, FP16, FP64)`);
      const shape = output.shape;
      if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) malformed('POST', url, `output "${name}" has shape ${JSON.stringify(shape)}`, INFER);
      if (!Array.isArray(output.data)) malformed('POST', url, `output "${name}" has no "data" list`, INFER);
      const data = flatten(output.data);
      const size = (shape as number[]).reduce((a, b) => a * b, 1);
      if (data.length !== size) malformed('POST', url, `output "${name}" has ${data.length} values for shape ${JSON.stringify(shape)}`, INFER);
      if (batch !== undefined && shape[0] !== batch) {
        throw new RemoteError(`POST ${url}: output "${name}" has shape ${JSON.stringify(shape)} for a batch of ${batch}; expected [${batch}, ...] (one row per input text)`);
      }
      if (!data.every((x) => typeof x === 'number')) malformed('POST', url, `output "${name}" has non-numeric values`, INFER);
      result[name] = new ort.Tensor('float32', Float32Array.from(data as number[]), shape as number[]);
    }
    return result;
  }

  async release(): Promise<void> {}
}

/**
 * Connects to a KServe model: rmbench tokenises with --tokenizer DIR and runs the graph machinery
 * of a local model (graph.ts) against the served graph, so every kind of the folder's rmbench block works.
 */
export async function openKServeBackend(target: RemoteTarget, options: ScorerOptions, context: BackendContext): Promise<GraphBackend> {
  if (!options.tokenizer) {
    throw new UserError(
      `${target.spec}: KServe takes token tensors, so rmbench tokenises: give --tokenizer DIR (the model folder without onnx/: config.json, tokenizer.json, tokenizer_config.json)`,
    );
  }
  const http = remoteClient(target, options, context.onWarning);
  const graphUrl = `${target.base}${KServeGraph.modelPath(target.model!, target.params.version || null)}`;
  const folder = readTokenizerFolder(options.tokenizer, graphUrl, target.model!);
  const text = await loadTextSetup(folder);
  const tokenizer = text.tokenizer;
  if (tokenizer.padTokenSource !== 'pad_token') {
    context.onWarning?.(`${folder.name}: tokenizer has no pad_token; padding with ${tokenizer.padTokenSource} (id ${tokenizer.padTokenId}); the attention mask hides it`);
  }
  const graph = await KServeGraph.connect(http, target);
  const batchPolicy = { kind: 'token_budget' as const, tokenBudget: options.tokenBudget ?? DEFAULT_TOKEN_BUDGET };
  const cs = http.settings;
  return new GraphBackend(folder, text, graph, {
    engine: 'kserve',
    batchPolicy,
    concurrency: cs.concurrency,
    identity: graph.identity,
    device: 'remote',
    info: { model: graph.name, path: target.spec },
    configBefore: {
      engine: 'kserve',
      served_model: graph.name,
      served_version: graph.version,
      endpoint: `${KServeGraph.modelPath(graph.name, graph.requestedVersion)}/infer`,
      formatting: 'rmbench',
      tokenizer: folder.path,
    },
    configAfter: {
      device: 'remote',
      batch_policy: { ...batchPolicyConfig(batchPolicy), concurrency: cs.concurrency, request_timeout_s: cs.timeoutMs / 1000, retries: cs.retries },
      cache: context.cacheDir ? 'on' : 'off',
    },
    onWarning: context.onWarning,
  });
}

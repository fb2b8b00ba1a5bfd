/**
 * @file The backends, picked by the model argument: a baseline name (built-in), a remote engine URL
 * (vllm+, tei+, kserve+http(s)://...; url.ts; a vLLM URL with DPO settings asks for prompt
 * log-probs), a chat judge (openai+http(s)://...), or a model folder (a causal LM with DPO
 * settings, else a reward model on local ONNX Runtime). Each entry names the options its backend
 * takes; the one file per backend opens it. Adding a backend is one file in this folder and one
 * entry here. Backends load lazily, so `rmbench --help` never loads ONNX Runtime.
 */
import { join } from 'node:path';
import { readJson, RmbenchBlockSchema, type RmbenchBlock } from '../model-folder.js';
import { CLIENT_OPTIONS, type ScorerOption, type ScorerOptions } from '../options.js';
import type { Backend, BackendContext } from '../types.js';
import { isRemoteModel, parseRemoteModel, type Engine } from './url.js';
import { UserError } from '../../errors.js';
import { isOpenAiModel } from '../../judge/openai-url.js';

export const BASELINES = ['length'] as const;

/** A backend opened for a model, with the rmbench block that picks and sets up its kind. */
export interface OpenedBackend {
  backend: Backend;
  block: RmbenchBlock;
  /** The kind when the backend decides it (a baseline); else the block's scorer. */
  kind?: 'length';
}

export interface BackendEntry {
  /** What the model argument looks like, for messages. */
  readonly label: string;
  /** The options it takes (any other given option is an error). */
  readonly options: readonly ScorerOption[];
  /** Whether it returns one vector per text only (so only kinds that read one such vector run on it). */
  readonly oneVectorPerText: boolean;
  open(model: string, options: ScorerOptions, context: BackendContext): Promise<OpenedBackend>;
}

const DEFAULT_BLOCK = (): RmbenchBlock => RmbenchBlockSchema.parse({});

const REMOTE: Record<Engine, BackendEntry> = {
  vllm: {
    label: 'vllm+http://HOST:PORT/MODEL',
    options: ['tokenizer', 'batchSize', 'serverTemplate', ...CLIENT_OPTIONS],
    oneVectorPerText: true,
    async open(model, options, context) {
      const { backend, folder } = await (await import('./vllm.js')).openVllmBackend(parseRemoteModel(model), options, context);
      return { backend, block: folder?.rmbench ?? DEFAULT_BLOCK() };
    },
  },
  tei: {
    label: 'tei+http://HOST:PORT',
    options: ['tokenizer', 'batchSize', ...CLIENT_OPTIONS],
    oneVectorPerText: true,
    async open(model, options, context) {
      const { backend, folder } = await (await import('./tei.js')).openTeiBackend(parseRemoteModel(model), options, context);
      return { backend, block: folder?.rmbench ?? DEFAULT_BLOCK() };
    },
  },
  kserve: {
    label: 'kserve+http://HOST:PORT/MODEL',
    options: ['tokenizer', 'tokenBudget', ...CLIENT_OPTIONS],
    oneVectorPerText: false,
    async open(model, options, context) {
      const backend = await (await import('./kserve.js')).openKServeBackend(parseRemoteModel(model), options, context);
      return { backend, block: backend.folder.rmbench };
    },
  },
};

/** Chat judges (openai+http(s)://HOST[:PORT]/MODEL): the judge kind, its settings from the flags; no tokenizer. */
const OPENAI: BackendEntry = {
  label: 'openai+http://HOST:PORT/MODEL',
  options: ['judge', 'judgeTemplate', 'judgeOrders', 'apiKeyEnv', 'maxTokens', 'temperature', 'priceIn', 'priceOut', 'dryRun', 'concurrency', 'requestTimeoutMs', 'retries', 'retryBackoffMs'],
  oneVectorPerText: false,
  async open(model, options, context) {
    const mode = options.judge ?? 'pairwise';
    if (mode === 'rating' && options.judgeOrders !== undefined) throw new UserError('--judge-orders: a rating judge rates each response once (orders apply to --judge pairwise)');
    const backend = await (await import('./openai.js')).openOpenAiBackend(model, mode, options, context);
    const block = RmbenchBlockSchema.parse({ scorer: 'judge', judge_mode: mode, judge_orders: options.judgeOrders, price_in: options.priceIn, price_out: options.priceOut });
    return { backend, block };
  },
};

export const LOCAL_OPTIONS: readonly ScorerOption[] = ['dtype', 'device', 'threads', 'tokenBudget', 'batchSize'];

/** A causal-LM folder scored as a DPO policy (backends/causal-lm.ts). */
const CAUSAL_LM: BackendEntry = {
  label: 'a causal-LM folder',
  options: ['dtype', 'device', 'threads', 'reference', 'beta', 'referenceFree'],
  oneVectorPerText: false,
  async open(model, options, context) {
    const [{ openCausalLmBackend }, { readModelFolder }] = await Promise.all([import('./causal-lm.js'), import('../model-folder.js')]);
    return openCausalLmBackend(readModelFolder(model, { dtype: options.dtype }), options, context);
  },
};

/** A vLLM causal LM scored as a DPO policy through prompt log-probs (backends/vllm-logprobs.ts); its reference, if any, a vLLM server too. */
const VLLM_LOGPROBS: BackendEntry = {
  label: 'vllm+http://HOST:PORT/MODEL (DPO log-probs)',
  options: ['tokenizer', 'batchSize', 'reference', 'beta', 'referenceFree', ...CLIENT_OPTIONS],
  oneVectorPerText: false,
  async open(model, options, context) {
    return (await import('./vllm-logprobs.js')).openVllmLogprobBackend(model, options, context);
  },
};

/** A folder is a causal LM when the flags name a reference (or none) or its rmbench block says scorer "dpo". */
function isCausalLm(model: string, given: Record<string, unknown>): boolean {
  if (given.reference !== undefined || given.referenceFree !== undefined) return true;
  try {
    return (readJson(join(model, 'config.json')).rmbench as { scorer?: unknown } | undefined)?.scorer === 'dpo';
  } catch {
    return false; // the reward-model path reports the folder's problems
  }
}

const LOCAL: BackendEntry = {
  label: 'a model folder',
  options: LOCAL_OPTIONS,
  oneVectorPerText: false,
  async open(model, options, context) {
    const [{ openOnnxBackend }, { readModelFolder }] = await Promise.all([import('./onnx.js'), import('../model-folder.js')]);
    const backend = await openOnnxBackend(readModelFolder(model, { dtype: options.dtype }), options, context);
    return { backend, block: backend.folder.rmbench };
  },
};

const BUILTIN: BackendEntry = {
  label: 'a baseline',
  options: [],
  oneVectorPerText: false,
  async open(model) {
    const { BuiltinBackend } = await import('./builtin.js');
    return { backend: new BuiltinBackend({ model, config: {} }), block: DEFAULT_BLOCK(), kind: 'length' };
  },
};

/** The backend for a model argument (and, for a folder, the options given). */
export function backendFor(model: string, given: Record<string, unknown> = {}): BackendEntry {
  if (isOpenAiModel(model)) return OPENAI;
  if (isRemoteModel(model)) {
    const engine = parseRemoteModel(model).engine;
    // A vLLM URL is a DPO policy when the flags name a reference (or none) or the --tokenizer folder says scorer "dpo".
    const dpo = typeof given.tokenizer === 'string' ? isCausalLm(given.tokenizer, given) : given.reference !== undefined || given.referenceFree !== undefined;
    if (engine === 'vllm' && dpo) return VLLM_LOGPROBS;
    return REMOTE[engine];
  }
  if ((BASELINES as readonly string[]).includes(model)) return BUILTIN;
  return isCausalLm(model, given) ? CAUSAL_LM : LOCAL;
}

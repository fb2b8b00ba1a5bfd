/**
 * @file Opens the scorer for a model argument: the backend registry (backends/registry.ts) picks
 * the backend from the argument and checks the options against it; the backend's rmbench block (or
 * the baseline) names the kind (kinds/registry.ts); scorer.ts puts the two together.
 */
import { backendFor, LOCAL_OPTIONS } from './backends/registry.js';
import { KINDS } from './kinds/registry.js';
import type { ModelFolder } from './model-folder.js';
import { parseScorerOptions, type ScorerOptions } from './options.js';
import { asResponseScorer, openKind, unsupportedKind } from './scorer.js';
import type { BackendContext, ResponseScorer, Scorer } from './types.js';

/**
 * The scorer of a model argument: "length", a remote engine (vllm+http://HOST:PORT/MODEL,
 * tei+http://HOST:PORT, kserve+http://HOST:PORT/MODEL), an LLM judge (openai+http(s)://HOST/MODEL),
 * or a path to a model folder (a reward model, or a causal LM scored by its DPO reward). Options
 * that the backend does not take are a one-line error.
 */
export async function createScorer(model: string, options: ScorerOptions & BackendContext = {}): Promise<Scorer> {
  const { cacheDir, onWarning, ...given } = options;
  const entry = backendFor(model, given);
  const parsed = parseScorerOptions(given, entry.options, `${model.includes('://') ? model : `"${model}"`} (${entry.label})`);
  const { backend, block, kind: fixed } = await entry.open(model, parsed, { cacheDir, onWarning });
  try {
    const kind = KINDS[fixed ?? block.scorer];
    if (entry.oneVectorPerText && !kind.oneVectorPerText) throw unsupportedKind(backend.where, kind.name, backend.engine);
    return await openKind(kind, backend, { block, model: backend.info.model, cacheDir, onWarning });
  } catch (err) {
    await backend.dispose();
    throw err;
  }
}

/** The scorer of a model whose kind reads one response at a time (scoreResponses, prefer); else a one-line error. */
export async function createResponseScorer(model: string, options: ScorerOptions & BackendContext = {}): Promise<ResponseScorer> {
  const scorer = await createScorer(model, options);
  try {
    return asResponseScorer(scorer);
  } catch (err) {
    await scorer.dispose();
    throw err;
  }
}

/**
 * The scorer of a model folder already read, its rmbench block possibly changed (rmbench probe runs
 * a folder under other settings), on the local backend.
 */
export async function createFolderScorer(folder: ModelFolder, options: ScorerOptions & BackendContext = {}): Promise<Scorer> {
  const { cacheDir, onWarning, ...given } = options;
  const parsed = parseScorerOptions(given, LOCAL_OPTIONS, folder.path);
  const backend = await (await import('./backends/onnx.js')).openOnnxBackend(folder, parsed, { cacheDir, onWarning });
  try {
    return await openKind(KINDS[folder.rmbench.scorer], backend, { block: folder.rmbench, model: folder.name, cacheDir, onWarning });
  } catch (err) {
    await backend.dispose();
    throw err;
  }
}

export { BASELINES } from './backends/registry.js';
export type { Scorer, ResponseScorer, ScorerInfo, ScorerStats, ResponseInput, ResponseOutputs } from './types.js';
export type { ScorerOptions } from './options.js';

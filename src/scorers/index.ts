/**
 * @file Scorer registry: a model argument is a baseline name, a remote engine URL
 * (vllm+http://, tei+http://, kserve+http://; src/scorers/remote/) or a model folder; the folder's
 * rmbench.scorer picks the kind. Kinds load lazily, so `rmbench --help` never loads ONNX Runtime.
 */
import { UserError } from '../errors.js';
import type { ModelFolder, ScorerKind } from './model-folder.js';
import type { OnnxModelOptions } from './onnx-model.js';
import { REMOTE_ONLY_OPTIONS, type RemoteOptions } from './remote/options.js';
import { isRemoteModel } from './remote/url.js';
import type { Scorer } from './types.js';

export const BASELINES = ['length'] as const;

const FOLDER_SCORERS: Record<ScorerKind, (folder: ModelFolder, options: OnnxModelOptions) => Promise<Scorer>> = {
  'bradley-terry': async (folder, options) => (await import('./bradley-terry.js')).createBradleyTerryScorer(folder, options),
  armorm: async (folder, options) => (await import('./armorm.js')).createArmoScorer(folder, options),
  gpm: async (folder, options) => (await import('./gpm.js')).createGpmScorer(folder, options),
};

/** The scorer of a folder's kind (a local folder, or a remote KServe graph through options.graph). */
export function folderScorer(folder: ModelFolder, options: OnnxModelOptions): Promise<Scorer> {
  return FOLDER_SCORERS[folder.rmbench.scorer](folder, options);
}

/**
 * Opens the scorer for a model argument: "length", a remote engine (vllm+http://HOST:PORT/MODEL,
 * tei+http://HOST:PORT, kserve+http://HOST:PORT/MODEL), or a path to a model folder (options.dtype
 * picks its weight variant).
 */
export async function createScorer(model: string, options: OnnxModelOptions & RemoteOptions = {}): Promise<Scorer> {
  if (isRemoteModel(model)) return (await import('./remote/index.js')).createRemoteScorer(model, options);
  const remoteOnly = (Object.keys(REMOTE_ONLY_OPTIONS) as (keyof RemoteOptions)[]).filter((k) => options[k] !== undefined && options[k] !== false);
  if (remoteOnly.length) {
    throw new UserError(`${remoteOnly.map((k) => REMOTE_ONLY_OPTIONS[k]).join(', ')}: only for remote engines (vllm+http://, tei+http://, kserve+http://), not "${model}"`);
  }
  if (model === 'length') return (await import('./length.js')).createLengthScorer();
  const { readModelFolder } = await import('./model-folder.js');
  const folder = readModelFolder(model, { dtype: options.dtype });
  return folderScorer(folder, options);
}

export type { Scorer, ScorerInfo, ScorerStats, ResponseInput, ResponseOutputs } from './types.js';

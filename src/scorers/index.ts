/**
 * @file Scorer registry: a model argument is a baseline name, a remote engine URL
 * (vllm+http://, tei+http://, kserve+http://; src/scorers/remote/) or a model folder; the folder's
 * rmbench.scorer picks the kind. Kinds load lazily, so `rmbench --help` never loads ONNX Runtime.
 */
import { UserError } from '../errors.js';
import { folderScorer } from './kinds.js';
import type { OnnxModelOptions } from './onnx-model.js';
import { REMOTE_ONLY_OPTIONS, type RemoteOptions } from './remote/options.js';
import { isRemoteModel } from './remote/url.js';
import type { Scorer } from './types.js';

export const BASELINES = ['length'] as const;

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

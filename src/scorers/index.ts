/**
 * @file Scorer registry: a model argument is either a baseline name or a model folder; the folder's
 * rmbench.scorer picks the kind. Kinds load lazily, so `rmbench --help` never loads ONNX Runtime.
 */
import type { ModelFolder, ScorerKind } from './model-folder.js';
import type { OnnxModelOptions } from './onnx-model.js';
import type { Scorer } from './types.js';

export const BASELINES = ['length'] as const;

const FOLDER_SCORERS: Record<ScorerKind, (folder: ModelFolder, options: OnnxModelOptions) => Promise<Scorer>> = {
  'bradley-terry': async (folder, options) => (await import('./bradley-terry.js')).createBradleyTerryScorer(folder, options),
  armorm: async (folder, options) => (await import('./armorm.js')).createArmoScorer(folder, options),
  gpm: async (folder, options) => (await import('./gpm.js')).createGpmScorer(folder, options),
};

/** Opens the scorer for a model argument: "length", or a path to a model folder (options.dtype picks its weight variant). */
export async function createScorer(model: string, options: OnnxModelOptions = {}): Promise<Scorer> {
  if (model === 'length') return (await import('./length.js')).createLengthScorer();
  const { readModelFolder } = await import('./model-folder.js');
  const folder = readModelFolder(model, { dtype: options.dtype });
  return FOLDER_SCORERS[folder.rmbench.scorer](folder, options);
}

export type { Scorer, ScorerInfo, ScorerStats, ResponseInput, ResponseOutputs } from './types.js';

/**
 * @file The kinds a model folder can name in its rmbench.scorer, each loaded lazily (so
 * `rmbench --help` never loads ONNX Runtime). Local folders and KServe graphs (src/scorers/remote/)
 * both come here for their kind.
 */
import type { ModelFolder, ScorerKind } from './model-folder.js';
import type { OnnxModelOptions } from './onnx-model.js';
import type { Scorer } from './types.js';

const FOLDER_SCORERS: Record<ScorerKind, (folder: ModelFolder, options: OnnxModelOptions) => Promise<Scorer>> = {
  'bradley-terry': async (folder, options) => (await import('./bradley-terry.js')).createBradleyTerryScorer(folder, options),
  armorm: async (folder, options) => (await import('./armorm.js')).createArmoScorer(folder, options),
  gpm: async (folder, options) => (await import('./gpm.js')).createGpmScorer(folder, options),
};

/** The scorer of a folder's kind (a local folder, or a remote KServe graph through options.graph). */
export function folderScorer(folder: ModelFolder, options: OnnxModelOptions): Promise<Scorer> {
  return FOLDER_SCORERS[folder.rmbench.scorer](folder, options);
}

/**
 * @file Bradley-Terry: one scalar reward per response, read from the model's output
 * (rmbench.output, column rmbench.score_index). A pair is decided by the score difference.
 */
import { hashModelFiles, type ModelFolder } from './model-folder.js';
import { OnnxResponseModel, type OnnxModelOptions } from './onnx-model.js';
import type { ResponseOutputs, Scorer } from './types.js';

export async function createBradleyTerryScorer(folder: ModelFolder, options: OnnxModelOptions = {}): Promise<Scorer> {
  const { output, score_index: index } = folder.rmbench;
  const [model, sha256] = await Promise.all([OnnxResponseModel.open(folder, options), hashModelFiles(folder)]);
  try {
    model.requireOutputs([output]);
  } catch (err) {
    await model.dispose();
    throw err;
  }
  return {
    info: { kind: 'bradley-terry', model: folder.name, path: folder.path, sha256, config: { ...model.config, output, score_index: index } },
    stats: model.stats,
    async scoreResponses(inputs, onProgress) {
      const rows = await model.run(inputs, [output], onProgress);
      return rows.map((row) => {
        const values = row[output]!;
        if (index >= values.length) {
          throw new RangeError(`${folder.onnxPath}: output "${output}" has ${values.length} value(s) per response; rmbench.score_index is ${index}`);
        }
        return { score: values[index]! };
      });
    },
    prefer: (a: ResponseOutputs, b: ResponseOutputs) => a.score! - b.score!,
    dispose: () => model.dispose(),
  };
}

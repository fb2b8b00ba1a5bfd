/**
 * @file Bradley-Terry: one scalar reward per response, read from the model's output
 * (rmbench.output, column rmbench.score_index). A pair is decided by the score difference.
 */
import { UserError } from '../errors.js';
import { outputNames, type ModelFolder } from './model-folder.js';
import { OnnxResponseModel, type OnnxModelOptions } from './onnx-model.js';
import type { ResponseOutputs, Scorer } from './types.js';

export async function createBradleyTerryScorer(folder: ModelFolder, options: OnnxModelOptions = {}): Promise<Scorer> {
  const index = folder.rmbench.score_index;
  const output = outputNames(folder.rmbench).score!;
  const model = await OnnxResponseModel.openFor(folder, options, { required: [output] });
  return {
    info: { kind: 'bradley-terry', model: folder.name, path: folder.path, sha256: model.sha256, config: { ...model.config, output, score_index: index } },
    stats: model.stats,
    async scoreResponses(inputs, onProgress) {
      const rows = await model.run(inputs, [output], onProgress);
      return rows.map((row) => {
        const values = row[output]!;
        if (index >= values.length) {
          throw new UserError(`${folder.onnxPath}: output "${output}" has ${values.length} value(s) per response; rmbench.score_index is ${index}`);
        }
        return { score: values[index]! };
      });
    },
    prefer: (a: ResponseOutputs, b: ResponseOutputs) => a.score! - b.score!,
    dispose: () => model.dispose(),
  };
}

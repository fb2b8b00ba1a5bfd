/**
 * @file Bradley-Terry: one scalar reward per response, read from the model's output
 * (rmbench.output, column rmbench.score_index). A pair is decided by the score difference.
 */
import { UserError } from '../../errors.js';
import { outputNames } from '../model-folder.js';
import type { Kind, ResponseOutputs } from '../types.js';

export const bradleyTerry: Kind<Required<ResponseOutputs>> = {
  name: 'bradley-terry',
  description: 'one scalar reward per response; the higher reward wins',
  oneVectorPerText: true,
  outputsField: 'rmbench.output',
  outputs: (block) => ({ required: { score: outputNames(block).score! }, hint: 'set rmbench.output in config.json' }),
  open({ block, backend }) {
    const index = block.score_index;
    const output = backend.outputName(outputNames(block).score!);
    return {
      unit: 'response',
      config: { output, score_index: index },
      read(row) {
        const values = row[output]!;
        if (index >= values.length) throw new UserError(`${backend.where}: output "${output}" has ${values.length} value(s) per response; rmbench.score_index is ${index}`);
        return { score: values[index]! };
      },
      prefer: (a, b) => a.score - b.score,
    };
  },
};

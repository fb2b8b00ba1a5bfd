/**
 * @file The `length` baseline: score = number of characters (Unicode code points) of the
 * response, from the built-in backend; longer is preferred. A sanity oracle: it scores 99/100 on
 * RewardBench's alpacaeval-easy, so a suite with swapped chosen/rejected columns shows at once.
 */
import { LENGTH_OUTPUT, type Kind, type ResponseOutputs } from '../types.js';

export const length: Kind<Required<ResponseOutputs>> = {
  name: 'length',
  description: 'the longer response wins (a baseline)',
  oneVectorPerText: false,
  outputsField: '',
  outputs: () => ({ required: { length: LENGTH_OUTPUT }, hint: '' }),
  open: () => ({
    unit: 'response',
    config: { unit: 'unicode code points of the response', preferred: 'longer' },
    read: (row) => ({ score: row[LENGTH_OUTPUT]![0]! }),
    prefer: (a, b) => a.score - b.score,
  }),
};

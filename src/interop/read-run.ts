/**
 * @file The one place export, import-results and compare read a run: a results JSON and the
 * per-item scores file it names. When the validated results reader lands, point this at it.
 */
import type { ItemOutcome, Results } from '../report/schema.js';
import { readResults, readScores } from '../report/write.js';

export interface RunFiles {
  path: string;
  results: Results;
  /** Every item's outcome, in the scores file's order (named `pairs`, as the gate's runs are). */
  pairs: ItemOutcome[];
}

export function readRun(path: string): RunFiles {
  const results = readResults(path);
  return { path, results, pairs: readScores(path, results) };
}

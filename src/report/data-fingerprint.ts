/**
 * @file Data fingerprints. A suite's name and version do not prove two runs read the same data (a
 * re-imported or edited file keeps them), so every run records the sha256 of what it read, and the
 * gate, the leaderboard and merge refuse to mix runs whose fingerprints differ. Results written
 * before rmbench recorded fingerprints have none (the fingerprint itself: dataFingerprint in
 * src/subsets/manifest.ts): they are still read, with a warning that the
 * check could not be made.
 */
import { UserError } from '../errors.js';
import type { Results } from './schema.js';

export interface ResultsFile {
  path: string;
  results: Pick<Results, 'data_fingerprint'>;
}

/**
 * Refuses results that ran on different data (one line naming both files). Returns a warning for
 * each file without a fingerprint, whose data cannot be checked.
 */
export function checkSameData(runs: readonly ResultsFile[], purpose: string): string[] {
  if (runs.length < 2) return [];
  const known = runs.filter((r) => r.results.data_fingerprint !== undefined);
  const first = known[0];
  const other = known.find((r) => r.results.data_fingerprint !== first?.results.data_fingerprint);
  if (first && other) {
    const short = (r: ResultsFile) => r.results.data_fingerprint!.slice(0, 12);
    throw new UserError(`${other.path} ran on other data than ${first.path} (data fingerprint ${short(other)}… vs ${short(first)}…, under the same suite name and version); ${purpose}`);
  }
  return runs
    .filter((r) => r.results.data_fingerprint === undefined)
    .map((r) => `${r.path} has no data fingerprint (written by an older rmbench): cannot check that it ran on the same data`);
}

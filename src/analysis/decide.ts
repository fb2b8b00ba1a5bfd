/**
 * @file The responses of a row as lists, chosen first, for the analyses that decide items
 * themselves (content-blind baselines, probes); they build each item's preference matrix with
 * preferenceItem() and decide it by the subset's metric (src/metrics), as a run does.
 */
import { isSetRow, type Row } from '../subsets/types.js';

/** The responses of a row, chosen first: what a scorer is asked for. */
export function rowResponses(row: Row): { chosen: readonly string[]; rejected: readonly string[] } {
  return isSetRow(row) ? { chosen: row.chosen, rejected: row.rejected } : { chosen: [row.chosen], rejected: [row.rejected] };
}

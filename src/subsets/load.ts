/** @file Loading a suite's subsets: verify checksum, row count and schema, then select. */
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { readSubsetFile } from './arrow.js';
import type { Suite, SubsetEntry } from './manifest.js';
import type { Row } from './types.js';

export interface LoadedSubset {
  entry: SubsetEntry;
  /** The rows evaluated (all of them unless a limit applies). */
  rows: Row[];
  /** Rows in the file, before any limit. */
  totalRows: number;
}

export interface SubsetSelection {
  /** Subset names to run (default: all of the suite's). */
  subsets?: readonly string[];
  /** At most this many rows per subset, in file order. */
  limit?: number;
}

export function selectSubsets(suite: Suite, names?: readonly string[]): SubsetEntry[] {
  if (!names || names.length === 0) return suite.subsets;
  const byName = new Map(suite.subsets.map((s) => [s.name, s]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length) {
    throw new UserError(`suite "${suite.name}" has no subset ${unknown.map((n) => `"${n}"`).join(', ')} (available: ${[...byName.keys()].join(', ')})`);
  }
  return [...new Set(names)].map((n) => byName.get(n)!);
}

export function loadSubsets(suite: Suite, selection: SubsetSelection = {}): LoadedSubset[] {
  if (selection.limit !== undefined && !(Number.isInteger(selection.limit) && selection.limit > 0)) {
    throw new UserError(`limit must be a positive integer, got ${selection.limit}`);
  }
  return selectSubsets(suite, selection.subsets).map((entry) => {
    const rows = readSubsetFile(resolve(suite.root, entry.file), { subset: entry.name, metric: entry.metric, rows: entry.rows, sha256: entry.sha256 });
    return { entry, rows: selection.limit ? rows.slice(0, selection.limit) : rows, totalRows: rows.length };
  });
}

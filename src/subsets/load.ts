/** @file Loading a suite's subsets: verify checksum, row count and schema, then select. */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { readSubsetFile } from './arrow.js';
import type { Suite, SubsetEntry } from './manifest.js';
import { pairKey, type Row } from './types.js';

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
  /** Only the rows of shard `index` (1-based) of `count`, chosen by a hash of subset/id. */
  shard?: { index: number; count: number };
}

/** The shard (0-based) of an item: a hash of its key, so stable across runs and machines. */
export function shardOf(key: string, count: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % count;
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
  const { shard } = selection;
  if (shard && !(Number.isInteger(shard.count) && shard.count >= 1 && Number.isInteger(shard.index) && shard.index >= 1 && shard.index <= shard.count)) {
    throw new UserError(`shard must be K/N with 1 <= K <= N, got ${shard.index}/${shard.count}`);
  }
  return selectSubsets(suite, selection.subsets).map((entry) => {
    const rows = readSubsetFile(resolve(suite.root, entry.file), { subset: entry.name, metric: entry.metric, rows: entry.rows, sha256: entry.sha256 });
    const limited = selection.limit ? rows.slice(0, selection.limit) : rows;
    const selected = shard ? limited.filter((row) => shardOf(pairKey(row), shard.count) === shard.index - 1) : limited;
    return { entry, rows: selected, totalRows: rows.length };
  });
}

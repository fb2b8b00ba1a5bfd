/** @file Loading a suite's subsets: verify checksum, row count and schema, then select. */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { readSubsetFile, streamSubsetFile } from './arrow.js';
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
  const selected = [...new Set(names)].map((n) => byName.get(n)!);
  // Refused now rather than after all the scoring, when the overall score would divide by zero.
  if (!selected.some((s) => (suite.sections[s.section]?.weight ?? 0) > 0)) {
    throw new UserError(`suite "${suite.name}": the sections of the selected subsets (${[...new Set(selected.map((s) => s.section))].join(', ')}) all weigh 0, so no overall score exists`);
  }
  return selected;
}

function checkSelection(selection: SubsetSelection): void {
  if (selection.limit !== undefined && !(Number.isInteger(selection.limit) && selection.limit > 0)) {
    throw new UserError(`limit must be a positive integer, got ${selection.limit}`);
  }
  const { shard } = selection;
  if (shard && !(Number.isInteger(shard.count) && shard.count >= 1 && Number.isInteger(shard.index) && shard.index >= 1 && shard.index <= shard.count)) {
    throw new UserError(`shard must be K/N with 1 <= K <= N, got ${shard.index}/${shard.count}`);
  }
}

/** The rows of a file (in order, from `offset` on) that --limit and --shard keep. */
function selectRows(rows: readonly Row[], offset: number, selection: SubsetSelection): Row[] {
  const { limit, shard } = selection;
  const limited = limit === undefined ? rows : rows.slice(0, Math.max(0, limit - offset));
  return shard ? limited.filter((row) => shardOf(pairKey(row), shard.count) === shard.index - 1) : [...limited];
}

/**
 * Streams the selected rows of one subset, a record batch at a time. With `verify`, the checksum
 * and row count are checked too (every row is validated either way).
 */
export async function* streamSubset(suite: Suite, entry: SubsetEntry, selection: SubsetSelection, verify: boolean): AsyncGenerator<Row[]> {
  checkSelection(selection);
  const path = resolve(suite.root, entry.file);
  let offset = 0;
  const options = { subset: entry.name, metric: entry.metric, ...(verify ? { rows: entry.rows, sha256: entry.sha256 } : {}) };
  for await (const rows of streamSubsetFile(path, options)) {
    const selected = selectRows(rows, offset, selection);
    offset += rows.length;
    if (selected.length) yield selected;
  }
}

/**
 * Reads every selected subset whole (for merges and tools; runs stream instead). With `positions`,
 * pairs carry their chosen_position where the file has one (the audit's pick-by-position).
 */
export function loadSubsets(suite: Suite, selection: SubsetSelection = {}, positions = false): LoadedSubset[] {
  checkSelection(selection);
  return selectSubsets(suite, selection.subsets).map((entry) => {
    const rows = readSubsetFile(resolve(suite.root, entry.file), { subset: entry.name, metric: entry.metric, rows: entry.rows, sha256: entry.sha256, positions });
    return { entry, rows: selectRows(rows, 0, selection), totalRows: rows.length };
  });
}

/**
 * @file Subset files: Arrow IPC (file format), one per subset, with the columns
 *   id: utf8, subset: utf8, prompt: utf8 | list<struct<role: utf8, content: utf8>>,
 *   chosen: utf8, rejected: utf8.
 * Other columns are allowed and ignored. Reading validates every row and names the offending
 * file, row and column.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DataType, Field, List, Struct, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { UserError, ValidationError } from '../errors.js';
import type { Message, PairRow, Prompt } from './types.js';

export const PAIR_COLUMNS = ['id', 'subset', 'prompt', 'chosen', 'rejected'] as const;
const ROLES = new Set(['system', 'user', 'assistant']);
const MAX_LISTED_PROBLEMS = 20;

export const MESSAGE_TYPE = new Struct([new Field('role', new Utf8(), false), new Field('content', new Utf8(), false)]);
export const MESSAGES_TYPE = new List(new Field('item', MESSAGE_TYPE, false));

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Serialises pair rows to Arrow IPC file bytes; the prompt column is a message list only when some prompt is one. */
export function pairsToArrow(rows: readonly PairRow[]): Uint8Array {
  const conversational = rows.some((r) => typeof r.prompt !== 'string');
  const prompt = conversational
    ? vectorFromArray(
        rows.map((r) => (typeof r.prompt === 'string' ? [{ role: 'user', content: r.prompt }] : r.prompt.map((m) => ({ role: m.role, content: m.content })))),
        MESSAGES_TYPE,
      )
    : vectorFromArray(rows.map((r) => r.prompt as string), new Utf8());
  const utf8 = (get: (r: PairRow) => string) => vectorFromArray(rows.map(get), new Utf8());
  const table = new Table({
    id: utf8((r) => r.id),
    subset: utf8((r) => r.subset),
    prompt,
    chosen: utf8((r) => r.chosen),
    rejected: utf8((r) => r.rejected),
  });
  return tableToIPC(table, 'file');
}

function isString(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type);
}

function isMessageList(type: DataType): boolean {
  if (!DataType.isList(type)) return false;
  const child = type.children[0]?.type;
  if (!child || !DataType.isStruct(child)) return false;
  const names = new Map(child.children.map((f) => [f.name, f.type]));
  return ['role', 'content'].every((n) => names.has(n) && isString(names.get(n)!));
}

function describeType(type: DataType | undefined): string {
  return type === undefined ? 'missing' : String(type);
}

export interface ReadSubsetOptions {
  /** Expected value of the subset column in every row. */
  subset: string;
  /** Expected number of rows (from the manifest). */
  rows?: number;
  sha256?: string;
}

/** Reads and validates one subset file; throws a UserError naming the file, row and column. */
export function readPairsFile(path: string, options: ReadSubsetOptions): PairRow[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read subset file "${options.subset}" (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  if (options.sha256 !== undefined) {
    const actual = sha256(bytes);
    if (actual !== options.sha256) {
      throw new UserError(`${path}: sha256 is ${actual}, the manifest expects ${options.sha256} (file changed or corrupt; re-import it)`);
    }
  }
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new UserError(`${path}: not an Arrow IPC file (${(err as Error).message})`);
  }
  return tableToPairs(table, path, options);
}

export function tableToPairs(table: Table, source: string, options: ReadSubsetOptions): PairRow[] {
  const found = table.schema.fields.map((f) => f.name);
  const problems: string[] = [];
  const typeOf = (name: string) => table.schema.fields.find((f) => f.name === name)?.type;
  for (const name of PAIR_COLUMNS) {
    const type = typeOf(name);
    if (type === undefined) problems.push(`column "${name}" missing (found: ${found.join(', ') || 'none'})`);
    else if (name === 'prompt' ? !(isString(type) || isMessageList(type)) : !isString(type)) {
      const expected = name === 'prompt' ? 'utf8 or list<struct<role: utf8, content: utf8>>' : 'utf8';
      problems.push(`column "${name}" has type ${describeType(type)}, expected ${expected}`);
    }
  }
  if (problems.length) throw new ValidationError(source, problems);
  if (table.numRows === 0) throw new UserError(`${source}: subset "${options.subset}" is empty (0 rows)`);
  if (options.rows !== undefined && table.numRows !== options.rows) {
    throw new UserError(`${source}: has ${table.numRows} rows, the manifest expects ${options.rows}`);
  }

  const col = (name: string) => table.getChild(name)!;
  const [ids, subsets, prompts, chosen, rejected] = PAIR_COLUMNS.map(col) as [Vector, Vector, Vector, Vector, Vector];
  const rows: PairRow[] = [];
  const firstRowOf = new Map<string, number>();
  for (let i = 0; i < table.numRows; i++) {
    const at = `row ${i}`;
    const text = (v: Vector, name: string): string => {
      const value = v.get(i) as string | null;
      if (typeof value !== 'string') problems.push(`${at}, column "${name}": null, expected a string`);
      return value ?? '';
    };
    const id = text(ids, 'id');
    const subset = text(subsets, 'subset');
    if (subset !== options.subset) problems.push(`${at}, column "subset": "${subset}", expected "${options.subset}"`);
    const earlier = firstRowOf.get(id);
    if (earlier !== undefined) problems.push(`${at}, column "id": duplicate id "${id}" (also row ${earlier})`);
    else firstRowOf.set(id, i);
    if (id === '') problems.push(`${at}, column "id": empty`);
    const prompt = readPrompt(prompts, i, at, problems);
    rows.push({ id, subset, prompt, chosen: text(chosen, 'chosen'), rejected: text(rejected, 'rejected') });
    if (problems.length >= MAX_LISTED_PROBLEMS) break;
  }
  if (problems.length) throw new ValidationError(source, problems);
  return rows;
}

function readPrompt(prompts: Vector, i: number, at: string, problems: string[]): Prompt {
  const value = prompts.get(i) as unknown;
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) {
    problems.push(`${at}, column "prompt": null, expected a string or a message list`);
    return '';
  }
  const messages: Message[] = [];
  for (const m of value as Iterable<{ role: string | null; content: string | null }>) {
    if (!m || typeof m.role !== 'string' || !ROLES.has(m.role) || typeof m.content !== 'string') {
      problems.push(`${at}, column "prompt": message ${messages.length} needs role (system|user|assistant) and content strings`);
      return '';
    }
    messages.push({ role: m.role as Message['role'], content: m.content });
  }
  if (messages.length === 0 || messages[messages.length - 1]!.role !== 'user') {
    problems.push(`${at}, column "prompt": a conversation must end with a user message`);
  }
  return messages;
}

/**
 * @file Subset files: Arrow IPC (file format), one per subset, with the columns
 *   id: utf8, subset: utf8, prompt: utf8 | list<struct<role: utf8, content: utf8>>,
 *   chosen, rejected: utf8 for pairwise subsets (+ optional tie: bool, a human "equally good"
 *   label), list<utf8> for the set metrics (best-of-n, style-matrix, rb2-ties).
 * Other columns are allowed and ignored. Reading validates every row and names the offending
 * file, row and column.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Bool, DataType, Field, List, Struct, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { UserError, ValidationError } from '../errors.js';
import { isSetRow, type Message, type MetricKind, type PairRow, type Prompt, type Row, type SetRow } from './types.js';

export const ROW_COLUMNS = ['id', 'subset', 'prompt', 'chosen', 'rejected'] as const;
const ROLES = new Set(['system', 'user', 'assistant']);
const MAX_LISTED_PROBLEMS = 20;

export const MESSAGE_TYPE = new Struct([new Field('role', new Utf8(), false), new Field('content', new Utf8(), false)]);
export const MESSAGES_TYPE = new List(new Field('item', MESSAGE_TYPE, false));
export const STRINGS_TYPE = new List(new Field('item', new Utf8(), false));

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Serialises rows (all pairs, or all sets) to Arrow IPC file bytes. The prompt column is a message
 * list only when some prompt is one; the tie column exists only when some pair has a tie label.
 */
export function rowsToArrow(rows: readonly Row[]): Uint8Array {
  const sets = rows.length > 0 && isSetRow(rows[0]!);
  if (rows.some((r) => isSetRow(r) !== sets)) throw new Error('rowsToArrow: pairs and sets cannot share a subset file');
  const conversational = rows.some((r) => typeof r.prompt !== 'string');
  const prompt = conversational
    ? vectorFromArray(
        rows.map((r) => (typeof r.prompt === 'string' ? [{ role: 'user', content: r.prompt }] : r.prompt.map((m) => ({ role: m.role, content: m.content })))),
        MESSAGES_TYPE,
      )
    : vectorFromArray(rows.map((r) => r.prompt as string), new Utf8());
  const utf8 = (get: (r: Row) => string) => vectorFromArray(rows.map(get), new Utf8());
  const responses = (get: (r: Row) => string | readonly string[]) =>
    sets ? vectorFromArray(rows.map((r) => [...(get(r) as readonly string[])]), STRINGS_TYPE) : utf8((r) => get(r) as string);
  const tieLabels = !sets && rows.some((r) => (r as PairRow).tie !== undefined);
  const table = new Table({
    id: utf8((r) => r.id),
    subset: utf8((r) => r.subset),
    prompt,
    chosen: responses((r) => r.chosen),
    rejected: responses((r) => r.rejected),
    ...(tieLabels ? { tie: vectorFromArray(rows.map((r) => (r as PairRow).tie === true), new Bool()) } : {}),
  });
  return tableToIPC(table, 'file');
}

function isString(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type);
}

function isStringList(type: DataType): boolean {
  return DataType.isList(type) && type.children[0] !== undefined && isString(type.children[0].type);
}

function isMessageList(type: DataType): boolean {
  if (!DataType.isList(type)) return false;
  const child = type.children[0]?.type;
  if (!child || !DataType.isStruct(child)) return false;
  const names = new Map(child.children.map((f) => [f.name, f.type]));
  return ['role', 'content'].every((n) => names.has(n) && isString(names.get(n)!));
}

/** What each metric expects of a set row's sizes; null when it fits. */
const SET_SHAPES: Record<Exclude<MetricKind, 'pairwise'>, (row: SetRow) => string | null> = {
  'best-of-n': (r) => (r.chosen.length === 1 && r.rejected.length >= 1 ? null : `best-of-n needs 1 chosen and at least 1 rejected, found ${r.chosen.length} and ${r.rejected.length}`),
  'style-matrix': (r) =>
    r.chosen.length >= 2 && r.chosen.length === r.rejected.length ? null : `style-matrix needs as many chosen as rejected variants (>= 2), found ${r.chosen.length} and ${r.rejected.length}`,
  'rb2-ties': (r) =>
    !/^(ref|tied):./.test(r.id)
      ? `rb2-ties ids are ref:<prompt id> or tied:<prompt id>, found "${r.id}"`
      : r.chosen.length >= 1 && r.rejected.length >= 1
        ? null
        : `rb2-ties needs at least 1 correct (chosen) and 1 incorrect (rejected) answer`,
};

export interface ReadSubsetOptions {
  /** Expected value of the subset column in every row. */
  subset: string;
  metric?: MetricKind;
  /** Expected number of rows (from the manifest). */
  rows?: number;
  sha256?: string;
}

/** Reads and validates one subset file; throws a UserError naming the file, row and column. */
export function readSubsetFile(path: string, options: ReadSubsetOptions): Row[] {
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
  return tableToRows(table, path, options);
}

export function tableToRows(table: Table, source: string, options: ReadSubsetOptions): Row[] {
  const metric = options.metric ?? 'pairwise';
  const sets = metric !== 'pairwise';
  const found = table.schema.fields.map((f) => f.name);
  const problems: string[] = [];
  const typeOf = (name: string) => table.schema.fields.find((f) => f.name === name)?.type;
  const expected: Record<(typeof ROW_COLUMNS)[number], [(t: DataType) => boolean, string]> = {
    id: [isString, 'utf8'],
    subset: [isString, 'utf8'],
    prompt: [(t) => isString(t) || isMessageList(t), 'utf8 or list<struct<role: utf8, content: utf8>>'],
    chosen: sets ? [isStringList, `list<utf8> (metric ${metric})`] : [isString, 'utf8'],
    rejected: sets ? [isStringList, `list<utf8> (metric ${metric})`] : [isString, 'utf8'],
  };
  for (const name of ROW_COLUMNS) {
    const type = typeOf(name);
    const [ok, description] = expected[name];
    if (type === undefined) problems.push(`column "${name}" missing (found: ${found.join(', ') || 'none'})`);
    else if (!ok(type)) problems.push(`column "${name}" has type ${String(type)}, expected ${description}`);
  }
  const tieType = typeOf('tie');
  if (tieType !== undefined && (sets || !DataType.isBool(tieType))) problems.push(`column "tie" has type ${String(tieType)}, expected bool (pairwise subsets only)`);
  if (problems.length) throw new ValidationError(source, problems);
  if (table.numRows === 0) throw new UserError(`${source}: subset "${options.subset}" is empty (0 rows)`);
  if (options.rows !== undefined && table.numRows !== options.rows) {
    throw new UserError(`${source}: has ${table.numRows} rows, the manifest expects ${options.rows}`);
  }

  const [ids, subsets, prompts, chosen, rejected] = ROW_COLUMNS.map((name) => table.getChild(name)!) as [Vector, Vector, Vector, Vector, Vector];
  const tie = tieType !== undefined ? table.getChild('tie')! : undefined;
  const rows: Row[] = [];
  const firstRowOf = new Map<string, number>();
  for (let i = 0; i < table.numRows; i++) {
    const at = `row ${i}`;
    const text = (v: Vector, name: string): string => {
      const value = v.get(i) as string | null;
      if (typeof value !== 'string') problems.push(`${at}, column "${name}": null, expected a string`);
      return value ?? '';
    };
    const texts = (v: Vector, name: string): string[] => {
      const value = v.get(i) as Iterable<string | null> | null;
      const list = value === null ? [] : [...value];
      if (value === null || list.some((x) => typeof x !== 'string')) problems.push(`${at}, column "${name}": expected a list of strings`);
      return list.map((x) => x ?? '');
    };
    const id = text(ids, 'id');
    const subset = text(subsets, 'subset');
    if (subset !== options.subset) problems.push(`${at}, column "subset": "${subset}", expected "${options.subset}"`);
    const earlier = firstRowOf.get(id);
    if (earlier !== undefined) problems.push(`${at}, column "id": duplicate id "${id}" (also row ${earlier})`);
    else firstRowOf.set(id, i);
    if (id === '') problems.push(`${at}, column "id": empty`);
    const prompt = readPrompt(prompts, i, at, problems);
    if (sets) {
      const row: SetRow = { id, subset, prompt, chosen: texts(chosen, 'chosen'), rejected: texts(rejected, 'rejected') };
      const shape = SET_SHAPES[metric](row);
      if (shape) problems.push(`${at}: ${shape}`);
      rows.push(row);
    } else {
      const row: PairRow = { id, subset, prompt, chosen: text(chosen, 'chosen'), rejected: text(rejected, 'rejected') };
      if (tie?.get(i) === true) row.tie = true;
      rows.push(row);
    }
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

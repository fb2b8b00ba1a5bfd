/**
 * @file Subset files: Arrow IPC (file format), one per subset, with the columns
 *   id: utf8, subset: utf8, prompt: utf8 | list<struct<role: utf8, content: utf8>>,
 *   chosen, rejected: utf8 for pairwise subsets (+ optional tie: bool, a human "equally good"
 *   label), list<utf8> for the set metrics (best-of-n, style-matrix, rb2-ties); optional
 *   chosen_position: utf8 "A" | "B" | null on pairs whose data kept its A/B order (label imports),
 *   read only when asked (`rmbench data audit`), so a run reads the same rows with or without it.
 * Other columns are allowed and ignored. Reading validates every row and names the offending
 * file, row and column.
 */
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import {
  Bool,
  DataType,
  Field,
  List,
  RecordBatchReader,
  Struct,
  Table,
  Utf8,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type AsyncRecordBatchFileReader,
  type AsyncRecordBatchStreamReader,
  type RecordBatch,
  type Schema,
  type Vector,
} from 'apache-arrow';
import { UserError, ValidationError, errorMessage } from '../errors.js';
import { checkRegularFile, readRegularFile } from '../io.js';
import { DEFAULT_METRIC, metricOf } from '../metrics/registry.js';
import type { Metric } from '../metrics/types.js';
import { checkArrowLayout } from './arrow-layout.js';
import { isSetRow, type Message, type MetricKind, type PairRow, type Prompt, type Row, type SetRow } from './types.js';

export const ROW_COLUMNS = ['id', 'subset', 'prompt', 'chosen', 'rejected'] as const;
/** Rows per record batch in the files rmbench writes: readers stream a file batch by batch. */
export const ROWS_PER_BATCH = 512;
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
 * list only when some prompt is one; the tie column exists only when some pair has a tie label, the
 * chosen_position column only when some pair knows it (so files without them are byte for byte as before).
 */
export function rowsToArrow(rows: readonly Row[]): Uint8Array {
  const sets = rows.length > 0 && isSetRow(rows[0]!);
  if (rows.some((r) => isSetRow(r) !== sets)) throw new Error('rowsToArrow: pairs and sets cannot share a subset file');
  const conversational = rows.some((r) => typeof r.prompt !== 'string');
  const tieLabels = !sets && rows.some((r) => (r as PairRow).tie !== undefined);
  const positions = !sets && rows.some((r) => (r as PairRow).chosen_position !== undefined);
  const chunk = (part: readonly Row[]) => {
    const prompt = conversational
      ? vectorFromArray(
          part.map((r) => (typeof r.prompt === 'string' ? [{ role: 'user', content: r.prompt }] : r.prompt.map((m) => ({ role: m.role, content: m.content })))),
          MESSAGES_TYPE,
        )
      : vectorFromArray(part.map((r) => r.prompt as string), new Utf8());
    const utf8 = (get: (r: Row) => string) => vectorFromArray(part.map(get), new Utf8());
    const responses = (get: (r: Row) => string | readonly string[]) =>
      sets ? vectorFromArray(part.map((r) => [...(get(r) as readonly string[])]), STRINGS_TYPE) : utf8((r) => get(r) as string);
    return new Table({
      id: utf8((r) => r.id),
      subset: utf8((r) => r.subset),
      prompt,
      chosen: responses((r) => r.chosen),
      rejected: responses((r) => r.rejected),
      ...(tieLabels ? { tie: vectorFromArray(part.map((r) => (r as PairRow).tie === true), new Bool()) } : {}),
      ...(positions ? { chosen_position: vectorFromArray(part.map((r) => (r as PairRow).chosen_position ?? null), new Utf8()) } : {}),
    });
  };
  const tables: Table[] = [];
  for (let start = 0; start < Math.max(rows.length, 1); start += ROWS_PER_BATCH) tables.push(chunk(rows.slice(start, start + ROWS_PER_BATCH)));
  return tableToIPC(new Table(tables.flatMap((t) => t.batches)), 'file');
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

export interface ReadSubsetOptions {
  /** Expected value of the subset column in every row. */
  subset: string;
  metric?: MetricKind;
  /** Expected number of rows (from the manifest). */
  rows?: number;
  sha256?: string;
  /** Read the optional chosen_position column too (the audit's pick-by-position baseline). */
  positions?: boolean;
}

/** Streams the file through one reused buffer: hashing a large suite allocates nothing per chunk. */
async function sha256Of(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}

function readError(path: string, options: ReadSubsetOptions, err: unknown): UserError {
  return new UserError(`${path}: cannot read subset file "${options.subset}" (${(err as NodeJS.ErrnoException).code ?? err})`);
}

/**
 * apache-arrow's decoding errors on a file that passed checkArrowLayout: the values inside are
 * corrupt. Our own validation errors pass through.
 */
function corrupt(path: string, err: unknown): UserError {
  if (err instanceof UserError) return err;
  return new UserError(`${path}: corrupt Arrow IPC file (${errorMessage(err).replace(/\s+/g, ' ')})`);
}

/** Reads and validates one subset file; throws a UserError naming the file, row and column. */
export function readSubsetFile(path: string, options: ReadSubsetOptions): Row[] {
  const bytes = readRegularFile(path, `subset file "${options.subset}"`);
  if (options.sha256 !== undefined) checkSha256(path, sha256(bytes), options.sha256);
  checkArrowLayout(path, bytes.byteLength, (position, length) => bytes.subarray(position, position + length));
  try {
    return tableToRows(tableFromIPC(bytes), path, options);
  } catch (err) {
    throw corrupt(path, err);
  }
}

function checkSha256(path: string, actual: string, expected: string): void {
  if (actual !== expected) throw new UserError(`${path}: sha256 is ${actual}, the manifest expects ${expected} (file changed or corrupt; re-import it)`);
}

/**
 * Streams a subset file record batch by record batch (memory bounded by one batch), validating
 * as readSubsetFile does. The checksum is verified first, in a streaming pass of its own.
 */
export async function* streamSubsetFile(path: string, options: ReadSubsetOptions): AsyncGenerator<Row[]> {
  let handle: FileHandle;
  let size: number;
  checkRegularFile(path, `subset file "${options.subset}"`);
  try {
    handle = await open(path);
  } catch (err) {
    throw readError(path, options, err);
  }
  try {
    size = (await handle.stat()).size;
    if (options.sha256 !== undefined) checkSha256(path, await sha256Of(handle), options.sha256);
    checkArrowLayout(path, size, (position, length) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
      return buffer.subarray(0, readSync(handle.fd, buffer, 0, buffer.length, position));
    });
    let reader: AsyncRecordBatchFileReader | AsyncRecordBatchStreamReader;
    let rows: RowReader;
    try {
      reader = await RecordBatchReader.from(handle);
      await reader.open();
      rows = new RowReader(reader.schema, path, options);
    } catch (err) {
      throw corrupt(path, err);
    }
    const batches = reader[Symbol.asyncIterator]();
    for (;;) {
      let rowsOfBatch: Row[];
      try {
        const next = await batches.next();
        if (next.done) break;
        rowsOfBatch = rows.read(next.value);
      } catch (err) {
        throw corrupt(path, err);
      }
      yield rowsOfBatch;
    }
    rows.finish();
  } finally {
    await handle.close();
  }
}

export function tableToRows(table: Table, source: string, options: ReadSubsetOptions): Row[] {
  const reader = new RowReader(table.schema, source, options);
  const rows = table.batches.flatMap((batch) => reader.read(batch));
  reader.finish();
  return rows;
}

/**
 * Converts record batches of one subset file to rows, checking the schema once and every row
 * (ids unique across batches, row numbers counted across batches).
 */
class RowReader {
  private readonly metric: Metric;
  private readonly hasTie: boolean;
  private readonly hasPositions: boolean;
  private readonly firstRowOf = new Map<string, number>();
  private rowCount = 0;

  constructor(
    schema: Schema,
    private readonly source: string,
    private readonly options: ReadSubsetOptions,
  ) {
    this.metric = metricOf(options.metric ?? DEFAULT_METRIC);
    const sets = this.metric.rows === 'sets';
    const found = schema.fields.map((f) => f.name);
    const problems: string[] = [];
    const typeOf = (name: string) => schema.fields.find((f) => f.name === name)?.type;
    const expected: Record<(typeof ROW_COLUMNS)[number], [(t: DataType) => boolean, string]> = {
      id: [isString, 'utf8'],
      subset: [isString, 'utf8'],
      prompt: [(t) => isString(t) || isMessageList(t), 'utf8 or list<struct<role: utf8, content: utf8>>'],
      chosen: sets ? [isStringList, `list<utf8> (metric ${this.metric.kind})`] : [isString, 'utf8'],
      rejected: sets ? [isStringList, `list<utf8> (metric ${this.metric.kind})`] : [isString, 'utf8'],
    };
    for (const name of ROW_COLUMNS) {
      const type = typeOf(name);
      const [ok, description] = expected[name];
      if (type === undefined) problems.push(`column "${name}" missing (found: ${found.join(', ') || 'none'})`);
      else if (!ok(type)) problems.push(`column "${name}" has type ${String(type)}, expected ${description}`);
    }
    const tieType = typeOf('tie');
    this.hasTie = tieType !== undefined;
    if (tieType !== undefined && (sets || !DataType.isBool(tieType))) problems.push(`column "tie" has type ${String(tieType)}, expected bool (pairwise subsets only)`);
    const positionType = options.positions ? typeOf('chosen_position') : undefined;
    this.hasPositions = positionType !== undefined;
    if (positionType !== undefined && (sets || !isString(positionType))) problems.push(`column "chosen_position" has type ${String(positionType)}, expected utf8 (pairwise subsets only)`);
    if (problems.length) throw new ValidationError(source, problems);
  }

  read(batch: RecordBatch): Row[] {
    const metric = this.metric;
    const [ids, subsets, prompts, chosen, rejected] = ROW_COLUMNS.map((name) => batch.getChild(name)!) as [Vector, Vector, Vector, Vector, Vector];
    const tie = this.hasTie ? batch.getChild('tie')! : undefined;
    const positions = this.hasPositions ? batch.getChild('chosen_position')! : undefined;
    const problems: string[] = [];
    const rows: Row[] = [];
    for (let i = 0; i < batch.numRows && problems.length < MAX_LISTED_PROBLEMS; i++) {
      const rowNumber = this.rowCount + i;
      const at = `row ${rowNumber}`;
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
      if (subset !== this.options.subset) problems.push(`${at}, column "subset": "${subset}", expected "${this.options.subset}"`);
      const earlier = this.firstRowOf.get(id);
      if (earlier !== undefined) problems.push(`${at}, column "id": duplicate id "${id}" (also row ${earlier})`);
      else this.firstRowOf.set(id, rowNumber);
      if (id === '') problems.push(`${at}, column "id": empty`);
      const prompt = readPrompt(prompts, i, at, problems);
      if (metric.rows === 'sets') {
        const row: SetRow = { id, subset, prompt, chosen: texts(chosen, 'chosen'), rejected: texts(rejected, 'rejected') };
        const shape = metric.setRowProblem(row);
        if (shape) problems.push(`${at}: ${shape}`);
        rows.push(row);
      } else {
        const row: PairRow = { id, subset, prompt, chosen: text(chosen, 'chosen'), rejected: text(rejected, 'rejected') };
        if (tie?.get(i) === true) row.tie = true;
        const position = positions?.get(i) as string | null | undefined;
        if (position === 'A' || position === 'B') row.chosen_position = position;
        else if (position !== null && position !== undefined) problems.push(`${at}, column "chosen_position": "${position}", expected "A", "B" or null`);
        rows.push(row);
      }
    }
    if (problems.length) throw new ValidationError(this.source, problems);
    this.rowCount += batch.numRows;
    return rows;
  }

  /** Checks what can only be known at the end: emptiness and the row count. */
  finish(): void {
    if (this.rowCount === 0) throw new UserError(`${this.source}: subset "${this.options.subset}" is empty (0 rows)`);
    if (this.options.rows !== undefined && this.rowCount !== this.options.rows) {
      throw new UserError(`${this.source}: has ${this.rowCount} rows, the manifest expects ${this.options.rows}`);
    }
  }
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

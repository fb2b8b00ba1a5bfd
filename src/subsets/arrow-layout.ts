/**
 * @file A bounds check of an Arrow IPC file's structure, run before apache-arrow decodes it.
 *
 * apache-arrow trusts the file: a flipped byte in a length or offset sends its reader into an
 * endless loop (a negative metadata length moves the read position backwards), a loop over two
 * billion fields, or a read past the end. So the file's skeleton is verified first: the magic
 * strings, the footer, every flatbuffer table, vector and string the decoder will follow (each
 * inside its buffer, so every loop of the decoder is bounded by the file's size), and every
 * record batch's block, metadata prefix, body buffers and lengths. What passes can still hold
 * wrong values, which the row validation of arrow.ts then reports; what fails is refused in one
 * line naming the byte offset.
 * Layouts: https://arrow.apache.org/docs/format/Columnar.html#ipc-file-format and the Arrow
 * flatbuffer schemas (File.fbs, Message.fbs, Schema.fbs), whose field slots are used below.
 */
import { UserError } from '../errors.js';

const MAGIC = 'ARROW1';
/** Leading magic + padding; trailing footer length + magic. */
const HEAD = 8;
const TAIL = 4 + MAGIC.length;
const CONTINUATION = -1;
/** Deeper nesting than any real schema; a cycle of child offsets stops here. */
const MAX_FIELD_DEPTH = 64;
const BLOCK_SIZE = 24;
const FIELD_NODE_SIZE = 16;
const BUFFER_SIZE = 16;
const MESSAGE_HEADER = { dictionaryBatch: 2, recordBatch: 3 } as const;

/** Reads `length` bytes at `position` of the file (fewer at its end). */
export type ReadAt = (position: number, length: number) => Uint8Array;

class Corrupt extends Error {}

/** Bounds-checked reading of one flatbuffer (the footer or a message's metadata). */
class FlatBuffer {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(position: number, size: number): void {
    if (!(position >= 0 && position + size <= this.bytes.byteLength)) throw new Corrupt(`${this.what}: offset ${position} (+${size}) outside its ${this.bytes.byteLength} bytes`);
  }

  u16(position: number): number {
    this.need(position, 2);
    return this.view.getUint16(position, true);
  }

  i32(position: number): number {
    this.need(position, 4);
    return this.view.getInt32(position, true);
  }

  i64(position: number): number {
    this.need(position, 8);
    const value = this.view.getBigInt64(position, true);
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Corrupt(`${this.what}: value ${value} at offset ${position} out of range`);
    return Number(value);
  }

  /** The root table's position. */
  root(): number {
    return this.table(0);
  }

  /** Follows the offset at `position` to a table and checks its vtable; returns the table's position. */
  table(position: number): number {
    const table = position + this.i32(position);
    const vtable = table - this.i32(table);
    const vtableSize = this.u16(vtable);
    const tableSize = this.u16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) throw new Corrupt(`${this.what}: bad vtable at offset ${vtable}`);
    this.need(vtable, vtableSize);
    this.need(table, Math.max(tableSize, 4));
    for (let slot = 4; slot < vtableSize; slot += 2) {
      if (this.u16(vtable + slot) >= Math.max(tableSize, 4)) throw new Corrupt(`${this.what}: field outside its table at offset ${table}`);
    }
    return table;
  }

  /** Position of field `slot` of the table at `table`, or undefined when absent. */
  field(table: number, slot: number): number | undefined {
    const vtable = table - this.i32(table);
    const entry = 4 + 2 * slot;
    if (entry >= this.u16(vtable)) return undefined;
    const offset = this.u16(vtable + entry);
    return offset === 0 ? undefined : table + offset;
  }

  /** The child table in field `slot`, if present. */
  child(table: number, slot: number): number | undefined {
    const at = this.field(table, slot);
    return at === undefined ? undefined : this.table(at);
  }

  /** Checks the vector in field `slot` (elements of `elementSize` bytes); returns its start and length. */
  vector(table: number, slot: number, elementSize: number): { start: number; length: number } {
    const at = this.field(table, slot);
    if (at === undefined) return { start: 0, length: 0 };
    const vector = at + this.i32(at);
    const length = this.i32(vector);
    if (length < 0) throw new Corrupt(`${this.what}: negative vector length at offset ${vector}`);
    this.need(vector + 4, length * elementSize);
    return { start: vector + 4, length };
  }

  /** Checks a vector of tables and each table in it. */
  tables(table: number, slot: number): number[] {
    const { start, length } = this.vector(table, slot, 4);
    return Array.from({ length }, (_, i) => this.table(start + 4 * i));
  }

  string(table: number, slot: number): void {
    this.vector(table, slot, 1);
  }
}

/** KeyValue tables: key (0), value (1). */
function checkCustomMetadata(fb: FlatBuffer, table: number, slot: number): void {
  for (const kv of fb.tables(table, slot)) {
    fb.string(kv, 0);
    fb.string(kv, 1);
  }
}

/** Field: name (0), type (3, a union table), dictionary (4), children (5), custom_metadata (6). */
function checkField(fb: FlatBuffer, field: number, depth: number): void {
  if (depth > MAX_FIELD_DEPTH) throw new Corrupt(`schema: fields nested deeper than ${MAX_FIELD_DEPTH}`);
  fb.string(field, 0);
  fb.child(field, 3);
  const dictionary = fb.child(field, 4);
  if (dictionary !== undefined) fb.child(dictionary, 1); // its index type (Int)
  for (const child of fb.tables(field, 5)) checkField(fb, child, depth + 1);
  checkCustomMetadata(fb, field, 6);
}

/** Schema: fields (1), custom_metadata (2), features (3). */
function checkSchema(fb: FlatBuffer, schema: number): void {
  for (const field of fb.tables(schema, 1)) checkField(fb, field, 1);
  checkCustomMetadata(fb, schema, 2);
  fb.vector(schema, 3, 8);
}

interface Block {
  offset: number;
  metadataLength: number;
  bodyLength: number;
}

/** Footer: schema (1), dictionaries (2) and recordBatches (3) as Block structs, custom_metadata (4). */
function readFooter(fb: FlatBuffer): { dictionaries: Block[]; recordBatches: Block[] } {
  const footer = fb.root();
  const schema = fb.child(footer, 1);
  if (schema === undefined) throw new Corrupt('footer: no schema');
  checkSchema(fb, schema);
  checkCustomMetadata(fb, footer, 4);
  const blocks = (slot: number): Block[] => {
    const { start, length } = fb.vector(footer, slot, BLOCK_SIZE);
    return Array.from({ length }, (_, i) => {
      const at = start + BLOCK_SIZE * i;
      return { offset: fb.i64(at), metadataLength: fb.i32(at + 8), bodyLength: fb.i64(at + 16) };
    });
  };
  return { dictionaries: blocks(2), recordBatches: blocks(3) };
}

/** RecordBatch: length (0), nodes (1), buffers (2), compression (3), variadicBufferCounts (4). */
function checkRecordBatch(fb: FlatBuffer, batch: number, bodyLength: number, at: string): void {
  // No value takes less than a bit, so nothing real is longer than the body has bits.
  const maxLength = bodyLength * 8;
  const length = fb.field(batch, 0) === undefined ? 0 : fb.i64(fb.field(batch, 0)!);
  if (length > maxLength) throw new Corrupt(`${at}: ${length} rows cannot fit in a ${bodyLength}-byte body`);
  const nodes = fb.vector(batch, 1, FIELD_NODE_SIZE);
  for (let i = 0; i < nodes.length; i++) {
    const nodeLength = fb.i64(nodes.start + FIELD_NODE_SIZE * i);
    const nullCount = fb.i64(nodes.start + FIELD_NODE_SIZE * i + 8);
    if (nodeLength > maxLength || nullCount > nodeLength) throw new Corrupt(`${at}: column node ${i} has length ${nodeLength} and null count ${nullCount}`);
  }
  const buffers = fb.vector(batch, 2, BUFFER_SIZE);
  for (let i = 0; i < buffers.length; i++) {
    const offset = fb.i64(buffers.start + BUFFER_SIZE * i);
    const size = fb.i64(buffers.start + BUFFER_SIZE * i + 8);
    if (offset + size > bodyLength) throw new Corrupt(`${at}: buffer ${i} (offset ${offset}, ${size} bytes) outside its ${bodyLength}-byte body`);
  }
  fb.child(batch, 3);
  fb.vector(batch, 4, 8);
}

/**
 * A message at a block: continuation marker, metadata length (the block's, less the prefix),
 * then Message: header_type (1), header (2), bodyLength (3), custom_metadata (4).
 */
function checkMessage(readAt: ReadAt, block: Block, kind: 'recordBatch' | 'dictionaryBatch', bodyEnd: number, index: number): void {
  const at = `${kind === 'recordBatch' ? 'record batch' : 'dictionary batch'} ${index} (byte ${block.offset})`;
  if (block.offset < HEAD || block.offset % 8 !== 0 || block.metadataLength < 8 || block.offset + block.metadataLength + block.bodyLength > bodyEnd) {
    throw new Corrupt(`${at}: block (metadata ${block.metadataLength} bytes, body ${block.bodyLength}) outside the file's data`);
  }
  const prefix = new FlatBuffer(readAt(block.offset, 8), at);
  const continued = prefix.i32(0) === CONTINUATION;
  const prefixSize = continued ? 8 : 4;
  const metadataSize = prefix.i32(continued ? 4 : 0);
  if (metadataSize <= 0 || prefixSize + metadataSize !== block.metadataLength) {
    throw new Corrupt(`${at}: metadata length ${metadataSize} does not match its block's ${block.metadataLength}`);
  }
  const fb = new FlatBuffer(readAt(block.offset + prefixSize, metadataSize), `${at} metadata`);
  const message = fb.root();
  const headerType = fb.field(message, 1) === undefined ? 0 : fb.bytes[fb.field(message, 1)!];
  if (headerType !== MESSAGE_HEADER[kind]) throw new Corrupt(`${at}: message type ${headerType}, expected ${MESSAGE_HEADER[kind]}`);
  const bodyLength = fb.field(message, 3) === undefined ? 0 : fb.i64(fb.field(message, 3)!);
  if (bodyLength !== block.bodyLength) throw new Corrupt(`${at}: body length ${bodyLength} does not match its block's ${block.bodyLength}`);
  checkCustomMetadata(fb, message, 4);
  const header = fb.child(message, 2);
  if (header === undefined) throw new Corrupt(`${at}: no header`);
  // DictionaryBatch: id (0), data (1, a RecordBatch).
  const batch = kind === 'recordBatch' ? header : fb.child(header, 1);
  if (batch === undefined) throw new Corrupt(`${at}: no data`);
  checkRecordBatch(fb, batch, bodyLength, at);
}

/**
 * Verifies the structure of an Arrow IPC file of `size` bytes; throws a one-line UserError naming
 * `source` and what is wrong where. Reads only the footer and the messages' metadata.
 */
export function checkArrowLayout(source: string, size: number, readAt: ReadAt): void {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (size < HEAD + TAIL || text(readAt(0, MAGIC.length)) !== MAGIC || text(readAt(size - MAGIC.length, MAGIC.length)) !== MAGIC) {
    throw new UserError(`${source}: not an Arrow IPC file (no "${MAGIC}" magic at both ends: truncated, or not the IPC file format)`);
  }
  try {
    const footerLength = new FlatBuffer(readAt(size - TAIL, 4), 'footer length').i32(0);
    const footerStart = size - TAIL - footerLength;
    if (footerLength <= 0 || footerStart < HEAD) throw new Corrupt(`footer length ${footerLength} does not fit in ${size} bytes`);
    const { dictionaries, recordBatches } = readFooter(new FlatBuffer(readAt(footerStart, footerLength), 'footer'));
    dictionaries.forEach((block, i) => checkMessage(readAt, block, 'dictionaryBatch', footerStart, i));
    recordBatches.forEach((block, i) => checkMessage(readAt, block, 'recordBatch', footerStart, i));
  } catch (err) {
    if (err instanceof Corrupt) throw new UserError(`${source}: corrupt Arrow IPC file: ${err.message}`);
    throw err;
  }
}

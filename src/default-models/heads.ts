/**
 * @file The trained head weights of the four USE Lite reward models, as committed under
 * assets/use-lite-heads/ (shipped in the package): `<model>.json` (metadata, tensor names, shapes and offsets) beside
 * `<model>.bin` (the float32 values, little-endian, concatenated).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The same two levels up from src/default-models (tsx) and dist/default-models (the package). */
export const HEADS_DIR = resolve(import.meta.dirname, '..', '..', 'assets', 'use-lite-heads');

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 values into the .bin file. */
  offset: number;
}

export interface HeadFile<M = Record<string, unknown>> {
  model: string;
  meta: M;
  tensors: TensorEntry[];
}

export interface LoadedHead<M = Record<string, unknown>> {
  model: string;
  meta: M;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

export function saveHead(model: string, meta: Record<string, unknown>, tensors: Record<string, { shape: number[]; data: Float32Array }>, dir = HEADS_DIR): void {
  mkdirSync(dir, { recursive: true });
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`${model}/${name}: shape ${JSON.stringify(t.shape)} needs ${n} values, has ${t.data.length}`);
    entries.push({ name, shape: t.shape, offset });
    offset += n;
  }
  const all = new Float32Array(offset);
  for (const [i, t] of Object.values(tensors).entries()) all.set(t.data, entries[i]!.offset);
  writeFileSync(join(dir, `${model}.bin`), new Uint8Array(all.buffer));
  const file: HeadFile = { model, meta, tensors: entries };
  writeFileSync(join(dir, `${model}.json`), `${JSON.stringify(file, null, 2)}\n`);
}

export function loadHead<M = Record<string, unknown>>(model: string, dir = HEADS_DIR): LoadedHead<M> {
  const file = JSON.parse(readFileSync(join(dir, `${model}.json`), 'utf8')) as HeadFile<M>;
  const buf = readFileSync(join(dir, `${model}.bin`));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const e of file.tensors) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset + n > all.length) throw new Error(`${model}.bin is too short for ${e.name}`);
    tensors.set(e.name, { shape: e.shape, data: all.subarray(e.offset, e.offset + n) });
  }
  return { model: file.model, meta: file.meta, tensors };
}

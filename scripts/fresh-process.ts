/**
 * @file Runs a piece of ES module code in a fresh plain-node process over the compiled package
 * (dist/, built by `npm run build`) and returns the JSON it writes to stdout. The measuring scripts
 * use it so that each measurement starts as a user's `rmbench run` does: no JIT, heap or ONNX
 * Runtime state carried over from another measurement, and none of tsx's loader in the heap.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The file URL of a compiled module, e.g. distModule('bench/run.js'). */
export function distModule(path: string): string {
  return pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', path)).href;
}

/**
 * Runs `code` (an ES module that reads its input as JSON.parse(process.argv[1]) and writes one JSON
 * value to stdout) in a fresh node process started with `nodeFlags`; stderr passes through.
 */
export function runFresh<T>(what: string, code: string, input: unknown, nodeFlags: readonly string[] = []): T {
  const child = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', code, JSON.stringify(input)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`${what} failed (exit ${child.status}${child.signal ? `, ${child.signal}` : ''})`);
  return JSON.parse(child.stdout) as T;
}

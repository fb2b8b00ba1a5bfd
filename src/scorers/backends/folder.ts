/**
 * @file `--tokenizer DIR` for remote engines: the model folder contract without the ONNX graph
 * (config.json with its optional rmbench block, tokenizer.json, tokenizer_config.json). The graph
 * lives on the server, so the folder's `onnxPath` is the server URL, which every message about the
 * graph (inputs, outputs, shapes) then names.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError, ValidationError } from '../../errors.js';
import { RmbenchBlockSchema, readJson, type ModelFolder } from '../model-folder.js';

const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

/**
 * Reads a tokenizer folder for a remote model. `graphUrl` stands for the ONNX file in messages;
 * `name` is the served model's name.
 */
export function readTokenizerFolder(dir: string, graphUrl: string, name: string): ModelFolder {
  const path = resolve(dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new UserError(`--tokenizer ${path}: folder not found (expected config.json, tokenizer.json, tokenizer_config.json)`);
  }
  const missing = FILES.filter((f) => !existsSync(join(path, f)));
  if (missing.length) throw new UserError(`--tokenizer ${path}: missing ${missing.join(', ')} (a model folder without onnx/ is enough)`);
  const config = readJson(join(path, 'config.json'));
  const parsed = RmbenchBlockSchema.safeParse(config.rmbench ?? {});
  if (!parsed.success) {
    throw new ValidationError(join(path, 'config.json'), parsed.error.issues.map((i) => `rmbench.${i.path.join('.')}: ${i.message}`));
  }
  return {
    path,
    name,
    config,
    tokenizerConfig: readJson(join(path, 'tokenizer_config.json')),
    rmbench: parsed.data,
    dtype: 'fp32',
    // In the cache key through the runner's config: the served name, never the URL (a restarted
    // server on another port, or another replica, keeps the cache).
    onnxFile: `remote:${name}`,
    onnxPath: graphUrl,
  };
}

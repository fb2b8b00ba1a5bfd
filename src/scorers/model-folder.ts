/**
 * @file The model folder contract. A folder holds
 *   config.json            (model_type; optional "rmbench" block, below)
 *   tokenizer.json         (Hugging Face tokenizers format)
 *   tokenizer_config.json  (pad_token, chat_template, model_max_length, padding/truncation side)
 *   onnx/model.onnx        (or the file the rmbench block names)
 * The rmbench block says how to run the model so that no model needs code changes.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError, ValidationError } from '../errors.js';
import { TEXT_FORMATS } from './format.js';

export const SCORER_KINDS = ['bradley-terry'] as const;
export type ScorerKind = (typeof SCORER_KINDS)[number];

export const RmbenchBlockSchema = z
  .object({
    scorer: z.enum(SCORER_KINDS).default('bradley-terry'),
    onnx_file: z.string().default('onnx/model.onnx'),
    /** Output tensor holding the reward: [batch] or [batch, k]. */
    output: z.string().default('logits'),
    /** Column of a [batch, k] output that is the reward. */
    score_index: z.number().int().nonnegative().default(0),
    max_length: z.number().int().positive().optional(),
    /** "left" drops the start of a long text and keeps the response at its end. */
    truncation_side: z.enum(['left', 'right']).optional(),
    padding_side: z.enum(['left', 'right']).optional(),
    text_format: z.enum(TEXT_FORMATS).optional(),
  })
  .strict();
export type RmbenchBlock = z.infer<typeof RmbenchBlockSchema>;

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

export interface ModelFolder {
  path: string;
  name: string;
  config: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  rmbench: RmbenchBlock;
  onnxPath: string;
}

function readJson(path: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${path}: not a valid JSON object (${(err as Error).message})`);
  }
}

/** Reads and validates a model folder; every missing file is listed at once. */
export function readModelFolder(dir: string): ModelFolder {
  const path = resolve(dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new UserError(`${path}: model folder not found (expected a folder with config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx, or the baseline "length")`);
  }
  const missing = REQUIRED_FILES.filter((f) => !existsSync(join(path, f)));
  const config = existsSync(join(path, 'config.json')) ? readJson(join(path, 'config.json')) : {};
  const parsed = RmbenchBlockSchema.safeParse(config.rmbench ?? {});
  if (!parsed.success) {
    throw new ValidationError(join(path, 'config.json'), parsed.error.issues.map((i) => `rmbench.${i.path.join('.')}: ${i.message}`));
  }
  const onnxPath = join(path, parsed.data.onnx_file);
  if (!existsSync(onnxPath)) missing.push(parsed.data.onnx_file as never);
  if (missing.length) throw new UserError(`${path}: model folder is missing ${missing.join(', ')}`);
  return {
    path,
    name: basename(path),
    config,
    tokenizerConfig: readJson(join(path, 'tokenizer_config.json')),
    rmbench: parsed.data,
    onnxPath,
  };
}

/** sha256 of the ONNX file and its external data files, streamed (models can be many GB). */
export async function hashModelFiles(folder: ModelFolder): Promise<string> {
  const hash = createHash('sha256');
  const files = [folder.onnxPath, `${folder.onnxPath}_data`, `${folder.onnxPath}.data`].filter((f) => existsSync(f));
  for (const file of files) {
    await new Promise<void>((done, fail) => {
      createReadStream(file)
        .on('data', (chunk) => hash.update(chunk))
        .on('end', done)
        .on('error', fail);
    });
  }
  return hash.digest('hex');
}

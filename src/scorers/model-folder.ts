/**
 * @file The model folder contract. A folder holds
 *   config.json            (model_type; optional "rmbench" block, below)
 *   tokenizer.json         (Hugging Face tokenizers format)
 *   tokenizer_config.json  (pad_token, chat_template, model_max_length, padding/truncation side)
 *   onnx/model.onnx        (or the file the rmbench block names; model_fp16.onnx and
 *                           model_quantized.onnx beside it are the fp16 and q8 variants)
 * The rmbench block says how to run the model so that no model needs code changes; its
 * kind-specific fields (outputs, objectives, transform, tau...) are checked against the kind.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError, ValidationError } from '../errors.js';
import { TEXT_FORMATS } from './format.js';
import { JUDGE_MODES } from '../judge/prompts.js';

export const SCORER_KINDS = ['bradley-terry', 'armorm', 'gpm', 'dpo', 'judge', 'pairwise'] as const;
export type ScorerKind = (typeof SCORER_KINDS)[number];

/** Weight variants, named as transformers.js and optimum name the files. */
export const DTYPES = ['fp32', 'fp16', 'q8'] as const;
export type Dtype = (typeof DTYPES)[number];
const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

/** The outputs each kind reads, by role, with their default names. */
export const KIND_OUTPUTS = {
  'bradley-terry': { score: 'logits' },
  armorm: { rewards: 'rewards', gating: 'gating_output', score: 'score' },
  gpm: { embedding: 'embedding', lambda: 'lambda' },
  dpo: { policy_logprob: 'policy_logprob', policy_tokens: 'policy_tokens', reference_logprob: 'reference_logprob', truncation: 'truncation' },
  judge: { verdict: 'verdict', rating: 'rating', valid: 'valid', prompt_tokens: 'prompt_tokens', completion_tokens: 'completion_tokens' },
  pairwise: { logit: 'logits' },
} as const satisfies Record<ScorerKind, Record<string, string>>;

/** Fields that only some kinds read; anything else applies to every kind. */
const KIND_FIELDS: Record<string, readonly ScorerKind[]> = {
  output: ['bradley-terry', 'pairwise'],
  score_index: ['bradley-terry', 'pairwise'],
  outputs: ['armorm', 'gpm'],
  objectives: ['armorm'],
  transform: ['armorm'],
  verbosity_penalties: ['armorm'],
  verbosity_objective: ['armorm'],
  tau: ['gpm'],
  reference: ['dpo'],
  beta: ['dpo'],
  reference_free: ['dpo'],
  judge_mode: ['judge'],
  judge_orders: ['judge'],
  price_in: ['judge'],
  price_out: ['judge'],
  pair_template: ['pairwise'],
};

export const RmbenchBlockSchema = z
  .object({
    scorer: z.enum(SCORER_KINDS).default('bradley-terry'),
    onnx_file: z.string().default('onnx/model.onnx'),
    /** Bradley-Terry: output tensor holding the reward, [batch] or [batch, k] (default "logits"); pairwise: the logit that A is better. */
    output: z.string().optional(),
    /** Bradley-Terry: column of a [batch, k] output that is the reward. */
    score_index: z.number().int().nonnegative().default(0),
    /** ArmoRM and GPM: output names by role (ArmoRM: rewards, gating, score; GPM: embedding, lambda). */
    outputs: z
      .object({ rewards: z.string(), gating: z.string(), score: z.string(), embedding: z.string(), lambda: z.string() })
      .partial()
      .strict()
      .optional(),
    /** ArmoRM: one name per objective (default objective_0 ...). */
    objectives: z.array(z.string().min(1)).min(1).optional(),
    /** ArmoRM: k x k matrix M, adjusted rewards = r M, i.e. transform[j][k] weighs raw objective j in objective k. */
    transform: z.array(z.array(z.number())).optional(),
    /** ArmoRM: per-objective verbosity penalty c_k: adjusted r_k = r_k - c_k * r_verbosity. */
    verbosity_penalties: z.array(z.number()).optional(),
    /** ArmoRM: the verbosity objective, by index or by name in `objectives`. */
    verbosity_objective: z.union([z.number().int().nonnegative(), z.string()]).optional(),
    /** GPM: temperature of P(a beats b) = sigmoid(s(a, b) / tau) (default 0.1). */
    tau: z.number().positive().optional(),
    /** DPO: the reference model's folder, relative to this folder. */
    reference: z.string().min(1).optional(),
    /** DPO: beta of the implicit reward beta * (log pi - log pi_ref) (default 0.1). */
    beta: z.number().positive().optional(),
    /** DPO without a reference: the response's summed log-prob ("sum") or its per-token mean ("avg"). */
    reference_free: z.enum(['sum', 'avg']).optional(),
    /** Judge (set from the run's --judge* flags; a chat judge has no model folder): the mode and, pairwise, the orders judged. */
    judge_mode: z.enum(JUDGE_MODES).optional(),
    judge_orders: z.union([z.literal(1), z.literal(2)]).optional(),
    /** Judge: USD per million prompt / completion tokens (--price-in, --price-out). */
    price_in: z.number().nonnegative().optional(),
    price_out: z.number().nonnegative().optional(),
    /** Pairwise: the Jinja template of the one text the graph reads (variables question, response_a, response_b). */
    pair_template: z.string().min(1).optional(),
    max_length: z.number().int().positive().optional(),
    /** "left" drops the start of a long text and keeps the response at its end. */
    truncation_side: z.enum(['left', 'right']).optional(),
    padding_side: z.enum(['left', 'right']).optional(),
    text_format: z.enum(TEXT_FORMATS).optional(),
    /** Add the tokenizer's own special tokens (default: true for "plain", false for "chat_template"). */
    add_special_tokens: z.boolean().optional(),
  })
  .strict()
  .superRefine((block, ctx) => {
    for (const [field, kinds] of Object.entries(KIND_FIELDS)) {
      const value = (block as Record<string, unknown>)[field];
      if (value === undefined || (field === 'score_index' && value === 0) || kinds.includes(block.scorer)) continue;
      ctx.addIssue({ code: 'custom', path: [field], message: `applies to scorer ${kinds.map((k) => `"${k}"`).join(', ')} only (this block's scorer is "${block.scorer}")` });
    }
    const roles = Object.keys(KIND_OUTPUTS[block.scorer]);
    for (const role of Object.keys(block.outputs ?? {})) {
      if (!roles.includes(role)) ctx.addIssue({ code: 'custom', path: ['outputs', role], message: `scorer "${block.scorer}" reads outputs ${roles.join(', ')}` });
    }
    if (block.scorer === 'pairwise' && block.pair_template === undefined) {
      ctx.addIssue({ code: 'custom', path: ['pair_template'], message: 'needed with scorer "pairwise" (the Jinja template of the text holding question, response_a and response_b)' });
    }
    if (block.transform && block.verbosity_penalties) {
      ctx.addIssue({ code: 'custom', path: ['transform'], message: 'give either transform or verbosity_penalties, not both' });
    }
    if (block.verbosity_penalties && block.verbosity_objective === undefined) {
      ctx.addIssue({ code: 'custom', path: ['verbosity_objective'], message: 'needed with verbosity_penalties (the index or name of the verbosity objective)' });
    }
  });
export type RmbenchBlock = z.infer<typeof RmbenchBlockSchema>;

/** Output name per role for the block's kind: the block's names over the defaults. */
export function outputNames(block: RmbenchBlock): Record<string, string> {
  const names: Record<string, string> = { ...KIND_OUTPUTS[block.scorer] };
  if (block.scorer === 'bradley-terry') names.score = block.output ?? names.score!;
  else if (block.scorer === 'pairwise') names.logit = block.output ?? names.logit!;
  else Object.assign(names, block.outputs);
  return names;
}

export function parseDtype(value: string): Dtype {
  if ((DTYPES as readonly string[]).includes(value)) return value as Dtype;
  throw new UserError(`unknown dtype "${value}" (expected one of: ${DTYPES.join(', ')})`);
}

/** The file of each dtype variant, relative to the folder: onnx/model.onnx -> onnx/model_fp16.onnx ... */
export function variantFiles(onnxFile: string): Record<Dtype, string> {
  const stem = onnxFile.endsWith('.onnx') ? onnxFile.slice(0, -'.onnx'.length) : onnxFile;
  return Object.fromEntries(DTYPES.map((d) => [d, d === 'fp32' ? onnxFile : `${stem}${DTYPE_SUFFIX[d]}.onnx`])) as Record<Dtype, string>;
}

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

export interface ModelFolder {
  path: string;
  name: string;
  config: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  rmbench: RmbenchBlock;
  /** The weight variant in use, and its graph (absolute). */
  dtype: Dtype;
  onnxFile: string;
  onnxPath: string;
}

export interface ReadModelFolderOptions {
  /** Which variant to load (default fp32: rmbench.onnx_file itself). */
  dtype?: Dtype;
}

/** A JSON object from a file, or a UserError naming the file. */
export function readJson(path: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${path}: not a valid JSON object (${(err as Error).message})`);
  }
}

/** Reads and validates a model folder; every missing file is listed at once. */
export function readModelFolder(dir: string, options: ReadModelFolderOptions = {}): ModelFolder {
  const path = resolve(dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new UserError(`${path}: model folder not found (expected a folder with config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx, or the baseline "length")`);
  }
  const missing: string[] = REQUIRED_FILES.filter((f) => !existsSync(join(path, f)));
  const config = existsSync(join(path, 'config.json')) ? readJson(join(path, 'config.json')) : {};
  const parsed = RmbenchBlockSchema.safeParse(config.rmbench ?? {});
  if (!parsed.success) {
    throw new ValidationError(join(path, 'config.json'), parsed.error.issues.map((i) => `rmbench.${i.path.join('.')}: ${i.message}`));
  }
  const dtype = options.dtype ?? 'fp32';
  const variants = variantFiles(parsed.data.onnx_file);
  const onnxFile = variants[dtype];
  if (!existsSync(join(path, onnxFile))) {
    if (dtype === 'fp32') {
      missing.push(onnxFile);
    } else {
      const present = DTYPES.filter((d) => existsSync(join(path, variants[d]))).map((d) => `${variants[d]} (${d})`);
      throw new UserError(`${path}: dtype "${dtype}" needs ${onnxFile}, which is not there (present: ${present.join(', ') || 'none'})`);
    }
  }
  if (missing.length) throw new UserError(`${path}: model folder is missing ${missing.join(', ')}`);
  return {
    path,
    name: basename(path),
    config,
    tokenizerConfig: readJson(join(path, 'tokenizer_config.json')),
    rmbench: parsed.data,
    dtype,
    onnxFile,
    onnxPath: join(path, onnxFile),
  };
}

/** External data files of a graph, as exporters name them (model.onnx_data, model.onnx.data). */
export function externalDataFiles(onnxPath: string): string[] {
  return [`${onnxPath}_data`, `${onnxPath}.data`].filter((f) => existsSync(f));
}

/**
 * The version of rmbench's text -> tokens logic (src/scorers/tokenize.ts: windows, truncation, BOS
 * handling), part of the score cache's model key: bump it whenever that logic changes, so no cached
 * score outlives it. 2: windows count only when cut at whitespace. (Kept here, not in tokenize.ts:
 * importing that module from here loaded transformers.js earlier in a run, which made tokenising
 * RewardBench v1 1.75x slower and raised peak memory by 170 MB, measured on use-lite-bt.)
 */
export const TOKENIZATION_VERSION = 2;

/** The files that decide how a text becomes tokens (transformers.js reads them), where present. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;

/**
 * sha256 over the tokenizer files present, each with its name, and rmbench's own text -> tokens
 * logic version: the score cache's key, so an edited tokenizer never gets old scores.
 */
export function hashTokenizerFiles(dir: string): string {
  const hash = createHash('sha256').update(`rmbench tokenization ${TOKENIZATION_VERSION}\n`);
  for (const name of TOKENIZER_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) hash.update(`${name}\n`).update(readFileSync(path)).update('\n');
  }
  return hash.digest('hex');
}

/** sha256 of the ONNX file and its external data files, streamed (models can be many GB). */
export async function hashModelFiles(folder: ModelFolder): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [folder.onnxPath, ...externalDataFiles(folder.onnxPath)]) {
    await new Promise<void>((done, fail) => {
      createReadStream(file)
        .on('data', (chunk) => hash.update(chunk))
        .on('end', done)
        .on('error', fail);
    });
  }
  return hash.digest('hex');
}

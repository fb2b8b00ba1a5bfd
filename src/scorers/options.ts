/**
 * @file The scorer options, parsed once against the chosen backend. Every option belongs to the
 * backends that use it (a backend file lists its own); giving one to a backend that does not use
 * it (--dtype to a vLLM URL, --concurrency to a local folder) is a one-line user error naming the
 * flag, so nothing is silently ignored.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { DTYPES } from './model-folder.js';
import { DEVICES } from './devices.js';
import { JUDGE_MODES } from '../judge/prompts.js';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** Every scorer option, with its type and range. */
export const ScorerOptionsSchema = z.object({
  /** Weight variant: fp32 (onnx/model.onnx), fp16 (model_fp16.onnx), q8 (model_quantized.onnx). */
  dtype: z.enum(DTYPES).optional(),
  /** ONNX Runtime execution provider (falls back to cpu). */
  device: z.enum(DEVICES).optional(),
  /** ONNX Runtime intra-op threads. */
  threads: positiveInt.optional(),
  /** Padded tokens per batch (default 4096), for backends that tokenise and pad. */
  tokenBudget: positiveInt.optional(),
  /** Fixed-size batches in input order instead of the token budget (benchmarks compare them). */
  batchSize: positiveInt.optional(),
  /**
   * A folder with config.json, tokenizer.json and tokenizer_config.json (a model folder without
   * onnx/): rmbench formats (and for KServe tokenises) texts with it, and its config.json rmbench
   * block gives the kind and its settings.
   */
  tokenizer: z.string().min(1).optional(),
  /** Requests in flight at once (default 4). */
  concurrency: positiveInt.optional(),
  /** Per request attempt, in milliseconds (default 120000). */
  requestTimeoutMs: positiveInt.optional(),
  /** Retries of a request after a 429, a 5xx, a timeout or a connection error (default 4). */
  retries: nonNegativeInt.optional(),
  /** First retry delay in milliseconds, doubling each retry (default 500). */
  retryBackoffMs: nonNegativeInt.optional(),
  /** vLLM: send each conversation as `messages` and let the server apply its own chat template. */
  serverTemplate: z.boolean().optional(),
  /** DPO: the reference model's folder. */
  reference: z.string().min(1).optional(),
  /** DPO: beta of the implicit reward (default 0.1). */
  beta: z.number().positive().optional(),
  /** DPO without a reference: the summed log-prob or its per-token mean. */
  referenceFree: z.enum(['sum', 'avg']).optional(),
  /** Bearer token for the server (default: $RMBENCH_API_KEY); never recorded in results. */
  apiKey: z.string().optional(),
  /** Chat judges: pairwise (the judge names the better of two responses, default) or rating (it rates one). */
  judge: z.enum(JUDGE_MODES).optional(),
  /** Chat judges: a JSON file {"system"?: Jinja, "user": Jinja} replacing the MT-Bench prompt. */
  judgeTemplate: z.string().min(1).optional(),
  /** Pairwise judges: 2 (both orders, default) or 1 (one order, the chosen response's place seeded per pair). */
  judgeOrders: z.union([z.literal(1), z.literal(2)]).optional(),
  /** Chat judges: the environment variable holding the API key (default OPENAI_API_KEY); never recorded. */
  apiKeyEnv: z.string().min(1).optional(),
  /** Chat judges: completion tokens per answer (default 2048). */
  maxTokens: positiveInt.optional(),
  /** Chat judges: sampling temperature (default 0). */
  temperature: z.number().min(0).max(2).optional(),
  /** Chat judges: USD per million prompt / completion tokens, for results.judge.cost_usd. */
  priceIn: z.number().nonnegative().optional(),
  priceOut: z.number().nonnegative().optional(),
  /** Chat judges: count the requests a run would send and estimate their prompt tokens; send none. */
  dryRun: z.boolean().optional(),
});
export type ScorerOptions = z.infer<typeof ScorerOptionsSchema>;
export type ScorerOption = keyof ScorerOptions;

/** How each option is spelled on the command line. */
export const OPTION_FLAGS: Record<ScorerOption, string> = {
  dtype: '--dtype',
  device: '--device',
  threads: '--threads',
  tokenBudget: '--token-budget',
  batchSize: '--batch-size',
  tokenizer: '--tokenizer',
  concurrency: '--concurrency',
  requestTimeoutMs: '--request-timeout',
  retries: '--retries',
  retryBackoffMs: '--retry-backoff',
  serverTemplate: '--server-template',
  reference: '--reference',
  beta: '--beta',
  referenceFree: '--reference-free',
  apiKey: '$RMBENCH_API_KEY',
  judge: '--judge',
  judgeTemplate: '--judge-template',
  judgeOrders: '--judge-orders',
  apiKeyEnv: '--api-key-env',
  maxTokens: '--max-tokens',
  temperature: '--temperature',
  priceIn: '--price-in',
  priceOut: '--price-out',
  dryRun: '--dry-run',
};

export const REMOTE_DEFAULTS = {
  concurrency: 4,
  batchSize: 32,
  requestTimeoutMs: 120_000,
  retries: 4,
  retryBackoffMs: 500,
} as const;

/** Options that the remote client of every engine takes. */
export const CLIENT_OPTIONS = ['concurrency', 'requestTimeoutMs', 'retries', 'retryBackoffMs', 'apiKey'] as const satisfies readonly ScorerOption[];

/**
 * The options given (undefined and false mean not given), checked against what the backend
 * accepts: one line naming every flag it does not use, and the range of every value.
 */
export function parseScorerOptions(given: Record<string, unknown>, accepted: readonly ScorerOption[], backend: string): ScorerOptions {
  const set = Object.fromEntries(Object.entries(given).filter(([k, v]) => k in OPTION_FLAGS && v !== undefined && v !== false));
  const refused = Object.keys(set).filter((k) => !accepted.includes(k as ScorerOption)) as ScorerOption[];
  if (refused.length) {
    throw new UserError(`${refused.map((k) => OPTION_FLAGS[k]).join(', ')}: not used by ${backend}${accepted.length ? ` (it takes ${accepted.map((k) => OPTION_FLAGS[k]).join(', ')})` : ' (it takes no scorer options)'}`);
  }
  const parsed = ScorerOptionsSchema.safeParse(set);
  if (!parsed.success) {
    throw new UserError(parsed.error.issues.map((i) => `${OPTION_FLAGS[i.path[0] as ScorerOption] ?? String(i.path[0])}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

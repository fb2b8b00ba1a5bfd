/** @file Options of the remote backends (CLI: `rmbench run --tokenizer --concurrency ...`). */

export interface RemoteOptions {
  /**
   * A folder with config.json, tokenizer.json and tokenizer_config.json (a model folder without
   * onnx/): rmbench formats (and for KServe tokenises) texts with it, and its config.json rmbench
   * block gives the kind and its settings. Required for KServe; optional for vLLM and TEI (without
   * it texts are in the plain format).
   */
  tokenizer?: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** vLLM and TEI: texts per request (default 32; TEI: at most its max_client_batch_size). */
  batchSize?: number;
  /** Per request attempt, in milliseconds (default 120000). */
  requestTimeoutMs?: number;
  /** Retries of a request after a 429, a 5xx, a timeout or a connection error (default 4). */
  retries?: number;
  /** First retry delay in milliseconds, doubling each retry (default 500). */
  retryBackoffMs?: number;
  /** vLLM: send each conversation as `messages` and let the server apply its own chat template. */
  serverTemplate?: boolean;
  /** Bearer token for the server (default: $RMBENCH_API_KEY); never recorded in results. */
  apiKey?: string;
}

export const REMOTE_DEFAULTS = {
  concurrency: 4,
  batchSize: 32,
  requestTimeoutMs: 120_000,
  retries: 4,
  retryBackoffMs: 500,
} as const;

/** Option names (CLI spelling) that only mean something for a remote model. */
export const REMOTE_ONLY_OPTIONS: Record<keyof RemoteOptions, string> = {
  tokenizer: '--tokenizer',
  concurrency: '--concurrency',
  batchSize: '--batch-size',
  requestTimeoutMs: '--request-timeout',
  retries: '--retries',
  retryBackoffMs: '--retry-backoff',
  serverTemplate: '--server-template',
  apiKey: '$RMBENCH_API_KEY',
};

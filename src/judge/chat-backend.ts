/**
 * @file The chat backend of LLM judges: a server that speaks OpenAI's chat API, named by
 * `openai+http(s)://HOST[:PORT]/MODEL` (openai-url.ts). Opening it checks with GET /v1/models that
 * MODEL is served (no POST: a fully cached run sends none); each request is one POST
 * /v1/chat/completions with the rendered system message (if any) and the only user message,
 * `temperature` (0 unless changed), a `seed` derived from the item and `max_tokens`; the answer is
 * choices[0].message.content and usage.prompt_tokens/completion_tokens. Concurrency, timeouts and
 * retries (429, 5xx, timeouts, honouring a Retry-After in seconds) are the remote HttpClient's.
 *
 * The API key comes from $OPENAI_API_KEY or the variable named by `apiKeyEnv`; it is sent as a
 * Bearer token and appears in no error message, description or cache key. An https server
 * without a key is refused before anything is sent.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { HttpClient, RemoteError, malformed } from '../scorers/backends/http.js';
import { REMOTE_DEFAULTS } from '../scorers/options.js';
import { parseOpenAiModel, type OpenAiTarget } from './openai-url.js';

export interface ChatJudgeOptions {
  /** Sampling temperature (default 0: the judge's most likely answer). */
  temperature?: number;
  /** Completion tokens per answer (default 2048, reward-bench's for its OpenAI judges). */
  maxTokens?: number;
  /** The environment variable holding the API key (default OPENAI_API_KEY). */
  apiKeyEnv?: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per request attempt, in milliseconds (default 120000). */
  requestTimeoutMs?: number;
  /** Retries after a 429, a 5xx, a timeout or a connection error (default 4). */
  retries?: number;
  /** First retry delay in milliseconds, doubling each retry (default 500). */
  retryBackoffMs?: number;
  onRetry?: (message: string) => void;
}

/** One judge request, as the template rendered it, with its per-item seed. */
export interface ChatRequest {
  system?: string;
  user: string;
  seed: number;
}

export interface ChatAnswer {
  /** The answer's text ("" when the server sent `content: null`, e.g. a refusal: an invalid verdict). */
  content: string;
  promptTokens: number;
  completionTokens: number;
}

/** What besides the messages decides an answer. */
export interface SamplingSettings {
  temperature: number;
  maxTokens: number;
}

export const CHAT_DEFAULTS = { temperature: 0, maxTokens: 2048, apiKeyEnv: 'OPENAI_API_KEY' } as const;

/** The JSON body of one request: what is sent, and (hashed) what it is cached under. */
function requestBody(model: string, request: ChatRequest, sampling: SamplingSettings) {
  const messages = [...(request.system === undefined ? [] : [{ role: 'system', content: request.system }]), { role: 'user', content: request.user }];
  return { model, messages, temperature: sampling.temperature, seed: request.seed, max_tokens: sampling.maxTokens };
}

/**
 * The cache key of a request: sha256 of its exact body, i.e. the served model id, the rendered
 * messages, the sampling settings and the seed (nothing else reaches the server; the key never does).
 */
export function chatRequestKey(model: string, request: ChatRequest, sampling: SamplingSettings): string {
  return createHash('sha256')
    .update(`openai-chat/v1\n${JSON.stringify(requestBody(model, request, sampling))}`)
    .digest('hex');
}

const COMPLETION_SHAPE = '{"choices": [{"message": {"content": "..."}}], "usage": {"prompt_tokens": N, "completion_tokens": N}}';
const MODELS_SHAPE = '{"data": [{"id": "..."}, ...]}';

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Reads an answer out of a /v1/chat/completions response, or throws a one-line error about its shape. */
function readAnswer(url: string, body: unknown): ChatAnswer {
  const b = body as { choices?: { message?: { content?: unknown } }[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
  const message = Array.isArray(b?.choices) ? b.choices[0]?.message : undefined;
  if (!message || typeof message !== 'object') malformed('POST', url, 'no choices[0].message', COMPLETION_SHAPE);
  const content = message.content;
  if (content !== null && typeof content !== 'string') malformed('POST', url, `choices[0].message.content is ${typeof content}`, COMPLETION_SHAPE);
  const usage = b.usage;
  if (!isCount(usage?.prompt_tokens) || !isCount(usage?.completion_tokens)) malformed('POST', url, 'no usage.prompt_tokens/completion_tokens counts', COMPLETION_SHAPE);
  return { content: content ?? '', promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
}

/** A message with every occurrence of the API key replaced by `***`. */
const hideKey = (message: string, apiKey: string | undefined): string => (apiKey === undefined ? message : message.split(apiKey).join('***'));

/** A judge served over OpenAI's chat API. */
export class ChatBackend {
  private disposed = false;

  private constructor(
    private readonly target: OpenAiTarget,
    private readonly client: HttpClient,
    readonly sampling: SamplingSettings,
    private readonly apiKeyEnv: string,
    private readonly apiKey: string | undefined,
  ) {}

  /** Parses the model argument, finds the API key, and checks with GET /v1/models that the model is served. */
  static async open(spec: string, options: ChatJudgeOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<ChatBackend> {
    const target = parseOpenAiModel(spec);
    const apiKeyEnv = options.apiKeyEnv ?? CHAT_DEFAULTS.apiKeyEnv;
    const apiKey = env[apiKeyEnv] || undefined;
    if (options.apiKeyEnv !== undefined && apiKey === undefined) throw new UserError(`${spec}: $${apiKeyEnv} (--api-key-env) is not set or empty`);
    if (target.base.startsWith('https:') && apiKey === undefined) {
      throw new UserError(`${spec}: an https server needs an API key: set $${CHAT_DEFAULTS.apiKeyEnv} or name the variable that holds it with --api-key-env`);
    }
    const client = new HttpClient(target.base, {
      concurrency: options.concurrency ?? REMOTE_DEFAULTS.concurrency,
      timeoutMs: options.requestTimeoutMs ?? REMOTE_DEFAULTS.requestTimeoutMs,
      retries: options.retries ?? REMOTE_DEFAULTS.retries,
      backoffMs: options.retryBackoffMs ?? REMOTE_DEFAULTS.retryBackoffMs,
      ...(apiKey === undefined ? {} : { apiKey }),
      // A retry's message quotes the server's error body, which may echo the key.
      ...(options.onRetry ? { onRetry: (message: string) => options.onRetry!(hideKey(message, apiKey)) } : {}),
    });
    const sampling = { temperature: options.temperature ?? CHAT_DEFAULTS.temperature, maxTokens: options.maxTokens ?? CHAT_DEFAULTS.maxTokens };
    const backend = new ChatBackend(target, client, sampling, apiKeyEnv, apiKey);
    await backend.checkModel();
    return backend;
  }

  /** The model id the server serves (the one in the URL, as /v1/models lists it) and the settings, without the key. */
  describe(): { model: string; config: { url: string; temperature: number; max_tokens: number; api_key_env: string | null } } {
    return {
      model: this.target.model,
      config: {
        url: `openai+${this.target.base}/${this.target.model}`,
        temperature: this.sampling.temperature,
        max_tokens: this.sampling.maxTokens,
        api_key_env: this.apiKey === undefined ? null : this.apiKeyEnv,
      },
    };
  }

  /** This backend's cache key of a request (chatRequestKey with its model and sampling). */
  cacheKey(request: ChatRequest): string {
    return chatRequestKey(this.target.model, request, this.sampling);
  }

  /** One answer per request, in order; requests run concurrently up to the client's limit. */
  async complete(batch: readonly ChatRequest[]): Promise<ChatAnswer[]> {
    if (this.disposed) throw new Error('ChatBackend.complete after dispose');
    const path = '/v1/chat/completions';
    return Promise.all(
      batch.map(async (request) => {
        const body = await this.send('POST', path, requestBody(this.target.model, request, this.sampling), COMPLETION_SHAPE);
        return readAnswer(`${this.target.base}${path}`, body);
      }),
    );
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }

  private async checkModel(): Promise<void> {
    const path = '/v1/models';
    const body = (await this.send('GET', path, undefined, MODELS_SHAPE)) as { data?: { id?: unknown }[] };
    if (!Array.isArray(body?.data) || body.data.some((m) => typeof m?.id !== 'string')) malformed('GET', `${this.target.base}${path}`, 'no data[].id list', MODELS_SHAPE);
    const served = body.data.map((m) => m.id as string);
    if (!served.includes(this.target.model)) {
      const list = served.length ? `serves ${served.map((id) => `"${id}"`).join(', ')}` : 'serves no model';
      throw new UserError(`${this.target.spec}: ${this.target.base} ${list}, not "${this.target.model}"`);
    }
  }

  /** A request through the client, with the API key blanked out of any error (a server may echo it). */
  private async send(method: 'GET' | 'POST', path: string, body: unknown, expect: string): Promise<unknown> {
    try {
      return await this.client.json(method, path, body, expect);
    } catch (err) {
      if (!(err instanceof RemoteError)) throw err;
      const auth = err.status === 401 || err.status === 403 ? ` (check the API key in $${this.apiKeyEnv})` : '';
      const message = hideKey(err.message, this.apiKey);
      throw new RemoteError(`${message}${auth}`, err.status);
    }
  }
}

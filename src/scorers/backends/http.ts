/**
 * @file The HTTP client of the remote backends: JSON over Node's fetch with at most `concurrency`
 * requests in flight, a timeout per attempt, and retries with exponential backoff on 429, 5xx,
 * timeouts and connection errors (reset, refused: a restarting server). Every failure is one line
 * naming the method, the URL and what went wrong or what was expected (a RemoteError, a UserError,
 * so the CLI prints it without a stack).
 */
import { UserError } from '../../errors.js';

export interface HttpSettings {
  /** Requests in flight at once. */
  concurrency: number;
  /** Per attempt, from sending to the last byte of the response. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** First backoff; doubles each retry (capped at 30 s); a Retry-After header may ask for more. */
  backoffMs: number;
  /** Sent as `Authorization: Bearer <key>` (vLLM --api-key, gateways in front of TEI or KServe). */
  apiKey?: string;
  onRetry?: (message: string) => void;
}

export class RemoteError extends UserError {
  constructor(
    message: string,
    /** The HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

/** Connection errors worth retrying (the server restarting, a dropped keep-alive socket...). */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const MAX_BACKOFF_MS = 30_000;

/** One line, at most `max` characters. */
export function oneLine(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The error message inside an engine's error body (vLLM, TEI, KServe/Triton shapes), else the body. */
function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const error = parsed.error;
    if (typeof error === 'string') return oneLine(error);
    if (error && typeof error === 'object' && typeof (error as Record<string, unknown>).message === 'string') return oneLine((error as { message: string }).message);
    if (typeof parsed.message === 'string') return oneLine(parsed.message);
    if (typeof parsed.detail === 'string') return oneLine(parsed.detail);
  } catch {
    // not JSON: the text itself
  }
  return oneLine(body) || '(empty body)';
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function describeFailure(err: unknown, timeoutMs: number): { reason: string; retry: boolean } {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { reason: `no complete response within ${timeoutMs / 1000} s`, retry: true };
  const code = e?.cause?.code ?? (e as { code?: string })?.code;
  if (code) {
    const what = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' ? 'connection reset' : 'connection failed';
    return { reason: `${what} (${code})`, retry: RETRYABLE_CODES.has(code) };
  }
  return { reason: oneLine(e?.cause?.message ?? e?.message ?? String(err)), retry: false };
}

/** Requests in flight, and a log of how long each successful one took. */
export class HttpClient {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  /** Milliseconds of each successful request (last attempt), for throughput figures. */
  readonly requestMs: number[] = [];
  /** Attempts that were retried. */
  retried = 0;

  constructor(
    /** scheme://host:port */
    readonly base: string,
    readonly settings: HttpSettings,
  ) {}

  private async acquire(): Promise<void> {
    if (this.active < Math.max(1, this.settings.concurrency)) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  /**
   * Sends one JSON request (GET without a body, POST with one) and returns the parsed JSON body.
   * `expect` says what a good answer looks like, for the error messages.
   */
  async json(method: 'GET' | 'POST', path: string, body: unknown, expect: string): Promise<unknown> {
    const url = `${this.base}${path}`;
    await this.acquire();
    try {
      const attempts = this.settings.retries + 1;
      for (let attempt = 1; ; attempt++) {
        const started = performance.now();
        let failure: { reason: string; retry: boolean; status?: number; retryAfterMs?: number };
        try {
          const response = await fetch(url, {
            method,
            headers: {
              accept: 'application/json',
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(this.settings.timeoutMs),
          });
          const text = await response.text();
          if (response.ok) {
            this.requestMs.push(performance.now() - started);
            try {
              return JSON.parse(text) as unknown;
            } catch {
              throw new RemoteError(`${method} ${url}: the response is not JSON (${oneLine(text, 80) || 'empty body'}); expected ${expect}`, response.status);
            }
          }
          const retryAfter = Number(response.headers.get('retry-after'));
          failure = {
            reason: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}: ${serverMessage(text)}`,
            retry: response.status === 429 || response.status === 408 || response.status >= 500,
            status: response.status,
            ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: Math.min(retryAfter * 1000, MAX_BACKOFF_MS) } : {}),
          };
        } catch (err) {
          if (err instanceof RemoteError) throw err;
          failure = describeFailure(err, this.settings.timeoutMs);
        }
        if (!failure.retry || attempt >= attempts) {
          const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
          const hint = failure.status === undefined && /refused/.test(failure.reason) ? '; is the server running?' : '';
          throw new RemoteError(`${method} ${url}: ${failure.reason}${tries}${hint}`, failure.status);
        }
        const wait = Math.max(Math.min(this.settings.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS), failure.retryAfterMs ?? 0);
        this.retried++;
        this.settings.onRetry?.(`${method} ${url}: ${failure.reason}; retry ${attempt} of ${this.settings.retries} in ${Math.round(wait)} ms`);
        await sleep(wait);
      }
    } finally {
      this.release();
    }
  }
}

/** Throws a one-line RemoteError about a response of the wrong shape. */
export function malformed(method: string, url: string, problem: string, expect: string): never {
  throw new RemoteError(`${method} ${url}: malformed response: ${problem}; expected ${expect}`);
}

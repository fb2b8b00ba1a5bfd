/**
 * @file The chat-judge backend: an LLM judge behind OpenAI's chat API
 * (`openai+http(s)://HOST[:PORT]/MODEL`, src/judge/chat-backend.ts) seen as a Backend of the
 * seam. An input (an ordered pair in pairwise mode, one response in rating mode) becomes one
 * rendered chat request (the judge template, src/judge/template.ts); a unit is that request and a
 * batch is one request, so every answer reaches the score cache as it lands and a killed run
 * resumes after it. The runner's text key is the request's cache key (the served model id, the
 * rendered messages, the sampling settings and the seed): a rerun finds every answer in the cache
 * and sends no POST (opening sends only GET /v1/models).
 *
 * Outputs per answer: JUDGE_OUTPUTS (src/judge/verdict.ts): the verdict (pairwise) or the rating,
 * whether it is valid, and the server's token usage.
 *
 * The runner keeps every answer for the whole run (rememberOutputs), so a request met again in a
 * later window is neither sent nor counted again.
 *
 * A dry run (--dry-run) sends no request: each request it would send is answered with NaN outputs,
 * which the score cache never keeps and the judge kind reads as invalid, and its batch reports an
 * estimate of its prompt tokens (ceil(characters of the rendered messages / 4)) as its tokens, so the
 * run's stats give the distinct requests to send across all windows (unique_inputs) and that
 * estimate (real_tokens).
 */
import { UserError } from '../../errors.js';
import { cacheKey, sha256Hex } from '../cache.js';
import { formatQuestion } from '../format.js';
import { ChatBackend, type ChatAnswer, type ChatRequest } from '../../judge/chat-backend.js';
import type { JudgeMode } from '../../judge/prompts.js';
import { seededNumber } from '../../judge/seed.js';
import { loadJudgeTemplate, parseJudgeTemplate, type CompiledJudgeTemplate } from '../../judge/template.js';
import { JUDGE_OUTPUTS, parsePairVerdict, parseRating, VERDICT_CODE } from '../../judge/verdict.js';
import { readRegularFile } from '../../io.js';
import { REMOTE_DEFAULTS, type ScorerOptions } from '../options.js';
import { isPairInput, type Backend, type BackendContext, type BatchResult, type OutputRequest, type OutputRow, type ScoreInput } from '../types.js';

/** Version of the answer -> outputs reading (verdict.ts), in the cache key: bumped when the reading changes, so no cached reading is one an older rule made. */
const READING_VERSION = 'judge-answer/v1';

/** Characters per prompt token in the dry run's estimate (OpenAI's rule of thumb for English text). */
export const CHARS_PER_TOKEN = 4;

/** The outputs of one answer. */
function answerRow(mode: JudgeMode, answer: ChatAnswer): OutputRow {
  const usage = { prompt_tokens: Float32Array.of(answer.promptTokens), completion_tokens: Float32Array.of(answer.completionTokens) };
  if (mode === 'pairwise') {
    const verdict = parsePairVerdict(answer.content);
    return { verdict: Float32Array.of(verdict === null ? 0 : VERDICT_CODE[verdict]), valid: Float32Array.of(verdict === null ? 0 : 1), ...usage };
  }
  const rating = parseRating(answer.content);
  return { rating: Float32Array.of(rating ?? 0), valid: Float32Array.of(rating === null ? 0 : 1), ...usage };
}

export class OpenAiJudgeBackend implements Backend<ChatRequest> {
  readonly engine = 'openai';
  readonly info: Backend['info'];
  readonly where: string;
  readonly concurrency: number;
  readonly rememberOutputs = true;

  constructor(
    private readonly chat: ChatBackend,
    private readonly mode: JudgeMode,
    private readonly template: CompiledJudgeTemplate,
    private readonly dryRun: boolean,
    concurrency: number,
    templateSha256: string | null,
  ) {
    const described = chat.describe();
    this.where = described.config.url;
    this.concurrency = concurrency;
    this.info = { model: described.model, path: described.config.url, config: { ...described.config, judge_template: templateSha256 === null ? 'default' : `sha256:${templateSha256}` } };
  }

  outputName(configured: string): string {
    return configured;
  }

  hasOutput(name: string): boolean {
    return (JUDGE_OUTPUTS[this.mode] as readonly string[]).includes(name);
  }

  async prepare(outputs: OutputRequest): Promise<string[]> {
    const missing = outputs.required.filter((name) => !this.hasOutput(name));
    if (missing.length) throw new UserError(`${this.where}: a ${this.mode} judge answers ${JUDGE_OUTPUTS[this.mode].join(', ')}, not ${missing.join(', ')}${outputs.hint ? ` (${outputs.hint})` : ''}`);
    return [...outputs.required, ...(outputs.optional ?? []).filter((name) => this.hasOutput(name))];
  }

  /** The rendered request of an input; its seed is drawn from the input, so the same question always carries the same seed. */
  private request(input: ScoreInput): ChatRequest {
    const question = formatQuestion(input.prompt);
    const seed = seededNumber('judge-request', JSON.stringify(input.prompt), ...(isPairInput(input) ? [input.a, input.b] : [input.response]));
    if (this.mode === 'pairwise') {
      if (!isPairInput(input)) throw new UserError(`${this.where}: a pairwise judge reads two responses at a time`);
      return { ...this.template.render({ question, response_a: input.a, response_b: input.b }), seed };
    }
    if (isPairInput(input)) throw new UserError(`${this.where}: a rating judge reads one response at a time`);
    return { ...this.template.render({ question, response: input.response }), seed };
  }

  textKey(input: ScoreInput): string {
    return this.chat.cacheKey(this.request(input));
  }

  encode(input: ScoreInput): ChatRequest {
    return this.request(input);
  }

  unitKey(request: ChatRequest): string {
    return this.chat.cacheKey(request);
  }

  /** One request per batch: each answer is cached as soon as it arrives; the client keeps `concurrency` in flight. */
  plan(requests: readonly ChatRequest[]): number[][] {
    return requests.map((_, i) => [i]);
  }

  async runBatch(requests: readonly ChatRequest[], outputs: readonly string[]): Promise<BatchResult> {
    const started = performance.now();
    if (this.dryRun) {
      const chars = requests.reduce((n, r) => n + (r.system?.length ?? 0) + r.user.length, 0);
      const estimate = Math.ceil(chars / CHARS_PER_TOKEN);
      return { rows: requests.map(() => Object.fromEntries(outputs.map((name) => [name, Float32Array.of(Number.NaN)]))), realTokens: estimate, paddedTokens: estimate, inferenceMs: 0 };
    }
    const answers = await this.chat.complete(requests);
    const tokens = answers.reduce((n, a) => n + a.promptTokens + a.completionTokens, 0);
    return { rows: answers.map((a) => answerRow(this.mode, a)), realTokens: tokens, paddedTokens: tokens, inferenceMs: performance.now() - started };
  }

  cacheKey(outputs: readonly string[]): { key: string } {
    return { key: cacheKey({ engine: this.engine, reading: READING_VERSION, outputs: [...outputs] }) };
  }

  async dispose(): Promise<void> {
    await this.chat.dispose();
  }
}

/** Opens the judge of an `openai+` model argument: its template (checked), the API key, the model check. */
export async function openOpenAiBackend(spec: string, mode: JudgeMode, options: ScorerOptions, context: BackendContext): Promise<OpenAiJudgeBackend> {
  const file = options.judgeTemplate;
  const text = file === undefined ? undefined : readRegularFile(file, 'the judge template').toString('utf8');
  const template = file === undefined ? loadJudgeTemplate(undefined, mode) : parseJudgeTemplate(text!, file, mode);
  let warned = false;
  const chat = await ChatBackend.open(spec, {
    temperature: options.temperature,
    maxTokens: options.maxTokens,
    apiKeyEnv: options.apiKeyEnv,
    concurrency: options.concurrency,
    requestTimeoutMs: options.requestTimeoutMs,
    retries: options.retries,
    retryBackoffMs: options.retryBackoffMs,
    // Warned once, as the other remote backends do: a run waiting on a struggling server says so.
    onRetry: (message) => {
      if (!warned) context.onWarning?.(`${message} (further retries are not reported)`);
      warned = true;
    },
  });
  return new OpenAiJudgeBackend(chat, mode, template, options.dryRun === true, options.concurrency ?? REMOTE_DEFAULTS.concurrency, text === undefined ? null : sha256Hex(text));
}

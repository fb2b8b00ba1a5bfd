/**
 * @file A scripted OpenAI-compatible chat server for the judge tests (node:http on 127.0.0.1, port
 * 0), answering in the shapes of OpenAI's and vLLM's public protocols: GET /v1/models and POST
 * /v1/chat/completions with `usage`, their error bodies, Bearer-key checks and unknown-model 404s.
 * Each POST is answered by a script: a verdict text as a function of the messages, a 429 with
 * Retry-After, a 500, or a slow answer (for timeouts). It records every call and counts POSTs.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { fakeEngine, json } from './remote.js';

export type Flavour = 'openai' | 'vllm';

export interface ChatCall {
  /** 0-based, in arrival order, retries included. */
  index: number;
  headers: IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[]; temperature?: number; seed?: number; max_tokens?: number; [k: string]: unknown };
}

/** How one POST is answered. */
export type Reply =
  /** A completion with this content (usage: word counts, see wordCount). */
  | string
  | { content: string | null; usage?: { prompt_tokens: number; completion_tokens: number } | null }
  /** An error status with the flavour's error body, and optionally a Retry-After header. */
  | { status: number; message?: string; retryAfter?: string }
  /** Waits before answering (longer than the client's timeout: a timeout). */
  | { delayMs: number; then: Reply };

export interface OpenAiServerOptions {
  flavour?: Flavour;
  /** Ids listed by /v1/models (default: ["judge/model-1"]). */
  models?: string[];
  /** When set, every request must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  reply: (call: ChatCall) => Reply | Promise<Reply>;
}

export interface OpenAiServer {
  url: string;
  /** Every POST /v1/chat/completions received, retries included. */
  calls: ChatCall[];
  /** GET /v1/models requests received. */
  modelListings(): number;
  posts(): number;
  close(): Promise<void>;
}

/** The default token count of a text: its whitespace-separated words. */
export const wordCount = (text: string): number => text.split(/\s+/).filter(Boolean).length;

function errorBody(flavour: Flavour, status: number, message: string): unknown {
  const type = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_request_error' : status === 404 ? 'NotFoundError' : 'server_error';
  // OpenAI nests the error; vLLM's OpenAI server answers a flat ErrorResponse.
  return flavour === 'openai' ? { error: { message, type, param: null, code: null } } : { object: 'error', message, type, param: null, code: status };
}

function modelList(flavour: Flavour, ids: readonly string[]): unknown {
  const created = 1_700_000_000;
  return {
    object: 'list',
    data: ids.map((id) =>
      flavour === 'openai'
        ? { id, object: 'model', created, owned_by: 'system' }
        : { id, object: 'model', created, owned_by: 'vllm', root: id, parent: null, max_model_len: 8192, permission: [{ id: `modelperm-${id}`, object: 'model_permission', created, allow_sampling: true }] },
    ),
  };
}

function completion(flavour: Flavour, call: ChatCall, content: string | null, usage: { prompt_tokens: number; completion_tokens: number }): unknown {
  const base = { id: `chatcmpl-${call.index}`, object: 'chat.completion', created: 1_700_000_000 + call.index, model: call.body.model };
  const totals = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  if (flavour === 'openai') {
    return {
      ...base,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: { ...totals, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } },
      service_tier: 'default',
      system_fingerprint: 'fp_scripted',
    };
  }
  return {
    ...base,
    choices: [{ index: 0, message: { role: 'assistant', reasoning_content: null, content, tool_calls: [] }, logprobs: null, finish_reason: 'stop', stop_reason: null }],
    usage: { ...totals, prompt_tokens_details: null },
    prompt_logprobs: null,
  };
}

async function answer(flavour: Flavour, res: ServerResponse, call: ChatCall, reply: Reply): Promise<void> {
  if (typeof reply === 'string') return answer(flavour, res, call, { content: reply });
  if ('delayMs' in reply) {
    await new Promise((done) => setTimeout(done, reply.delayMs));
    if (res.destroyed) return;
    return answer(flavour, res, call, reply.then);
  }
  if ('status' in reply) {
    if (reply.retryAfter !== undefined) res.setHeader('retry-after', reply.retryAfter);
    return json(res, reply.status, errorBody(flavour, reply.status, reply.message ?? `scripted ${reply.status}`));
  }
  const promptTokens = call.body.messages.reduce((n, m) => n + wordCount(m.content), 0);
  const usage = reply.usage === undefined ? { prompt_tokens: promptTokens, completion_tokens: wordCount(reply.content ?? '') } : reply.usage;
  const body = completion(flavour, call, reply.content, usage ?? { prompt_tokens: 0, completion_tokens: 0 }) as { usage?: unknown };
  if (usage === null) delete body.usage;
  json(res, 200, body);
}

export async function openAiServer(options: OpenAiServerOptions): Promise<OpenAiServer> {
  const flavour = options.flavour ?? 'openai';
  const models = options.models ?? ['judge/model-1'];
  const calls: ChatCall[] = [];
  let listings = 0;
  const engine = await fakeEngine(async (req, res) => {
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      // Echoes what it got, as some gateways do, so the tests can check the client hides the key.
      const sent = req.headers.authorization?.replace(/^Bearer /, '') ?? '(none)';
      return json(res, 401, errorBody(flavour, 401, `Incorrect API key provided: ${sent}`));
    }
    if (req.method === 'GET' && req.url === '/v1/models') {
      listings++;
      return json(res, 200, modelList(flavour, models));
    }
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      const call: ChatCall = { index: calls.length, headers: req.headers, body: req.body as ChatCall['body'] };
      calls.push(call);
      if (!models.includes(call.body.model)) return json(res, 404, errorBody(flavour, 404, `The model \`${call.body.model}\` does not exist.`));
      return answer(flavour, res, call, await options.reply(call));
    }
    json(res, 404, errorBody(flavour, 404, `no route ${req.method} ${req.url}`));
  });
  return { url: engine.url, calls, modelListings: () => listings, posts: () => calls.length, close: () => engine.close() };
}

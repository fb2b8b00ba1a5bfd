/**
 * @file A fake vLLM server of a causal LM for the DPO-through-vLLM tests: GET /v1/models and POST
 * /v1/completions with prompt_logprobs in vLLM's shapes (vllm/entrypoints/openai/protocol.py:
 * ModelCard, CompletionRequest, CompletionResponseChoice.prompt_logprobs = [null, {token_id:
 * {logprob, rank, decoded_token}}, ...]). Its log-probs come from the tiny causal LM's ONNX graph
 * with rmbench's log-prob head, one prompt at a time, so a remote run can be compared with the
 * local backend's. `answer` may replace a completion body (a malformed engine).
 */
import * as ort from 'onnxruntime-node';
import { logprobFeeds } from '../../src/dpo/logprobs.js';
import { openLogprobSession, TOKEN_LOGPROBS } from '../../src/onnx/logprob-graph.js';
import { fakeEngine, json, type FakeEngine } from './remote.js';

export interface FakeVllm extends FakeEngine {
  /** Prompts (token id lists) received by /v1/completions, in order. */
  prompts: number[][];
  /** The settings of every completion request (its body less model and prompt). */
  settings: Record<string, unknown>[];
  /** When set, the body of the next completion answers (a malformed engine). */
  answer?: (body: Record<string, unknown>) => unknown;
}

/** Per-token log-probs of one unpadded sequence: out[t] = log p(ids[t] | ids[..t]) for t >= 1. */
async function promptLogprobs(session: ort.InferenceSession, ids: readonly number[]): Promise<number[]> {
  const { feeds } = logprobFeeds([{ ids: [...ids], responseStart: 1, promptTruncated: false, responseTruncated: false }], 'right', 0, session.inputNames);
  const values = (await session.run(feeds, [TOKEN_LOGPROBS]))[TOKEN_LOGPROBS]!.data as Float32Array;
  return ids.slice(1).map((_, t) => values[t]!);
}

/** Serves the causal LM at `onnxPath` as `modelId` (root `root`). */
export async function fakeVllmLogprobs(onnxPath: string, modelId: string, root = `/models/${modelId}`): Promise<FakeVllm> {
  const { session } = await openLogprobSession(onnxPath);
  let fake: FakeVllm | undefined;
  const engine = await fakeEngine(async (req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      return json(res, 200, { object: 'list', data: [{ id: modelId, object: 'model', owned_by: 'vllm', root, max_model_len: 4096 }] });
    }
    if (req.method !== 'POST' || req.url !== '/v1/completions') return json(res, 404, { error: { message: 'Not Found', type: 'NotFoundError', code: 404 } });
    const body = req.body as { model: string; prompt: number[][]; prompt_logprobs?: number; max_tokens?: number };
    if (body.model !== modelId) return json(res, 404, { error: { message: `The model \`${body.model}\` does not exist.`, type: 'NotFoundError', code: 404 } });
    if (!Array.isArray(body.prompt) || !body.prompt.every((p) => Array.isArray(p) && p.every(Number.isInteger))) {
      return json(res, 400, { error: { message: 'this fake takes token id lists only', type: 'BadRequestError', code: 400 } });
    }
    const { model: _model, prompt: _prompt, ...settings } = body;
    fake!.settings.push(settings);
    if (fake!.answer) return json(res, 200, fake!.answer(body));
    const choices = [];
    for (const [index, ids] of body.prompt.entries()) {
      fake!.prompts.push(ids);
      const logprobs = await promptLogprobs(session, ids);
      // vLLM: null for the first token; then the actual token keyed by its id (a JSON string), after the
      // top-ranked token when the actual one is not it (here every other position, a decoy id).
      const perToken = [
        null,
        ...logprobs.map((logprob, t) => {
          const id = ids[t + 1]!;
          const actual = { [id]: { logprob, rank: 1 + (t % 2), decoded_token: `tok${id}` } };
          return t % 2 ? { [id === 0 ? 1 : 0]: { logprob: -0.01, rank: 1, decoded_token: 'decoy' }, ...actual } : actual;
        }),
      ];
      choices.push({ index, text: ' x', logprobs: null, finish_reason: 'length', stop_reason: null, prompt_logprobs: perToken });
    }
    const promptTokens = body.prompt.reduce((n, p) => n + p.length, 0);
    return json(res, 200, { id: 'cmpl-fake', object: 'text_completion', created: 0, model: modelId, choices, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens + choices.length, completion_tokens: choices.length } });
  });
  const close = engine.close;
  fake = Object.assign(engine, {
    prompts: [] as number[][],
    settings: [] as Record<string, unknown>[],
    close: async () => {
      await close();
      await session.release();
    },
  });
  return fake;
}

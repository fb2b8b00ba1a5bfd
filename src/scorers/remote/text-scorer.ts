/**
 * @file The Bradley-Terry scorer over a text engine (vLLM, TEI): rmbench formats each response
 * (the chat template of --tokenizer DIR, else the plain format; or, vLLM with --server-template,
 * the server formats the conversation), sends distinct texts several per request with a bounded
 * number of requests in flight, and reads column score_index of each text's raw scores. Outputs
 * land in the same score cache as local models: keyed by the engine, the model the server reports,
 * the text settings and the --tokenizer folder's tokenizer files, written after every request, so a
 * failed run resumes where it stopped.
 */
import { UserError } from '../../errors.js';
import { ScoreCache, cacheKey, sha256Hex, type CachedRow } from '../cache.js';
import { conversation, formatPlain } from '../format.js';
import { loadTextSetup, type TextSetup } from '../text-setup.js';
import { emptyStats, type ResponseInput, type ResponseOutputs, type Scorer } from '../types.js';
import type { OnnxModelOptions } from '../onnx-model.js';
import { hashTokenizerFiles } from '../model-folder.js';
import { readTokenizerFolder } from './folder.js';
import { HttpClient } from './http.js';
import { REMOTE_DEFAULTS, type RemoteOptions } from './options.js';
import { TeiEngine, VllmEngine, type TextEngine, type TextItem, type TextSettings } from './text-engine.js';
import type { RemoteTarget } from './url.js';
import { runPool } from '../pool.js';

const ROW = 'values';

export function clientSettings(options: RemoteOptions) {
  return {
    concurrency: options.concurrency ?? REMOTE_DEFAULTS.concurrency,
    timeoutMs: options.requestTimeoutMs ?? REMOTE_DEFAULTS.requestTimeoutMs,
    retries: options.retries ?? REMOTE_DEFAULTS.retries,
    backoffMs: options.retryBackoffMs ?? REMOTE_DEFAULTS.retryBackoffMs,
    apiKey: options.apiKey ?? (process.env.RMBENCH_API_KEY || undefined),
  };
}

/** Warns once, on the first retry: a run that waits on a struggling server says so. */
export function retryWarner(onWarning?: (message: string) => void) {
  let warned = false;
  return (message: string) => {
    if (warned) return;
    warned = true;
    onWarning?.(`${message} (further retries are not reported)`);
  };
}

export async function createTextEngineScorer(target: RemoteTarget, options: OnnxModelOptions & RemoteOptions): Promise<Scorer> {
  const engineName = target.engine as 'vllm' | 'tei';
  const serverTemplate = options.serverTemplate === true;
  if (serverTemplate && engineName !== 'vllm') throw new UserError(`${target.spec}: --server-template needs vLLM (TEI's /predict takes text only)`);
  const folder = options.tokenizer ? readTokenizerFolder(options.tokenizer, target.spec, target.model ?? target.engine) : null;
  if (folder && folder.rmbench.scorer !== 'bradley-terry') {
    throw new UserError(
      `${target.spec}: ${folder.path}/config.json declares scorer "${folder.rmbench.scorer}"; ${engineName} returns one score vector per text, so only bradley-terry runs through it (serve ArmoRM and GPM models over KServe: kserve+http://HOST:PORT/MODEL)`,
    );
  }
  const setup: TextSetup | null = folder ? await loadTextSetup(folder) : null;
  const settings: TextSettings = {
    addSpecialTokens: setup ? setup.addSpecialTokens.value : serverTemplate ? null : true,
    maxLength: setup ? setup.maxLength.value : null,
    truncationSide: setup ? setup.truncationSide.value : 'left',
  };
  const cs = clientSettings(options);
  const http = new HttpClient(target.base, { ...cs, onRetry: retryWarner(options.onWarning) });
  const engine: TextEngine = engineName === 'vllm' ? new VllmEngine(target, http, settings, serverTemplate) : new TeiEngine(target, http, settings);
  const served = await engine.describe();
  const scoreIndex = folder?.rmbench.score_index ?? 0;

  if (engineName === 'tei' && setup) {
    const tokenizer = setup.tokenizer;
    if (!setup.addSpecialTokens.value && (tokenizer.prefix.length || tokenizer.suffix.length)) {
      options.onWarning?.(`${target.spec}: TEI adds the tokenizer's special tokens to every text, but ${folder!.path} formats with add_special_tokens false (its chat template emits them): texts may start with two BOS; score with vLLM or KServe to match the local model`);
    }
    if (served.maxLength !== null && setup.maxLength.value !== null && served.maxLength !== setup.maxLength.value) {
      options.onWarning?.(`${target.spec}: TEI truncates to its max_input_length ${served.maxLength}, --tokenizer says max_length ${setup.maxLength.value}`);
    }
  }

  const format = (input: ResponseInput): TextItem =>
    serverTemplate ? { messages: conversation(input.prompt, input.response) } : { text: setup ? setup.text(input.prompt, input.response) : formatPlain(input.prompt, input.response) };
  const itemKey = (item: TextItem) => ('text' in item ? item.text : JSON.stringify(item.messages));

  const textConfig = {
    formatting: serverTemplate ? 'server' : 'rmbench',
    text_format: serverTemplate ? null : (setup?.format.value ?? 'plain'),
    chat_template: !serverTemplate && setup?.format.value === 'chat_template' ? (folder!.tokenizerConfig.chat_template ?? null) : null,
    add_special_tokens: settings.addSpecialTokens,
    max_length: settings.maxLength,
    truncation_side: settings.truncationSide,
  };
  const batchSize = Math.max(1, Math.min(options.batchSize ?? REMOTE_DEFAULTS.batchSize, served.maxBatch ?? Infinity, engine.batches ? Infinity : 1));
  const cache = options.cacheDir
    ? ScoreCache.open(
        options.cacheDir,
        // The tokenizer files decide the texts (chat template, special tokens) and, on TEI, nothing else; keyed all the same.
        cacheKey({ engine: engineName, model: served.identity, endpoint: engine.endpoint, request: engine.request, text: textConfig, tokenizer: folder ? hashTokenizerFiles(folder.path) : null }),
        { names: [ROW] },
      )
    : undefined;
  if (cache?.loaded.corrupt) {
    options.onWarning?.(`score cache ${cache.dir}: ${cache.loaded.corrupt} corrupt line(s) (checksum, values or width wrong) ignored; their texts are scored again`);
  }
  const stats = emptyStats();

  const info = {
    kind: 'bradley-terry',
    model: served.id,
    path: target.spec,
    config: {
      engine: engineName,
      served_model: served.id,
      endpoint: engine.endpoint,
      request: engine.request,
      ...textConfig,
      tokenizer: folder?.path ?? null,
      output: 'raw scores (logits)',
      score_index: scoreIndex,
      batch_policy: { kind: 'remote', texts_per_request: batchSize, concurrency: cs.concurrency, request_timeout_s: cs.timeoutMs / 1000, retries: cs.retries },
      cache: cache ? 'on' : 'off',
    },
  };

  return {
    info,
    stats,
    /** Per-request timings of this scorer's client (scripts/serve-bench.ts reads them). */
    http,
    async scoreResponses(inputs, onProgress) {
      const t0 = performance.now();
      const keyIndex = new Map<string, number>();
      const items: TextItem[] = [];
      const hashes: string[] = [];
      const rows: (CachedRow | undefined)[] = [];
      const itemOf = inputs.map((input) => {
        const item = format(input);
        const key = itemKey(item);
        let i = keyIndex.get(key);
        if (i === undefined) {
          i = items.length;
          keyIndex.set(key, i);
          items.push(item);
          const hash = cache ? sha256Hex(key) : '';
          hashes.push(hash);
          rows.push(cache?.get(hash));
        }
        return i;
      });
      stats.tokenizeMs += performance.now() - t0;
      const todo = items.map((_, i) => i).filter((i) => !rows[i]);
      stats.responses += inputs.length;
      stats.uniqueTexts += items.length;
      stats.uniqueInputs += todo.length;
      stats.cachedTexts += items.length - todo.length;
      const chunks: number[][] = [];
      for (let start = 0; start < todo.length; start += batchSize) chunks.push(todo.slice(start, start + batchSize));
      let done = 0;
      // Up to `concurrency` requests in flight (the client enforces it too).
      await runPool(chunks.length, cs.concurrency, async (index) => {
        const chunk = chunks[index]!;
        const started = performance.now();
        const result = await engine.score(chunk.map((i) => items[i]!));
        stats.inferenceMs += performance.now() - started;
        stats.batches += 1;
        if (result.promptTokens !== null) {
          stats.realTokens += result.promptTokens;
          stats.paddedTokens += result.promptTokens;
        }
        const entries = chunk.map((i, b) => {
          rows[i] = { [ROW]: result.rows[b]! };
          return [hashes[i]!, rows[i]!] as const;
        });
        cache?.put(entries);
        done += chunk.length;
        onProgress?.(done, todo.length);
      });
      return itemOf.map((i) => {
        const values = rows[i]![ROW]!;
        if (scoreIndex >= values.length) {
          throw new UserError(`${target.spec}: the server returns ${values.length} value(s) per text; rmbench.score_index is ${scoreIndex}`);
        }
        return { score: values[scoreIndex]! };
      });
    },
    prefer: (a: ResponseOutputs, b: ResponseOutputs) => a.score! - b.score!,
    async dispose() {
      cache?.close();
    },
  } as Scorer & { http: HttpClient };
}

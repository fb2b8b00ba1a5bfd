/**
 * @file Remote scorer backends, picked by the model argument (see url.ts):
 * - vllm+http(s)://HOST:PORT[/MODEL]  and  tei+http(s)://HOST:PORT[/MODEL]: text in, raw scores out
 *   (Bradley-Terry); rmbench formats the text (text-scorer.ts).
 * - kserve+http(s)://HOST:PORT/MODEL: tensors in and out; rmbench formats, tokenises, pads and
 *   batches with --tokenizer DIR, through the same runner as a local ONNX model, so every scorer
 *   kind (bradley-terry, armorm, gpm, from the folder's rmbench block) works (kserve.ts).
 * Scores go to the same score cache and results as local ones; the results record the engine,
 * the URL (model_path) and the formatting (config).
 */
import { UserError } from '../../errors.js';
import { folderScorer } from '../kinds.js';
import type { OnnxModelOptions } from '../onnx-model.js';
import type { Scorer } from '../types.js';
import { readTokenizerFolder } from './folder.js';
import { HttpClient } from './http.js';
import { KServeGraph } from './kserve.js';
import type { RemoteOptions } from './options.js';
import { clientSettings, createTextEngineScorer, retryWarner } from './text-scorer.js';
import { parseRemoteModel, type RemoteTarget } from './url.js';

export { isRemoteModel, parseRemoteModel, remoteResultsName, ENGINES, type Engine, type RemoteTarget } from './url.js';
export { REMOTE_DEFAULTS, REMOTE_ONLY_OPTIONS, type RemoteOptions } from './options.js';
export { RemoteError, HttpClient } from './http.js';

export async function createRemoteScorer(model: string, options: OnnxModelOptions & RemoteOptions = {}): Promise<Scorer> {
  const target = parseRemoteModel(model);
  if (target.engine === 'kserve') return createKServeScorer(target, options);
  return createTextEngineScorer(target, options);
}

async function createKServeScorer(target: RemoteTarget, options: OnnxModelOptions & RemoteOptions): Promise<Scorer> {
  if (!options.tokenizer) {
    throw new UserError(
      `${target.spec}: KServe takes token tensors, so rmbench tokenises: give --tokenizer DIR (the model folder without onnx/: config.json, tokenizer.json, tokenizer_config.json)`,
    );
  }
  if (options.serverTemplate) throw new UserError(`${target.spec}: --server-template needs vLLM; over KServe rmbench applies the chat template of --tokenizer`);
  const cs = clientSettings(options);
  const http = new HttpClient(target.base, { ...cs, onRetry: retryWarner(options.onWarning) });
  const graphUrl = `${target.base}${KServeGraph.modelPath(target.model!, target.params.version || null)}`;
  const folder = readTokenizerFolder(options.tokenizer, graphUrl, target.model!);
  let graph: KServeGraph | undefined;
  const scorer = await folderScorer(folder, {
    ...options,
    concurrency: cs.concurrency,
    graph: async () => {
      graph = await KServeGraph.connect(http, target);
      return { session: graph, device: 'remote', identity: graph.identity };
    },
  });
  const { onnx_file: _o, dtype: _d, requested_device: _r, threads: _t, batch_policy, ...config } = scorer.info.config;
  const info = {
    kind: scorer.info.kind,
    model: graph!.name,
    path: target.spec,
    config: {
      engine: 'kserve',
      served_model: graph!.name,
      served_version: graph!.version,
      endpoint: `${KServeGraph.modelPath(graph!.name, graph!.requestedVersion)}/infer`,
      formatting: 'rmbench',
      tokenizer: folder.path,
      ...config,
      batch_policy: { ...(batch_policy as Record<string, unknown>), concurrency: cs.concurrency, request_timeout_s: cs.timeoutMs / 1000, retries: cs.retries },
    },
  };
  return {
    info,
    get stats() {
      return scorer.stats;
    },
    http,
    scoreResponses: (inputs, onProgress) => scorer.scoreResponses(inputs, onProgress),
    prefer: (a, b) => scorer.prefer(a, b),
    ...(scorer.summarize ? { summarize: (pairs) => scorer.summarize!(pairs) } : {}),
    ...(scorer.reportOutputs ? { reportOutputs: (outputs) => scorer.reportOutputs!(outputs) } : {}),
    dispose: () => scorer.dispose(),
  } as Scorer & { http: HttpClient };
}

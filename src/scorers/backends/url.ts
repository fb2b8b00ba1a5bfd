/**
 * @file Remote model arguments: `<engine>+http(s)://host:port[/model][?options]`.
 *   vllm+http://host:8000/Org/Model-RM        vLLM's OpenAI-compatible server (pooling / classify)
 *   tei+http://host:8080[/Org/Model-RM]        Hugging Face Text Embeddings Inference (/predict)
 *   kserve+http://host:8000/model              KServe v2 / Open Inference Protocol (Triton, KServe, MLServer, OVMS)
 * The model part may contain slashes (Hugging Face ids); it is what the server must report serving.
 */
import { UserError } from '../../errors.js';

export const ENGINES = ['vllm', 'tei', 'kserve'] as const;
export type Engine = (typeof ENGINES)[number];

/** Query options each engine takes (documented in docs/remote.md). */
const ENGINE_PARAMS: Record<Engine, readonly string[]> = {
  vllm: ['endpoint', 'task'],
  tei: [],
  kserve: ['version'],
};

export interface RemoteTarget {
  engine: Engine;
  /** The model argument as given. */
  spec: string;
  /** scheme://host:port, no trailing slash. */
  base: string;
  /** The model named in the URL (null: whatever the server serves, vLLM and TEI only). */
  model: string | null;
  params: Record<string, string>;
}

const REMOTE = /^([a-z][a-z0-9]*)\+(https?):\/\//i;

/** Whether a model argument names a remote engine (engine+http://... or engine+https://...). */
export function isRemoteModel(model: string): boolean {
  return REMOTE.test(model);
}

export function parseRemoteModel(spec: string): RemoteTarget {
  const m = REMOTE.exec(spec);
  if (!m) throw new UserError(`"${spec}" is not a remote model (expected ${ENGINES.map((e) => `${e}+http://HOST:PORT/...`).join(', ')})`);
  const engine = m[1]!.toLowerCase();
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new UserError(`${spec}: unknown engine "${engine}" (expected one of: ${ENGINES.join(', ')})`);
  }
  let url: URL;
  try {
    url = new URL(spec.slice(engine.length + 1));
  } catch {
    throw new UserError(`${spec}: not a valid URL`);
  }
  if (url.username || url.password) throw new UserError(`${spec}: credentials in the URL are not supported`);
  if (url.hash) throw new UserError(`${spec}: a URL fragment (#...) means nothing here`);
  const path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  const model = path === '' ? null : path;
  const e = engine as Engine;
  if (e === 'kserve' && model === null) throw new UserError(`${spec}: name the model: kserve+http://HOST:PORT/MODEL (the name in /v2/models/MODEL)`);
  const params: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!ENGINE_PARAMS[e].includes(key)) {
      throw new UserError(`${spec}: unknown option "${key}" for ${e}${ENGINE_PARAMS[e].length ? ` (it takes ${ENGINE_PARAMS[e].join(', ')})` : ' (it takes none)'}`);
    }
    params[key] = value;
  }
  return { engine: e, spec, base: `${url.protocol}//${url.host}`, model, params };
}

/** A file-name-safe name for a remote model's default results file. */
export function remoteResultsName(spec: string): string {
  const t = parseRemoteModel(spec);
  const name = t.model ?? `${t.engine}-${new URL(t.base).host}`;
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

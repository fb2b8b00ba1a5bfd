/**
 * @file Chat-judge model arguments: `openai+http(s)://HOST[:PORT]/MODEL`, a server that speaks
 * OpenAI's chat API (`/v1/models`, `/v1/chat/completions`): OpenAI, vLLM, llama.cpp's server,
 * Ollama, TGI. MODEL is everything after the host (it may contain slashes: Hugging Face ids) and is
 * what the server must list in /v1/models; the API paths are under `/v1` of the host, so a server
 * mounted below a path prefix is not reachable this way.
 */
import { UserError } from '../errors.js';

export interface OpenAiTarget {
  /** The model argument as given. */
  spec: string;
  /** scheme://host[:port], no trailing slash. */
  base: string;
  model: string;
}

const OPENAI = /^openai\+(https?):\/\//i;

/** Whether a model argument names an OpenAI-compatible chat judge. */
export function isOpenAiModel(spec: string): boolean {
  return OPENAI.test(spec);
}

export function parseOpenAiModel(spec: string): OpenAiTarget {
  if (!isOpenAiModel(spec)) throw new UserError(`"${spec}" is not a chat judge (expected openai+http://HOST:PORT/MODEL or openai+https://HOST/MODEL)`);
  let url: URL;
  try {
    url = new URL(spec.slice('openai+'.length));
  } catch {
    throw new UserError(`${spec}: not a valid URL`);
  }
  if (url.username || url.password) throw new UserError(`${spec}: credentials in the URL are not supported (the API key comes from $OPENAI_API_KEY or --api-key-env)`);
  if (url.search) throw new UserError(`${spec}: the URL takes no query options (?${url.searchParams.toString()})`);
  if (url.hash) throw new UserError(`${spec}: a URL fragment (#...) means nothing here`);
  const model = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  if (model === '') throw new UserError(`${spec}: name the model: openai+http://HOST:PORT/MODEL (an id the server lists in /v1/models)`);
  return { spec, base: `${url.protocol}//${url.host}`, model };
}

/** A file-name-safe name for a judge's default results file: its model id. */
export function openAiResultsName(spec: string): string {
  return parseOpenAiModel(spec).model.replace(/[^A-Za-z0-9._-]+/g, '_');
}

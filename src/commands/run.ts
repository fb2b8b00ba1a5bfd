/** @file `rmbench run`: score a model on a suite, write results, print the table. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import chalk from 'chalk';
import type { Command } from 'commander';
import { DEFAULT_MODEL, MODELS, isDefaultModel } from '../default-models/names.js';
import { InvalidArgumentError } from 'commander';
import type { RunOptions } from '../bench/run.js';
import { list, positiveInt, progressBar, warn } from './shared.js';

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

/** A finite number above 0 (positive) or from 0 (non-negative); `unit` names it in the error. */
const numberParser =
  (min: 'positive' | 'non-negative', unit = 'number') =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (min === 'positive' ? n <= 0 : n < 0)) throw new InvalidArgumentError(`expected a ${min} ${unit}, got "${value}"`);
    return n;
  };

/** One of a few words. */
const choice =
  <T extends string>(...values: T[]) =>
  (value: string): T => {
    if (!(values as string[]).includes(value)) throw new InvalidArgumentError(`expected ${values.join(' or ')}, got "${value}"`);
    return value as T;
  };

const positiveSeconds = numberParser('positive', 'number of seconds');
const positiveNumber = numberParser('positive');
const nonNegativeNumber = numberParser('non-negative');
const referenceFree = choice('sum', 'avg');
const parseJudgeMode = choice('pairwise', 'rating');
const parseOrders = (value: string) => Number(choice('1', '2')(value)) as 1 | 2;

function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || index < 1 || index > count) throw new InvalidArgumentError(`expected K/N with 1 <= K <= N, got "${value}"`);
  return { index, count };
}

export function register(program: Command): void {
  program
    .command('run')
    .description('score a model on a suite and write results JSON + per-pair scores JSONL')
    .argument('[model]', `model folder, a default model (${MODELS.join(', ')}), the baseline "length", a remote engine: vllm+http://HOST:PORT/MODEL, tei+http://HOST:PORT, kserve+http://HOST:PORT/MODEL (docs/remote.md), or an LLM judge: openai+http(s)://HOST[:PORT]/MODEL (docs/judges.md)`, DEFAULT_MODEL)
    .option('-s, --suite <name>', 'suite from the dataset manifest', 'rewardbench-v1')
    .option('--manifest <file>', 'dataset manifest (default: ./datasets.manifest.json, else the bundled one)')
    .option('-o, --out <file>', 'results JSON (default: results/<model>.<suite>.json)')
    .option('--scores <file>', 'per-pair scores JSONL (default: beside the results, .scores.jsonl)')
    .option('--subsets <names>', 'only these subsets, comma-separated (marks the run partial)', list)
    .option('--limit <n>', 'at most n pairs per subset (marks the run partial)', positiveInt)
    .option('--shard <K/N>', 'score only shard K of N (a stable hash of subset/id); combine with `rmbench merge`', parseShard)
    .option('--device <name>', 'local models: execution provider: cpu (default), cuda, webgpu, ... (falls back to cpu)')
    .option('--threads <n>', 'local models: ONNX Runtime intra-op threads', positiveInt)
    .option('--token-budget <n>', 'local models and KServe: padded tokens per batch (default 4096)', positiveInt)
    .option('--dtype <dtype>', 'local models: weights variant: fp32 (onnx/model.onnx, default), fp16 (model_fp16.onnx), q8 (model_quantized.onnx)')
    .option('--cache-dir <dir>', 'score cache location (default: $RMBENCH_CACHE_DIR, else ~/.cache/rmbench)')
    .option('--no-cache', 'compute every score; read and write no cache')
    .option('--no-progress', 'no progress bar')
    .option('--tokenizer <dir>', 'remote engines: folder with config.json, tokenizer.json, tokenizer_config.json (a model folder without onnx/); formats texts (and tokenises them for KServe, which needs it)')
    .option('--concurrency <n>', 'remote engines: requests in flight (default 4)', positiveInt)
    .option('--batch-size <n>', 'vLLM and TEI: texts per request (default 32); local models: fixed batches of n in dataset order instead of the token budget (for comparisons)', positiveInt)
    .option('--request-timeout <seconds>', 'remote engines: time limit of each request attempt (default 120)', positiveSeconds)
    .option('--retries <n>', 'remote engines: retries after a 429, 5xx, timeout or connection error (default 4)', nonNegativeInt)
    .option('--retry-backoff <ms>', 'remote engines: first retry delay, doubled each retry (default 500)', nonNegativeInt)
    .option('--server-template', 'vLLM: send each conversation as messages and let the server apply its chat template')
    .option('--reference <dir>', 'DPO: the reference causal-LM folder; scores a causal-LM policy folder by beta * (log pi - log pi_ref) (docs/dpo.md)')
    .option('--beta <x>', 'DPO: beta of the implicit reward (default 0.1)', positiveNumber)
    .option('--reference-free <sum|avg>', 'DPO without a reference: the response\'s summed log-prob, or its per-token mean', referenceFree)
    .option('--judge <mode>', 'chat judges (openai+): pairwise (default: the judge names the better of two responses) or rating (it rates each response)', parseJudgeMode)
    .option('--judge-template <file>', 'chat judges: JSON {"system": "<optional Jinja>", "user": "<Jinja>"} replacing the MT-Bench prompt (docs/judges.md)')
    .option('--judge-orders <n>', 'pairwise judges: 2 (both orders, default) or 1 (one order, the chosen response\'s place seeded per pair)', parseOrders)
    .option('--api-key-env <name>', 'chat judges: the environment variable holding the API key (default OPENAI_API_KEY)')
    .option('--max-tokens <n>', 'chat judges: completion tokens per answer (default 2048)', positiveInt)
    .option('--temperature <x>', 'chat judges: sampling temperature (default 0)', nonNegativeNumber)
    .option('--price-in <usd>', 'chat judges: USD per million prompt tokens, for results.judge.cost_usd', nonNegativeNumber)
    .option('--price-out <usd>', 'chat judges: USD per million completion tokens', nonNegativeNumber)
    .option('--dry-run', 'chat judges: print how many requests the run would send (after the cache) and an estimate of their prompt tokens; send none, write no results')
    .action(async (model: string, o) => {
      // A default model's name (not a folder here) is its folder: models/ of a clone, else built into the cache.
      if (isDefaultModel(model) && !existsSync(model)) {
        const [{ defaultModelDir }, { defaultCacheDir }] = await Promise.all([import('../default-models/index.js'), import('../scorers/cache.js')]);
        model = await defaultModelDir(model, o.cacheDir ? resolve(o.cacheDir) : defaultCacheDir());
      }
      const [{ run }, { ScoresWriter, checkOutputs, commitRun, defaultResultsPath, scoresPathFor }, { defaultManifestPath, resolveSuite }, { renderTable }, { parseDevice }, { parseDtype }, { defaultCacheDir }, { isRemoteModel, remoteResultsName }] = await Promise.all([
        import('../bench/run.js'),
        import('../report/write.js'),
        import('../subsets/manifest.js'),
        import('../report/table.js'),
        import('../scorers/devices.js'),
        import('../scorers/model-folder.js'),
        import('../scorers/cache.js'),
        import('../scorers/backends/url.js'),
      ]);
      const { isOpenAiModel, openAiResultsName } = await import('../judge/openai-url.js');

      const out = resolve(o.out ?? defaultResultsPath(isOpenAiModel(model) ? openAiResultsName(model) : isRemoteModel(model) ? remoteResultsName(model) : model, o.suite));
      const scores = resolve(o.scores ?? scoresPathFor(out));
      // Before scoring: outputs that could not be written, or that would replace the data or each other, are refused.
      const suite = resolveSuite(defaultManifestPath(o.manifest), o.suite);
      checkOutputs(
        [
          { path: out, name: 'results file (--out)' },
          { path: scores, name: 'scores file (--scores)' },
        ],
        [{ path: suite.manifestPath, name: 'the dataset manifest' }, ...suite.subsets.map((s) => ({ path: resolve(suite.root, s.file), name: `the data of subset ${s.name}` }))],
      );
      const bar = o.progress ? await progressBar('scoring') : undefined;
      // Outcomes stream to a temporary scores file, renamed into place only if the run completes.
      const writer = new ScoresWriter(scores);
      let output;
      try {
        const options: RunOptions = {
          model,
          suite: o.suite,
          manifest: o.manifest,
          subsets: o.subsets,
          limit: o.limit,
          shard: o.shard,
          // Only the flags given: the model's backend refuses any it does not take.
          scorer: {
            device: o.device === undefined ? undefined : parseDevice(o.device),
            threads: o.threads,
            tokenBudget: o.tokenBudget,
            dtype: o.dtype === undefined ? undefined : parseDtype(o.dtype),
            tokenizer: o.tokenizer,
            concurrency: o.concurrency,
            batchSize: o.batchSize,
            requestTimeoutMs: o.requestTimeout === undefined ? undefined : o.requestTimeout * 1000,
            retries: o.retries,
            retryBackoffMs: o.retryBackoff,
            serverTemplate: o.serverTemplate,
            reference: o.reference,
            beta: o.beta,
            referenceFree: o.referenceFree,
            judge: o.judge,
            judgeTemplate: o.judgeTemplate,
            judgeOrders: o.judgeOrders,
            apiKeyEnv: o.apiKeyEnv,
            maxTokens: o.maxTokens,
            temperature: o.temperature,
            priceIn: o.priceIn,
            priceOut: o.priceOut,
            dryRun: o.dryRun,
          },
          cacheDir: o.cache ? (o.cacheDir ?? defaultCacheDir()) : undefined,
          onProgress: bar?.update,
          onOutcomes: (outcomes) => writer.write(outcomes),
          onWarning: warn,
        };
        output = await run(options);
      } catch (err) {
        writer.abort();
        throw err;
      } finally {
        bar?.stop();
      }
      if (o.dryRun) {
        // Nothing was sent and nothing is kept: the answers a dry run "got" are placeholders.
        writer.abort();
        const { unique_inputs: requests, cached_texts: cached, real_tokens: estimate } = output.results.timing;
        console.log(`dry run: ${requests} request(s) to send (${cached} answer(s) already in the cache); about ${estimate} prompt tokens (characters / 4); nothing sent, no results written`);
        return;
      }
      const results = commitRun(writer, output, out);
      console.log(renderTable(results));
      for (const line of output.report) console.log(line);
      console.log(chalk.dim(`results: ${out}\nscores:  ${scores}`));
    });
}

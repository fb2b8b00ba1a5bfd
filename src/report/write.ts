/**
 * @file Writing a run: the per-pair scores JSONL first, then the results JSON that names it, each
 * atomically, so an interrupted run leaves no partial results file.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { toJson, writeFileAtomic } from '../io.js';
import type { RunOutput } from '../bench/run.js';
import { RESULTS_SCHEMA_VERSION, type ItemOutcome, type Results } from './schema.js';

export interface WritePaths {
  /** Results JSON path. */
  out: string;
  /** Scores JSONL path (default: the results path with .scores.jsonl). */
  scores?: string;
}

export function defaultResultsPath(model: string, suite: string): string {
  return `results/${basename(model)}.${suite}.json`;
}

export function scoresPathFor(resultsPath: string): string {
  return resultsPath.replace(/\.json$/i, '') + '.scores.jsonl';
}

export function writeRun(output: RunOutput, paths: WritePaths): Results {
  const out = resolve(paths.out);
  const scores = resolve(paths.scores ?? scoresPathFor(out));
  const results: Results = { ...output.results, scores_file: relative(dirname(out), scores) };
  writeFileAtomic(scores, output.pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
  writeFileAtomic(out, toJson(results));
  return results;
}

/** Reads a results JSON written by rmbench, checking its schema version. */
export function readResults(path: string): Results {
  let data: Results;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as Results;
  } catch (err) {
    throw new UserError(`${path}: cannot read results (${(err as Error).message})`);
  }
  if (data?.schema_version !== RESULTS_SCHEMA_VERSION) {
    throw new UserError(`${path}: results schema_version ${String(data?.schema_version)}, this rmbench reads ${RESULTS_SCHEMA_VERSION}`);
  }
  return data;
}

export function readScores(resultsPath: string, results: Pick<Results, 'scores_file'>): ItemOutcome[] {
  const path = resolve(dirname(resultsPath), results.scores_file);
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as ItemOutcome);
  } catch (err) {
    throw new UserError(`${path}: cannot read the per-pair scores named by ${resultsPath} (${(err as Error).message})`);
  }
}

/**
 * @file Writing a run: the per-pair scores JSONL first, then the results JSON that names it, each
 * atomically, so an interrupted run leaves no partial results file.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
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

/**
 * Streams per-item scores to a temporary file beside the target, renamed into place by commit():
 * the scores file appears whole or not at all.
 */
export class ScoresWriter {
  private readonly tmp: string;
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  }

  /** The file is created on first use, so a run that fails early leaves nothing behind. */
  private open(): number {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.tmp, 'w');
    }
    return this.fd;
  }

  write(outcomes: readonly ItemOutcome[]): void {
    if (outcomes.length) writeSync(this.open(), `${outcomes.map((o) => JSON.stringify(o)).join('\n')}\n`);
  }

  commit(): void {
    closeSync(this.open());
    this.fd = undefined;
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, { force: true });
  }
}

/** Writes the results JSON (atomically) naming a scores file already in place. */
export function writeResults(output: Pick<RunOutput, 'results'>, out: string, scores: string): Results {
  const results: Results = { ...output.results, scores_file: relative(dirname(resolve(out)), resolve(scores)) };
  writeFileAtomic(resolve(out), toJson(results));
  return results;
}

/** Writes a run held in memory: its scores, then its results. */
export function writeRun(output: RunOutput, paths: WritePaths): Results {
  const scores = resolve(paths.scores ?? scoresPathFor(resolve(paths.out)));
  const writer = new ScoresWriter(scores);
  try {
    writer.write(output.pairs);
    writer.commit();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return writeResults(output, paths.out, scores);
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

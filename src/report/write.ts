/**
 * @file Writing and reading a run. The per-pair scores JSONL and the results JSON that names it are
 * staged as temporary files and put in place together (src/io.ts replaceFiles), so a failed or
 * interrupted run leaves no partial file, and a failed write leaves the previous results and scores
 * as they were. Output paths are checked before any work
 * (checkOutputs). Reading validates both files against the schema (schema.ts).
 */
import { closeSync, mkdirSync, openSync, realpathSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { fileInTheWay, readRegularFile, replaceFiles, stagingPath, toJson, writeFileAtomic } from '../io.js';
import type { z } from 'zod';
import { RESULTS_SCHEMA_VERSION, ResultsSchema, itemOutcomeSchema, type ItemOutcome, type Results, type RunOutput } from './schema.js';
import { printable } from './table.js';

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
 * Streams per-item scores to a temporary file beside the target; commitRun() puts it in place
 * together with the results, so neither appears without the other.
 */
export class ScoresWriter {
  private readonly tmp: string;
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.tmp = stagingPath(path);
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

  /** Closes the staged file; it is renamed into place by commitRun(). */
  close(): string {
    closeSync(this.open());
    this.fd = undefined;
    return this.tmp;
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, { force: true });
  }
}

/** A file a command reads or writes, with how the user named it (an option, or what it is). */
export interface NamedPath {
  path: string;
  name: string;
}

/** The real path, resolving symbolic links in the part that exists, so two names of one file compare equal. */
function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(canonical(parent), basename(abs));
  }
}

/**
 * Refuses, before any work is done, outputs that could not be written or would destroy something:
 * a directory (or a path under a file), two outputs at one path, an output onto an input.
 */
export function checkOutputs(outputs: readonly NamedPath[], inputs: readonly NamedPath[] = []): void {
  const taken: [string, NamedPath][] = inputs.map((i) => [canonical(i.path), i]);
  for (const output of outputs) {
    const path = canonical(output.path);
    const blocker = fileInTheWay(path);
    if (blocker) throw new UserError(`${output.name} ${output.path}: ${blocker} is not a directory`);
    if (/[\\/]$/.test(output.path) || statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UserError(`${output.name} ${output.path} is a directory; give a file path`);
    }
    const clash = taken.find(([p]) => p === path)?.[1];
    if (clash) throw new UserError(`${output.name} ${output.path} would overwrite ${clash.name} (${clash.path}); give it a path of its own`);
    taken.push([path, output]);
  }
}

/** File-system failures while writing outputs (disk full, permissions) are the user's to fix: one line, no stack. */
function writing<T>(what: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new UserError(`cannot write ${what} (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Puts a run's scores (streamed by `writer`) and its results JSON in place together: the results
 * are staged whole first, then both are renamed (replaceFiles); if either rename fails, the files
 * that were there before are put back, so a failed write leaves the previous results and scores
 * (or neither file) and never an orphan scores file.
 */
export function commitRun(writer: ScoresWriter, output: Pick<RunOutput, 'results'>, out: string): Results {
  const target = resolve(out);
  const results: Results = { ...output.results, scores_file: relative(dirname(target), resolve(writer.path)) };
  const staged = stagingPath(target);
  writing(`${out} and ${writer.path}`, () => {
    let scores: string;
    try {
      scores = writer.close();
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(staged, toJson(results));
    } catch (err) {
      writer.abort();
      rmSync(staged, { force: true });
      throw err;
    }
    replaceFiles([
      [scores, writer.path],
      [staged, target],
    ]);
  });
  return results;
}

/** Writes one output file atomically (after checkOutputs); a file-system failure is one line. */
export function writeOutput(path: string, data: string): void {
  writing(path, () => writeFileAtomic(resolve(path), data));
}

/** Writes a run held in memory: its scores and its results, together. */
export function writeRun(output: RunOutput, paths: WritePaths): Results {
  const writer = new ScoresWriter(resolve(paths.scores ?? scoresPathFor(resolve(paths.out))));
  writing(writer.path, () => {
    try {
      writer.write(output.pairs);
    } catch (err) {
      writer.abort();
      throw err;
    }
  });
  return commitRun(writer, output, paths.out);
}

/** One line for a schema problem: the field's path and what was expected (and how many more). */
function firstIssue(error: z.ZodError): string {
  const [issue] = error.issues;
  const field = issue!.path.length ? issue!.path.map(String).join('.') : '(the whole file)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return `field ${printable(field)}: ${printable(issue!.message)}${more}`;
}

/** Reads a results JSON written by rmbench, validated against the schema (one line naming the field on failure). */
export function readResults(path: string): Results {
  const text = readRegularFile(path, 'results').toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: cannot read results (${(err as Error).message})`);
  }
  const version = (data as { schema_version?: unknown } | null)?.schema_version;
  if (version !== RESULTS_SCHEMA_VERSION) {
    throw new UserError(`${path}: results schema_version ${printable(JSON.stringify(version) ?? 'missing')}, this rmbench reads ${RESULTS_SCHEMA_VERSION}`);
  }
  const parsed = ResultsSchema.safeParse(data);
  if (!parsed.success) throw new UserError(`${path}: not a valid rmbench results file: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

/** A run as read back: its results and every item's outcome, in the scores file's order. */
export interface RunFiles {
  path: string;
  results: Results;
  pairs: ItemOutcome[];
}

/** Reads a results file and the scores file it names, both validated. */
export function readRun(path: string): RunFiles {
  const results = readResults(path);
  return { path, results, pairs: readScores(path, results) };
}

/** Reads the per-item scores file a results file names, validating every line. */
export function readScores(resultsPath: string, results: Pick<Results, 'scores_file'>): ItemOutcome[] {
  const path = resolve(dirname(resultsPath), results.scores_file);
  const text = readRegularFile(path, `the per-pair scores named by ${resultsPath}`).toString('utf8');
  const outcomes: ItemOutcome[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (err) {
      throw new UserError(`${path}: line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    const parsed = itemOutcomeSchema(data).safeParse(data);
    if (!parsed.success) throw new UserError(`${path}: line ${i + 1}: ${firstIssue(parsed.error)}`);
    outcomes.push(parsed.data);
  });
  return outcomes;
}

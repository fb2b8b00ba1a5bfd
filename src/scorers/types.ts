/**
 * @file The types every part of the scorer seam shares: what is scored (a response, or an item's
 * chosen and rejected responses), what a backend computes (named float outputs per input), what a
 * kind makes of them (outputs, preferences, a streaming summary), and the Scorer the bench drives.
 * Kinds and backends import their shared types from here, never from the registries that list them.
 */
import { UserError } from '../errors.js';
import type { Prompt } from '../subsets/types.js';
import type { RmbenchBlock } from './model-folder.js';

export interface ResponseInput {
  prompt: Prompt;
  response: string;
}

/** Two responses to the same prompt, judged together in this order (a pairwise model, a judge). */
export interface PairInput {
  prompt: Prompt;
  a: string;
  b: string;
}

/** What a backend computes outputs for: one response, or an ordered pair of responses. */
export type ScoreInput = ResponseInput | PairInput;

export const isPairInput = (input: ScoreInput): input is PairInput => 'a' in input;

/** The response of an input, for backends that read one response at a time; a pair is a one-line error. */
export function singleResponse(input: ScoreInput, where: string): ResponseInput {
  if (isPairInput(input)) throw new UserError(`${where}: this backend reads one response at a time; the kind judges two responses together`);
  return input;
}

/** An item to decide: its prompt with every chosen and rejected response (a pair has one of each). */
export interface ItemInput {
  prompt: Prompt;
  chosen: readonly string[];
  rejected: readonly string[];
}

/** Raw outputs for one input: output name -> that input's values. */
export type OutputRow = Record<string, Float32Array>;

/** What a kind makes of one response: `score` for a per-response reward (Bradley-Terry, ArmoRM, length); pair-only models leave it out. */
export interface ResponseOutputs {
  score?: number;
}

/** An item decided by a scorer: each response's outputs, and prefer(chosen c, rejected r) for every c, r. */
export interface ScoredItem<O extends ResponseOutputs = ResponseOutputs> {
  chosen: O[];
  rejected: O[];
  /** matrix[c][r] > 0: chosen c is preferred over rejected r; < 0 the reverse; 0 a tie. */
  matrix: number[][];
  /** Pair kinds' sets: per (c, r), row-major, its orders' outputs as a pair item holds them in chosen/rejected. */
  pairs?: { chosen: O; rejected: O }[];
  /** The decision reads an invalid output (a judge answer without a verdict): the item is wrong, scores may be missing. */
  invalid?: true;
}

/** A decided pair with both responses' outputs, for kind-specific summaries. */
export interface ScoredPair<O extends ResponseOutputs = ResponseOutputs> {
  subset: string;
  section: string;
  chosen: O;
  rejected: O;
}

/** A decided response set with each response's outputs, for summaries that count sets (a rating judge). */
export interface ScoredSet<O extends ResponseOutputs = ResponseOutputs> {
  subset: string;
  section: string;
  chosen: O[];
  rejected: O[];
}

/** A response's outputs as stored in the scores file (float32 values are exact as JSON numbers). */
export type SavedOutputs = Record<string, number[]>;

/** A kind-specific addition to the results (e.g. ArmoRM's per-objective accuracy). */
export interface ScorerReport {
  /** Stored as results.scorer_report. */
  json: Record<string, unknown>;
  /** Lines printed under the terminal table. */
  text: string[];
  /** Top-level keys added to the results (e.g. a judge's `judge` statistics). */
  results?: Record<string, unknown>;
}

/** A kind's summary, fed decided pairs one at a time in suite order (window after window, shard after shard): it never holds them all. */
export interface SummaryAccumulator<O extends ResponseOutputs = ResponseOutputs> {
  add(pair: ScoredPair<O>): void;
  /** With Scorer.summarisesSets, a response kind's response sets (a pair kind's sets come to add() per pair). */
  addSet?(set: ScoredSet<O>): void;
  finish(): ScorerReport;
}

/** What a scorer did, for the results' config and timing sections. */
export interface ScorerStats {
  /** Responses asked for, distinct formatted texts, distinct model inputs actually run. */
  responses: number;
  uniqueTexts: number;
  uniqueInputs: number;
  /** Distinct texts whose outputs came from the score cache (neither tokenised nor run). */
  cachedTexts: number;
  batches: number;
  /** Tokens in the model inputs, and tokens computed including padding. */
  realTokens: number;
  paddedTokens: number;
  tokenizeMs: number;
  inferenceMs: number;
  /** Time of each batch (a request, for remote backends), in the order they finished. */
  batchMs: number[];
}

export interface ScorerInfo {
  /** Scorer kind, e.g. "bradley-terry" or "length". */
  kind: string;
  /** Model name (folder name, served model or baseline name). */
  model: string;
  /** Absolute model folder or engine URL, when there is one. */
  path?: string;
  /** sha256 of the model's weight files, when there are any. */
  sha256?: string;
  /** Everything that affects the scores: text format, template, max length, truncation, device... */
  config: Record<string, unknown>;
}

/** The scorer the bench drives: a kind over a backend (src/scorers/scorer.ts). */
export interface Scorer<O extends ResponseOutputs = ResponseOutputs> {
  readonly info: ScorerInfo;
  readonly stats: ScorerStats;
  /** Decides items: one ScoredItem per input, in order; identical inputs, identical outputs whatever the batch. onProgress: model inputs done, total. */
  scoreItems(items: readonly ItemInput[], onProgress?: (done: number, total: number) => void): Promise<ScoredItem<O>[]>;
  /** A fresh summary accumulator, when the kind has a summary. */
  summary?(): SummaryAccumulator<O>;
  /** With summary: the outputs it reads, stored in the scores file so `rmbench merge` rebuilds it. */
  saveOutputs?(outputs: O): SavedOutputs;
  /** The summary counts response sets too (KindRunBase.summarisesSets); otherwise it reads pair rows only. */
  readonly summarisesSets?: true;
  /** An exact tie of its preferences is wrong whatever the suite's best-of-n rule (KindRunBase.tiesWrong). */
  readonly tiesWrong?: true;
  dispose(): Promise<void>;
}

/** A scorer whose kind scores each response on its own (every kind but the pair kinds: the local pairwise model, the pairwise judge). */
export interface ResponseScorer<O extends ResponseOutputs = ResponseOutputs> extends Scorer<O> {
  /** One output record per input, in input order. */
  scoreResponses(inputs: readonly ResponseInput[], onProgress?: (done: number, total: number) => void): Promise<O[]>;
  /** > 0 when a is preferred over b, < 0 when b is, 0 for a tie; prefer(a, b) = -prefer(b, a). */
  prefer(a: O, b: O): number;
}

// ---------------------------------------------------------------- backends

/** What a batch run returned, with what it cost. */
export interface BatchResult {
  rows: OutputRow[];
  realTokens: number;
  paddedTokens: number;
  inferenceMs: number;
}

/** The outputs a kind asks of a backend: the ones it needs, and ones read when present. */
export interface OutputRequest {
  required: readonly string[];
  optional?: readonly string[];
  /** How to fix a missing output, for the error. */
  hint?: string;
}

/**
 * What turns inputs into outputs: a local ONNX graph, a KServe graph, a text engine (vLLM, TEI), a
 * built-in rule. The runner (src/scorers/runner.ts) drives it: textKey() and encode() per distinct
 * input, unitKey() to run identical model inputs once, plan() to batch, runBatch() per batch.
 */
export interface Backend<U = unknown> {
  /** Engine name recorded in the results ("onnx", "kserve", "vllm", "tei", "builtin", "openai", "causal-lm"). */
  readonly engine: string;
  /** Model name, path or URL, weights' sha256, and the config entries that affect outputs. */
  readonly info: Omit<ScorerInfo, 'kind'>;
  /** Names the model in messages (the ONNX file, or the engine URL). */
  readonly where: string;
  /** Batches in flight at once. */
  readonly concurrency: number;
  /** The runner keeps every text's outputs across windows: none is run or counted twice in a run (a chat judge: paid requests, a dry run). */
  readonly rememberOutputs?: boolean;
  /** The raw output that holds a kind's output named `configured` (text engines have one, "values"). */
  outputName(configured: string): string;
  hasOutput(name: string): boolean;
  /** Checks the outputs before scoring (present, one row per input, padding); returns those to read. */
  prepare(outputs: OutputRequest): Promise<string[]>;
  /** The formatted text(s) an input becomes (equal keys, equal outputs); a UserError for an input shape the backend cannot judge. */
  textKey(input: ScoreInput): string;
  /** The model input for an input (e.g. its token ids); throws a UserError for an unusable one. */
  encode(input: ScoreInput, textKey: string): U;
  /** Equal keys: the same model input, run once. */
  unitKey(unit: U): string;
  /** Batches, as lists of indices into units. */
  plan(units: readonly U[]): number[][];
  runBatch(units: readonly U[], outputs: readonly string[]): Promise<BatchResult>;
  /** The score cache's key for these outputs, and each output's width when known; absent: not cached. */
  cacheKey?(outputs: readonly string[]): { key: string; widths?: Record<string, number | undefined> };
  dispose(): Promise<void>;
}

/** The one output of the built-in backend: the response's length in code points. */
export const LENGTH_OUTPUT = 'length';

/** What a backend is opened with besides its options. */
export interface BackendContext {
  /** Score cache root, when the run caches (recorded in the results' config). */
  cacheDir?: string;
  onWarning?: (message: string) => void;
}

/** What a kind is given when it opens over a backend. */
export interface KindContext {
  block: RmbenchBlock;
  /** The model's name, for messages. */
  model: string;
  backend: Pick<Backend, 'where' | 'outputName' | 'hasOutput'>;
  onWarning?: (message: string) => void;
}

/** What every opened kind has: its config, how it reads raw outputs, its summary. */
interface KindRunBase<O extends ResponseOutputs> {
  /** Added to the results' config. */
  config: Record<string, unknown>;
  /** The kind's outputs for one input (a response, or an ordered pair) from its raw outputs. */
  read(row: OutputRow, index: number): O;
  /** A fresh summary accumulator. A pair kind's ScoredPair holds its orders' outputs (`chosen`: chosen first; {} for an order not judged). */
  summary?(): SummaryAccumulator<O>;
  saveOutputs?(outputs: O): SavedOutputs;
  /** The summary counts response sets too: a pair kind's pairs of each set, a response kind's addSet(). */
  summarisesSets?: true;
  /** Whether one input's outputs are invalid (a judge answer without a verdict): ScoredItem.invalid. */
  isInvalid?(outputs: O): boolean;
  /** Ties are wrong on best-of-n items too (a judge's [[C]] or equal ratings), not shared by the suite's rule. */
  tiesWrong?: true;
}

/** A kind that reads one response at a time and compares two responses' outputs. */
export interface ResponseKindRun<O extends ResponseOutputs> extends KindRunBase<O> {
  unit: 'response';
  prefer(a: O, b: O): number;
}

/** A kind that judges two responses together (prompt + A + B in one input); prefer(ab, ba): A over B from the orders judged. */
export interface PairKindRun<O extends ResponseOutputs> extends KindRunBase<O> {
  unit: 'pair';
  /** 2: each pair is judged as (A, B) and (B, A); 1: in one order, the chosen response's place seeded per item. */
  orders: 1 | 2;
  prefer(ab: O, ba: O | undefined): number;
}

/** A kind opened over a backend, its outputs checked. */
export type KindRun<O extends ResponseOutputs> = ResponseKindRun<O> | PairKindRun<O>;

/** A kind's summary rebuilt from the scores file and the shards' reports (rmbench merge). */
export interface SummaryRestorer<O extends ResponseOutputs> {
  accumulator: SummaryAccumulator<O>;
  restore(saved: SavedOutputs, score: number | null): O;
}

/** What a kind of reward means: which outputs it reads, how it decides, what it summarises. */
export interface Kind<O extends ResponseOutputs = ResponseOutputs> {
  readonly name: string;
  /** One line for `rmbench inspect`. */
  readonly description: string;
  /** The raw outputs it reads, by role (e.g. score, rewards, gating), with the folder's names. */
  outputs(block: RmbenchBlock): { required: Record<string, string>; optional?: Record<string, string>; hint: string };
  /** Whether a text engine's one vector per text can feed it (rmbench serve's text routes, vLLM, TEI). */
  readonly oneVectorPerText: boolean;
  open(context: KindContext, read: readonly string[]): KindRun<O>;
  /** reward-bench's model_type for a run of this kind, from its config ("Seq. Classifier" when absent). */
  rewardBenchType?(config: Record<string, unknown>): string;
  /** The lines its summary prints under the table and in the HTML report, from the summary's JSON. */
  reportLines?(report: Record<string, unknown>): string[];
  /** Settings and outputs from the shards' reports, for merge; absent: no summary. */
  restorer?(reports: readonly Record<string, unknown>[]): SummaryRestorer<O>;
  /** The rmbench field that names its outputs, for messages ("rmbench.output", "rmbench.outputs"). */
  readonly outputsField: string;
  /** What `rmbench inspect` says of a graph for this kind: problems with the declared outputs (width: values per response, null if unknown), notes. */
  inspect?(block: RmbenchBlock, graph: { width(name: string): number | null; promptInputs: boolean }): { notes: string[]; problems: string[] };
}

export const emptyStats = (): ScorerStats => ({
  responses: 0,
  uniqueTexts: 0,
  uniqueInputs: 0,
  cachedTexts: 0,
  batches: 0,
  realTokens: 0,
  paddedTokens: 0,
  tokenizeMs: 0,
  inferenceMs: 0,
  batchMs: [],
});

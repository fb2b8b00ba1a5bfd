/**
 * @file reward-bench's result files, both ways (shapes and sources in docs/interop.md):
 * - `eval-set/<model>.json`: flat `{model, model_type, chat_template, <subset>: accuracy, ...}`.
 * - `eval-set-scores/<model>.json`: column-oriented (`Dataset.to_dict()`: one list per column, one
 *   entry per item) plus the scalars `model`, `model_type`, `chat_template`.
 *   v1 (pairs): `id`, `subset`, `results` (1 iff chosen > rejected), `scores_chosen`, `scores_rejected`.
 *   v2 (RewardBench 2): `id`, `subset`, `scores` (the chosen first; Ties: the first `num_correct`
 *   are the correct answers; each score may be a one-element list, as custom pipelines return),
 *   `num_correct`, `results` (1/#maxima when the first score is among them, else 0). run_v2.py
 *   sets `results` to null only for a subset named exactly "ties": RewardBench 2's "Ties" rows keep
 *   the generic value, although that subset's score is a formula over the subset.
 * `chat_template`: "tokenizer" in eval-set and v2 eval-set-scores when the tokenizer's template was
 * applied; v1 eval-set-scores holds the run's own chat template (run_rm.py's args.chat_template).
 * reward-bench writes both with `json.dumps(indent=4, sort_keys=True)`; so does toRewardBenchJson.
 * Pure: the commands read and write the files.
 */
import { basename } from 'node:path';
import { z } from 'zod';
import { UserError, ValidationError } from '../errors.js';
import { DEFAULT_METRIC, metricOf } from '../metrics/registry.js';
import { outcomeValue, type ItemOutcome, type PairOutcome, type Results } from '../report/schema.js';
import { kindNamed } from '../scorers/kinds/registry.js';
import type { LoadedSubset } from '../subsets/load.js';
import { isSetRow, pairKey, type MetricKind, type Row } from '../subsets/types.js';

export type ScoresVersion = 'v1' | 'v2';

/** The model_type values reward-bench's results use. */
export const REWARD_BENCH_MODEL_TYPES = ['Seq. Classifier', 'Custom Classifier', 'DPO', 'DPO Ref. Free', 'Generative RM'] as const;
const SCALAR_KEYS = ['model', 'model_type', 'chat_template', 'ref_model'];

/** `config.source` of results made by import-results: their chat_template is reward-bench's own field. */
export const IMPORTED_SOURCE = 'reward-bench eval-set-scores';

/** Lists at most this many problems of one kind, then a count of the rest. */
const MAX_LISTED = 10;

const capped = (problems: readonly string[]): string[] =>
  problems.length > MAX_LISTED ? [...problems.slice(0, MAX_LISTED), `and ${problems.length - MAX_LISTED} more`] : [...problems];

function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

/** v1 for suites of pairs; v2 (RewardBench 2's shapes) once a subset holds response sets. */
export function scoresVersion(results: Pick<Results, 'subsets'>): ScoresVersion {
  const metrics = [...new Set(Object.values(results.subsets).map((s) => metricOf(s.metric)))];
  const unwritable = metrics.find((m) => m.rewardBench.version === null);
  if (unwritable) throw new UserError(`reward-bench has no format for the ${unwritable.kind} metric (${unwritable.source}); use --format eee`);
  return metrics.every((m) => m.rewardBench.version === 'v1') ? 'v1' : 'v2';
}

/** reward-bench's model_type: an imported run keeps its own; else the kind says (a sequence classifier unless it says otherwise). */
export function rewardBenchModelType(results: Pick<Results, 'model_type' | 'config'>): string {
  const kind = results.model_type;
  if ((REWARD_BENCH_MODEL_TYPES as readonly string[]).includes(kind)) return kind;
  return kindNamed(kind)?.rewardBenchType?.(results.config) ?? 'Seq. Classifier';
}

/** reward-bench's ref_model: a DPO run's reference model (the model a server names, else its folder's name), else null. */
function rewardBenchRefModel(results: Pick<Results, 'config'>): string | null {
  const reference = results.config.reference as { path?: unknown; served_model?: unknown } | null | undefined;
  if (typeof reference?.served_model === 'string') return reference.served_model;
  return typeof reference?.path === 'string' ? basename(reference.path) : null;
}

/** reward-bench writes "tokenizer" when the tokenizer's chat template was applied; imported results keep the file's value. */
function rewardBenchChatTemplate(results: Pick<Results, 'chat_template' | 'config'>): string | null {
  if (results.config.source === IMPORTED_SOURCE) return results.chat_template;
  return results.chat_template === null ? null : 'tokenizer';
}

/** reward-bench's ids are integers: ids that are canonical integers go out as numbers, the rest as strings. */
const exportId = (id: string): number | string => (/^(0|[1-9]\d*)$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id);

function header(results: Results) {
  const refModel = rewardBenchRefModel(results);
  return { model: results.model, model_type: rewardBenchModelType(results), chat_template: rewardBenchChatTemplate(results), ...(refModel === null ? {} : { ref_model: refModel }) };
}

/** run_v2.py nulls the results of a subset named exactly "ties" (its lowercase check); "Ties" keeps the generic value. */
const NULL_RESULTS_SUBSET = 'ties';

/** The eval-set JSON: one unrounded accuracy per subset, equal to the results' subsets.*.accuracy. */
export function evalSet(results: Results): Record<string, string | number | null> {
  const clash = Object.keys(results.subsets).filter((name) => SCALAR_KEYS.includes(name));
  if (clash.length) throw new UserError(`subset name ${clash.join(', ')} would overwrite a field of reward-bench's eval-set JSON`);
  return { ...header(results), ...Object.fromEntries(Object.entries(results.subsets).map(([name, s]) => [name, s.accuracy])) };
}

/**
 * The eval-set-scores JSON, or null when the run has no per-response scores (general-preference
 * models; reward-bench writes no scores file for its custom classifiers either).
 */
export function evalSetScores(results: Results, outcomes: readonly ItemOutcome[]): Record<string, unknown> | null {
  const version = scoresVersion(results);
  const scoresOf = (o: ItemOutcome): (number | null)[] => ('value' in o ? [...o.chosen_scores, ...o.rejected_scores] : [o.chosen_score, o.rejected_score]);
  if (outcomes.some((o) => scoresOf(o).includes(null))) return null;
  const columns = { id: outcomes.map((o) => exportId(o.id)), subset: outcomes.map((o) => o.subset) };
  if (version === 'v1') {
    const pairs = outcomes.filter((o): o is PairOutcome => !('value' in o)); // all of them: v1 suites are pairwise
    return {
      ...header(results),
      // run_rm.py writes its chat-template argument here, not "tokenizer" as in eval-set.
      chat_template: results.chat_template,
      ...columns,
      results: pairs.map((o) => (o.correct ? 1 : 0)),
      scores_chosen: pairs.map((o) => o.chosen_score),
      scores_rejected: pairs.map((o) => o.rejected_score),
    };
  }
  return {
    ...header(results),
    ...columns,
    scores: outcomes.map(scoresOf),
    num_correct: outcomes.map((o) => ('value' in o ? o.chosen_scores.length : 1)),
    results: outcomes.map((o) => {
      const formula = metricOf(results.subsets[o.subset]?.metric ?? DEFAULT_METRIC).rewardBench.formulaResult;
      if (!formula) return outcomeValue(o);
      return o.subset === NULL_RESULTS_SUBSET ? null : formula.of(scoresOf(o) as number[]);
    }),
  };
}

/** JSON as reward-bench's save_to_hub writes it: keys sorted, 4-space indent. */
export function toRewardBenchJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sorted(value), null, 4);
}

// ---------------------------------------------------------------------------------------------
// Reading eval-set-scores files.

/** One item of an eval-set-scores file, with its scores in rmbench's response order (chosen first). */
export interface RecordedItem {
  /** Position in the file's columns. */
  row: number;
  subset: string;
  id: string;
  scores: number[];
  /** How many of the scores are chosen (correct) responses. */
  numCorrect: number;
  /** The file's own `results` entry. */
  result: number | null;
}

export interface RecordedScores {
  version: ScoresVersion;
  model: string;
  model_type: string;
  chat_template: string | null;
  ref_model: string | null;
  items: RecordedItem[];
}

const score = z.number({ error: (i) => `expected a number, got ${i.input === null ? 'null (reward-bench writes null scores for models without per-response scores; import needs them)' : typeof i.input}` });
const common = {
  model: z.string(),
  model_type: z.string(),
  chat_template: z.string().nullable().optional(),
  ref_model: z.string().nullable().optional(),
  id: z.array(z.union([z.number().int(), z.string()], { error: 'expected an integer or a string' })),
  subset: z.array(z.string()),
};
const V1 = z.object({ ...common, results: z.array(z.number().min(0).max(1)), scores_chosen: z.array(score), scores_rejected: z.array(score) });
/** A v2 score, or a one-element list of it (custom pipelines' [batch, 1] outputs; process_single_model unwraps them too). */
const v2Score = z.preprocess((v) => (Array.isArray(v) && v.length === 1 ? v[0] : v), score);
const V2 = z.object({
  ...common,
  results: z.array(z.number().min(0).max(1).nullable()),
  scores: z.array(z.array(v2Score).min(2, 'expected at least 2 scores')),
  num_correct: z.array(z.number().int().min(1)),
});

function parseColumns<T extends z.ZodType>(path: string, schema: T, data: unknown): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const [column, row, ...rest] = issue.path;
    if (column === undefined) return issue.message;
    const at = row === undefined ? `field "${String(column)}"` : `column "${String(column)}", row ${String(row)}${rest.length ? `, entry ${rest.join('.')}` : ''}`;
    return `${at}: ${issue.message}`;
  });
  throw new ValidationError(path, capped(problems));
}

/** Parses a reward-bench eval-set-scores file (v1 or v2, told apart by its columns). */
export function parseEvalSetScores(path: string, data: unknown): RecordedScores {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new UserError(`${path}: expected a JSON object of columns (reward-bench eval-set-scores), got ${Array.isArray(data) ? 'an array' : typeof data}`);
  }
  const v1 = 'scores_chosen' in data;
  if (!v1 && !('scores' in data)) throw new UserError(`${path}: neither a "scores_chosen" column (eval-set-scores v1) nor a "scores" column (v2); not a reward-bench eval-set-scores file`);
  const file = v1 ? parseColumns(path, V1, data) : parseColumns(path, V2, data);
  const uneven = Object.entries(file).filter(([, v]) => Array.isArray(v) && v.length !== file.id.length);
  if (uneven.length) throw new ValidationError(path, uneven.map(([name, v]) => `column "${name}" has ${(v as unknown[]).length} entries, column "id" has ${file.id.length}`));
  const items = file.id.map((id, row): RecordedItem => {
    const base = { row, subset: file.subset[row]!, id: String(id), result: file.results[row]! };
    return 'scores_chosen' in file
      ? { ...base, scores: [file.scores_chosen[row]!, file.scores_rejected[row]!], numCorrect: 1 }
      : { ...base, scores: file.scores[row]!, numCorrect: file.num_correct[row]! };
  });
  const bad = items.filter((i) => i.numCorrect >= i.scores.length).map((i) => `row ${i.row}: num_correct ${i.numCorrect} leaves no incorrect answer among ${i.scores.length} scores`);
  if (bad.length) throw new ValidationError(path, capped(bad));
  return { version: v1 ? 'v1' : 'v2', model: file.model, model_type: file.model_type, chat_template: file.chat_template ?? null, ref_model: file.ref_model ?? null, items };
}

export interface MatchedSubset extends LoadedSubset {
  /** The file's items in the suite's row order. */
  items: RecordedItem[];
}

/** Spaces, underscores and case aside, so RewardBench 2's "Precise IF" finds a subset named precise-if. */
const looseName = (name: string) => name.toLowerCase().replace(/[\s_]+/g, '-');

/**
 * Matches a file's items to a suite's rows by (subset, id), listing every problem: subsets the suite
 * lacks, (subset, id) pairs given twice, items missing or extra, counts per subset, and items whose
 * number of scores or of correct answers differs from the suite's.
 */
export function matchSuite(path: string, recorded: RecordedScores, loaded: readonly LoadedSubset[], suiteName: string): MatchedSubset[] {
  const problems: string[] = [];
  const exact = new Map(loaded.map((s) => [s.entry.name, s]));
  const loose = new Map<string, LoadedSubset[]>();
  for (const s of loaded) loose.set(looseName(s.entry.name), [...(loose.get(looseName(s.entry.name)) ?? []), s]);
  const subsetFor = new Map<string, LoadedSubset | undefined>();
  for (const name of new Set(recorded.items.map((i) => i.subset))) {
    const candidates = loose.get(looseName(name));
    subsetFor.set(name, exact.get(name) ?? (candidates?.length === 1 ? candidates[0] : undefined));
  }
  const unknown = [...subsetFor].filter(([, s]) => !s).map(([name]) => `"${name}" (${recorded.items.filter((i) => i.subset === name).length} rows)`);
  if (unknown.length) problems.push(`subset${unknown.length > 1 ? 's' : ''} ${listed(unknown)} not in suite ${suiteName} (its subsets: ${listed(loaded.map((s) => s.entry.name))})`);

  const byKey = new Map<string, RecordedItem>();
  const duplicates: string[] = [];
  for (const item of recorded.items) {
    const subset = subsetFor.get(item.subset);
    if (!subset) continue;
    const key = pairKey({ subset: subset.entry.name, id: item.id });
    const first = byKey.get(key);
    if (first) duplicates.push(`(${item.subset}, ${item.id}) in rows ${first.row} and ${item.row}`);
    else byKey.set(key, item);
  }
  if (duplicates.length) problems.push(`duplicate (subset, id): ${listed(duplicates)}`);

  const matched = loaded.map((subset): MatchedSubset => {
    const keys = new Set(subset.rows.map(pairKey));
    const inFile = [...byKey].filter(([key]) => subsetFor.get(byKey.get(key)!.subset) === subset);
    const extra = inFile.filter(([key]) => !keys.has(key)).map(([, item]) => item.id);
    const missing = subset.rows.filter((row) => !byKey.has(pairKey(row))).map((row) => row.id);
    const count = recorded.items.filter((i) => subsetFor.get(i.subset) === subset).length;
    if (count !== subset.rows.length) problems.push(`subset ${subset.entry.name}: ${count} rows in the file, ${subset.rows.length} items in suite ${suiteName}`);
    if (missing.length) problems.push(`subset ${subset.entry.name}: missing id${missing.length > 1 ? 's' : ''} ${listed(missing)}`);
    if (extra.length) problems.push(`subset ${subset.entry.name}: id${extra.length > 1 ? 's' : ''} ${listed(extra)} not in the suite`);
    const items: RecordedItem[] = [];
    const shapes: string[] = [];
    for (const row of subset.rows) {
      const item = byKey.get(pairKey(row));
      if (!item) continue;
      items.push(item);
      const [responses, correct] = responseCounts(row);
      if (item.scores.length !== responses || item.numCorrect !== correct) {
        shapes.push(`row ${item.row} (${pairKey(row)}): ${item.scores.length} scores with ${item.numCorrect} correct, the suite's item has ${responses} responses with ${correct} chosen`);
      }
    }
    problems.push(...shapes.slice(0, MAX_LISTED), ...(shapes.length > MAX_LISTED ? [`and ${shapes.length - MAX_LISTED} more items of ${subset.entry.name} with other response counts`] : []));
    return { ...subset, items };
  });
  if (problems.length) throw new ValidationError(path, problems);
  return matched;
}

const responseCounts = (row: Row): [number, number] => (isSetRow(row) ? [row.chosen.length + row.rejected.length, row.chosen.length] : [2, 1]);

/**
 * Checks the file's own `results` column against the outcomes recomputed from its scores (items in
 * the same order): a file whose decisions disagree with its scores cannot be trusted.
 */
export function checkRecordedResults(path: string, items: readonly RecordedItem[], outcomes: readonly ItemOutcome[], metricOfSubset: (subset: string) => MetricKind): void {
  const problems: string[] = [];
  items.forEach((item, i) => {
    const outcome = outcomes[i]!;
    const formula = metricOf(metricOfSubset(outcome.subset)).rewardBench.formulaResult;
    if (formula) {
      // The subset's score is a formula, not a mean of results: reward-bench leaves null or its generic value.
      const generic = formula.of(item.scores);
      if (item.result !== null && Math.abs(item.result - generic) > 1e-12) {
        problems.push(`row ${item.row} (${outcome.key}): results says ${item.result}, expected null or ${generic} (${formula.rule(item.scores)})`);
      }
      return;
    }
    const expected = outcomeValue(outcome);
    if (item.result === null || Math.abs(item.result - expected) > 1e-12) {
      problems.push(`row ${item.row} (${outcome.key}): results says ${item.result}, its scores ${item.scores.join(', ')} give ${expected}`);
    }
  });
  if (problems.length) throw new ValidationError(path, capped(problems));
}

/**
 * @file `rmbench analyze`: several models' runs of one suite version read as an ensemble, to find
 * the items a benchmark's labels may get wrong ("Secrets of RLHF Part II: Reward Modeling" measures
 * each pair's preference strength with an ensemble of reward models).
 *
 * - A model's margins (its preference of chosen over rejected) are standardised by dividing by
 *   their standard deviation over the suite's pairs: scales become comparable, and the sign (the
 *   decision) is kept, which centring would not.
 * - Per pair: the mean and spread (population standard deviation) of the models' standardised
 *   margins, the preference strength; and how many models get the item right (a tie is wrong; an
 *   item of a set metric is right only when its value is 1, i.e. every comparison in it is won).
 * - Per subset: the mean and standard deviation of the pairs' strengths, the share of pairs whose
 *   strength is negative (the ensemble prefers the rejected response) and below -threshold
 *   (strongly), and the items every model gets wrong.
 * - Between models: Cohen's kappa on per-item right/wrong, pooled over every item of the suite.
 * Items labelled as human ties are left out, as a run leaves them out of accuracy.
 */
import { UserError } from '../errors.js';
import { checkSameData } from '../report/data-fingerprint.js';
import { outcomeValue, type ItemOutcome } from '../report/schema.js';
import type { RunFiles } from '../report/write.js';
import type { MetricKind } from '../subsets/types.js';
import { agreement } from './agreement.js';

export const ANALYSIS_SCHEMA_VERSION = 1;
/** Strength below -1 (one standard deviation of the models' margins) counts as a strong preference for the rejected response. */
export const DEFAULT_STRONG_THRESHOLD = 1;

/** One model's run: results and scores as read by readRun (src/report/write.ts). */
export type EnsembleRun = Pick<RunFiles, 'path' | 'results'> & { pairs: readonly ItemOutcome[] };

export interface PairStrength {
  key: string;
  subset: string;
  id: string;
  /** How many models get the item right. */
  models_correct: number;
  /** Mean and population standard deviation of the standardised margins; null for items of set metrics. */
  strength: { mean: number; std: number } | null;
  /** Each model's raw margin, in model order (null for items of set metrics). */
  margins: number[] | null;
}

export interface SubsetAnalysis {
  metric: MetricKind;
  n: number;
  /** Items every model gets wrong, and right. */
  all_wrong: number;
  all_right: number;
  /** Distribution of the pairs' strengths (null for set metrics, which have no margin). */
  strength: {
    mean: number;
    std: number;
    /** Share of pairs with strength < 0: the ensemble prefers the rejected response. */
    prefers_rejected: number;
    /** Share with strength < -threshold. */
    strongly_prefers_rejected: number;
  } | null;
}

export interface Analysis {
  schema_version: typeof ANALYSIS_SCHEMA_VERSION;
  suite: { name: string; version: string };
  models: string[];
  runs: { model: string; path: string }[];
  /** Items compared (every model's run covers exactly these). */
  items: number;
  strong_threshold: number;
  /** The standard deviation each model's margins were divided by (null when the suite has no pairs). */
  margin_scale: Record<string, number | null>;
  /** Each model's share of items right, pooled over the suite (a tie is wrong). */
  accuracy: Record<string, number>;
  /** kappa[a][b]: Cohen's kappa on per-item right/wrong, pooled over all items; null when undefined (both constant). */
  kappa: Record<string, Record<string, number | null>>;
  /** agreement[a][b]: share of items both get right or both get wrong. */
  agreement: Record<string, Record<string, number>>;
  subsets: Record<string, SubsetAnalysis>;
  /** `subset/id` of the items every model gets wrong, in suite order. */
  pairs_all_wrong: string[];
  /** Runs whose data could not be checked (no fingerprint: written by an older rmbench). */
  warnings: string[];
  /** `subset/id` of the items flagged for review: every model wrong, or a strong ensemble preference for the rejected response. */
  flagged: string[];
  pairs: PairStrength[];
}

/** Per-item right/wrong of a run, keyed by item, checked against what the results report. */
function decisions(run: EnsembleRun): Map<string, ItemOutcome> {
  const byKey = new Map<string, ItemOutcome>();
  const counted = new Map<string, { n: number; correct: number }>();
  for (const item of run.pairs) {
    if ('tie_label' in item && item.tie_label) continue;
    if (byKey.has(item.key)) throw new UserError(`${run.path}: its scores file lists item ${item.key} twice`);
    if (!('value' in item) && !Number.isFinite(item.margin)) {
      throw new UserError(`${run.path}: item ${item.key} has no finite margin (got ${JSON.stringify(item.margin)})`);
    }
    byKey.set(item.key, item);
    const c = counted.get(item.subset) ?? { n: 0, correct: 0 };
    c.n++;
    c.correct += outcomeValue(item);
    counted.set(item.subset, c);
  }
  for (const [name, s] of Object.entries(run.results.subsets)) {
    const c = counted.get(name) ?? { n: 0, correct: 0 };
    if (c.n !== s.n || Math.abs(c.correct - s.correct) > 1e-9) {
      throw new UserError(`${run.path}: its scores file disagrees with its results for subset ${name} (${c.n} items, ${c.correct} correct; results say ${s.n}, ${s.correct})`);
    }
  }
  const extra = [...counted.keys()].find((name) => !(name in run.results.subsets));
  if (extra !== undefined) throw new UserError(`${run.path}: its scores file has subset ${extra}, which its results do not list`);
  return byKey;
}

const isRight = (item: ItemOutcome): boolean => ('value' in item ? item.value === 1 : item.correct);

function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(variance) };
}

export function analyze(runs: readonly EnsembleRun[], options: { strongThreshold?: number } = {}): Analysis {
  const strongThreshold = options.strongThreshold ?? DEFAULT_STRONG_THRESHOLD;
  if (!(Number.isFinite(strongThreshold) && strongThreshold >= 0)) throw new UserError(`--strong: the strong-preference threshold must be a non-negative number, got ${strongThreshold}`);
  if (runs.length < 2) throw new UserError(`analyze needs the runs of at least 2 models on one suite (got ${runs.length})`);
  const first = runs[0]!;
  const seen = new Map<string, string>();
  for (const run of runs) {
    const { name, version } = run.results.suite;
    if (name !== first.results.suite.name || version !== first.results.suite.version) {
      throw new UserError(`${run.path}: suite ${name} v${version}, but ${first.path} is ${first.results.suite.name} v${first.results.suite.version}; analyze compares runs of one suite version`);
    }
    const other = seen.get(run.results.model);
    if (other !== undefined) throw new UserError(`${run.path}: model "${run.results.model}" is also the model of ${other}; give each model once`);
    seen.set(run.results.model, run.path);
  }
  const warnings = checkSameData(runs, 'analyze only runs on the same data');
  const models = runs.map((r) => r.results.model);
  const tables = runs.map(decisions);
  // Every run must cover the same items: a decision missing from one model would be averaged away.
  const keys = [...tables[0]!.keys()];
  if (!keys.length) throw new UserError(`${first.path}: no item is counted (every pair is labelled a human tie)`);
  runs.forEach((run, m) => {
    const table = tables[m]!;
    const missing = keys.find((k) => !table.has(k));
    if (missing !== undefined) throw new UserError(`${run.path}: has no item ${missing}, which ${first.path} has; runs must cover the same items`);
    if (table.size !== keys.length) {
      const extra = [...table.keys()].find((k) => !tables[0]!.has(k));
      throw new UserError(`${run.path}: has item ${extra}, which ${first.path} lacks; runs must cover the same items`);
    }
  });

  const pairKeys = keys.filter((k) => !('value' in tables[0]!.get(k)!));
  const scales = tables.map((table, m) => {
    if (!pairKeys.length) return null;
    const { std } = meanStd(pairKeys.map((k) => (table.get(k) as Extract<ItemOutcome, { margin: number }>).margin));
    if (!(std > 0)) throw new UserError(`${runs[m]!.path}: every margin of model ${models[m]} is the same; its margins cannot be standardised`);
    return std;
  });

  const pairs: PairStrength[] = keys.map((key) => {
    const items = tables.map((t) => t.get(key)!);
    const head = items[0]!;
    const models_correct = items.filter(isRight).length;
    if ('value' in head) return { key, subset: head.subset, id: head.id, models_correct, strength: null, margins: null };
    const margins = items.map((item) => (item as Extract<ItemOutcome, { margin: number }>).margin);
    return { key, subset: head.subset, id: head.id, models_correct, strength: meanStd(margins.map((x, m) => x / scales[m]!)), margins };
  });

  const subsets: Record<string, SubsetAnalysis> = {};
  for (const [name, s] of Object.entries(first.results.subsets)) {
    const members = pairs.filter((p) => p.subset === name);
    const strengths = members.flatMap((p) => (p.strength ? [p.strength.mean] : []));
    subsets[name] = {
      metric: s.metric,
      n: members.length,
      all_wrong: members.filter((p) => p.models_correct === 0).length,
      all_right: members.filter((p) => p.models_correct === models.length).length,
      strength: strengths.length
        ? {
            ...meanStd(strengths),
            prefers_rejected: strengths.filter((x) => x < 0).length / strengths.length,
            strongly_prefers_rejected: strengths.filter((x) => x < -strongThreshold).length / strengths.length,
          }
        : null,
    };
  }

  const right = tables.map((t) => keys.map((k) => isRight(t.get(k)!)));
  const kappa: Analysis['kappa'] = {};
  const agreed: Analysis['agreement'] = {};
  models.forEach((a, i) => {
    kappa[a] = {};
    agreed[a] = {};
    models.forEach((b, j) => {
      const x = agreement(right[i]!, right[j]!);
      kappa[a]![b] = x.kappa;
      agreed[a]![b] = x.observed;
    });
  });

  return {
    schema_version: ANALYSIS_SCHEMA_VERSION,
    suite: { ...first.results.suite },
    models,
    runs: runs.map((r) => ({ model: r.results.model, path: r.path })),
    items: keys.length,
    strong_threshold: strongThreshold,
    margin_scale: Object.fromEntries(models.map((m, i) => [m, scales[i]!])),
    accuracy: Object.fromEntries(models.map((m, i) => [m, right[i]!.filter(Boolean).length / keys.length])),
    kappa,
    agreement: agreed,
    subsets,
    pairs_all_wrong: pairs.filter((p) => p.models_correct === 0).map((p) => p.key),
    flagged: pairs.filter((p) => p.models_correct === 0 || (p.strength !== null && p.strength.mean < -strongThreshold)).map((p) => p.key),
    pairs,
    warnings,
  };
}

/**
 * @file The leaderboard export: several results of one suite merged and ranked by overall score,
 * with intervals. Fields are named like reward-bench's results where they mean the same thing
 * (model, model_type, chat_template, per-subset accuracies). Tiers (reward-bench#269, #270): models
 * whose scores are not significantly different share a tier, by the gate's paired bootstrap
 * (two-sided) with Holm's correction (docs/results.md, "Tiers"); too few resamples for any
 * difference to reach alpha are refused, not drawn as one tier.
 */
import { UserError } from '../errors.js';
import { notMeanOfItems } from '../metrics/registry.js';
import { checkSameData } from './data-fingerprint.js';
import { GATE_DEFAULTS, gate, holm, type GateRun } from './gate.js';
import type { Interval, Results } from './schema.js';
import { printable } from './table.js';

export const LEADERBOARD_SCHEMA_VERSION = 1;

export interface LeaderboardEntry {
  /** 1 = best; equal overall scores share a rank. */
  rank: number;
  model: string;
  model_type: string;
  model_sha256: string | null;
  chat_template: string | null;
  overall: number;
  overall_interval: Interval;
  /** 1 = the top tier of the overall score; null when tiers were not computed (see Leaderboard.tiers). */
  tier: number | null;
  sections: Record<string, { score: number; interval: Interval; tier: number | null }>;
  /** Subset name -> accuracy, as reward-bench's results list them. */
  subsets: Record<string, number>;
  ties: number;
  length_bias_flag: string | null;
  config: Record<string, unknown>;
  rmbench_version: string;
  created_at: string;
  results_file: string;
}

export interface Leaderboard {
  schema_version: typeof LEADERBOARD_SCHEMA_VERSION;
  results_schema_version: number;
  suite: { name: string; version: string };
  /** The data every ranked run read (data-fingerprint.ts); null when no run recorded it. */
  data_fingerprint: string | null;
  created_at: string;
  /** How the tiers were drawn, or why there are none. */
  tiers: TierMethod | { skipped: string };
  entries: LeaderboardEntry[];
}

export interface TierMethod {
  method: 'paired-bootstrap-holm';
  /** Significance level of each Holm-adjusted comparison. */
  alpha: number;
  resamples: number;
  seed: number;
}

export interface TierOptions {
  alpha?: number;
  resamples?: number;
  seed?: number;
}

/** How a run's figures are combined: subsets (section, weight, metric), section weights, best-of-n tie rule. */
function scoringLayout(results: Results): string {
  return JSON.stringify({
    subsets: Object.entries(results.subsets).map(([name, s]) => [name, s.section, s.weight, s.metric]),
    sections: results.section_weights,
    best_of_n_ties: results.best_of_n_ties ?? null,
  });
}

/**
 * Ranks full runs of one suite version on one dataset, scored one way. Refuses a run given twice
 * (the same file under two names too: same model, weights and creation time), partial runs, mixed
 * data, and runs whose subsets, weights or best-of-n tie rule differ.
 */
export function buildLeaderboard(runs: readonly { path: string; results: Results }[], options: { onWarning?: (message: string) => void } = {}): Leaderboard {
  if (runs.length === 0) throw new UserError('no results to rank');
  const first = runs[0]!;
  const seen = new Map<string, string>();
  for (const { path, results } of runs) {
    if (results.suite.name !== first.results.suite.name || results.suite.version !== first.results.suite.version) {
      throw new UserError(`${path}: suite ${results.suite.name} v${results.suite.version}, but ${first.path} is ${first.results.suite.name} v${first.results.suite.version}; a leaderboard ranks one suite version`);
    }
    if (results.partial) throw new UserError(`${path}: a partial run (--subsets/--limit/--shard) cannot be ranked against full runs`);
    if (scoringLayout(results) !== scoringLayout(first.results)) {
      throw new UserError(`${path}: its subsets, section or subset weights, metrics or best-of-n tie rule differ from ${first.path}; a leaderboard ranks runs scored one way`);
    }
    const run = JSON.stringify([results.model, results.model_sha256, results.created_at]);
    const twin = seen.get(run);
    if (twin !== undefined) throw new UserError(`${path} is the same run as ${twin} (model ${printable(results.model)}, created ${printable(results.created_at)}); rank each run once`);
    seen.set(run, path);
  }
  checkSameData(runs, 'a leaderboard ranks runs on one dataset').forEach((w) => options.onWarning?.(w));
  const sorted = [...runs].sort((a, b) => b.results.overall - a.results.overall || a.results.model.localeCompare(b.results.model));
  const entries = sorted.map(({ path, results: r }): Omit<LeaderboardEntry, 'rank'> => ({
    model: r.model,
    model_type: r.model_type,
    model_sha256: r.model_sha256,
    chat_template: r.chat_template,
    overall: r.overall,
    overall_interval: r.confidence_intervals.overall,
    tier: null,
    sections: Object.fromEntries(Object.entries(r.sections).map(([name, score]) => [name, { score, interval: r.confidence_intervals.sections[name]!, tier: null }])),
    subsets: Object.fromEntries(Object.entries(r.subsets).map(([name, s]) => [name, s.accuracy])),
    ties: Object.values(r.subsets).reduce((n, s) => n + s.ties, 0),
    length_bias_flag: r.length_bias.flag,
    config: r.config,
    rmbench_version: r.rmbench_version,
    created_at: r.created_at,
    results_file: path,
  }));
  let rank = 0;
  return {
    schema_version: LEADERBOARD_SCHEMA_VERSION,
    results_schema_version: first.results.schema_version,
    suite: first.results.suite,
    data_fingerprint: runs.find((r) => r.results.data_fingerprint)?.results.data_fingerprint ?? null,
    created_at: new Date().toISOString(),
    tiers: { skipped: 'not computed' },
    entries: entries.map((e, i) => ({ rank: i > 0 && e.overall === entries[i - 1]!.overall ? rank : (rank = i + 1), ...e })),
  };
}

/**
 * The fewest resamples with which Holm's smallest adjusted p-value over `pairs` comparisons can fall
 * below alpha: a bootstrap p-value is at least 1/(R+1) one-sided, 2/(R+1) two-sided, and Holm
 * multiplies the smallest by the number of comparisons.
 */
export function resamplesNeeded(pairs: number, alpha: number): number {
  let resamples = Math.floor((2 * pairs) / alpha);
  while ((2 * pairs) / (resamples + 1) >= alpha) resamples++;
  while (resamples > 0 && (2 * pairs) / resamples < alpha) resamples--;
  return resamples;
}

/**
 * Draws the tiers of a leaderboard from its runs' scores files (runs in any order, matched to the
 * entries by results file). For the overall score and each section separately: models sorted by
 * that score (best first, equal scores by model name); for every pair, the two-sided paired
 * bootstrap p-value (twice the smaller of the gate's two one-sided ones, with no tolerance, as
 * `rmbench compare` does); Holm's correction over all those pairs; then, walking down the order,
 * a model joins the current tier unless it differs significantly from the tier's top model
 * (adjusted p < alpha), in which case it starts the next tier. Refused when `resamples` is too few
 * for any adjusted p-value to fall below alpha (every model would share tier 1 whatever the data).
 */
export function withTiers(board: Leaderboard, runs: readonly GateRun[], options: TierOptions = {}): Leaderboard {
  const { alpha, resamples, seed } = { ...GATE_DEFAULTS, ...options };
  const byPath = new Map(runs.map((run) => [run.path, run]));
  const ordered = board.entries.map((e) => byPath.get(e.results_file)!);
  const formula = notMeanOfItems(ordered[0]!.results.subsets);
  if (formula) return { ...board, tiers: { skipped: `${formula}; the paired bootstrap compares mean-of-items metrics only` } };
  const comparisons = (ordered.length * (ordered.length - 1)) / 2;
  const needed = resamplesNeeded(comparisons, alpha);
  if (comparisons > 0 && resamples < needed) {
    throw new UserError(
      `--resamples ${resamples} is too few for tiers of ${ordered.length} models at --alpha ${alpha}: no Holm-adjusted p-value over ${comparisons} pairs can fall below alpha, so every model would share tier 1; give --resamples ${needed} or more`,
    );
  }
  const names = ['overall', ...Object.keys(ordered[0]!.results.sections)];
  /** below[name][i][j]: one-sided p-value that entry j scores below entry i. */
  const below = Object.fromEntries(names.map((name) => [name, ordered.map(() => new Array<number>(ordered.length).fill(1))]));
  ordered.forEach((baseline, i) =>
    ordered.forEach((candidate, j) => {
      if (i === j) return;
      for (const c of gate(baseline, candidate, { maxDropPoints: 0, resamples, seed }).comparisons) below[c.name]![i]![j] = c.p_value;
    }),
  );
  const twoSided = (name: string, i: number, j: number) => Math.min(1, 2 * Math.min(below[name]![i]![j]!, below[name]![j]![i]!));
  const scoreOf = (name: string, e: LeaderboardEntry) => (name === 'overall' ? e.overall : (e.sections[name]?.score ?? -Infinity));
  const tiersOf = (name: string): number[] => {
    const order = board.entries.map((_, i) => i).sort((a, b) => scoreOf(name, board.entries[b]!) - scoreOf(name, board.entries[a]!) || board.entries[a]!.model.localeCompare(board.entries[b]!.model));
    const pairs = order.flatMap((hi, x) => order.slice(x + 1).map((lo) => [hi, lo] as const));
    const adjusted = new Map(holm(pairs.map(([hi, lo]) => twoSided(name, hi, lo))).map((q, k) => [`${pairs[k]![0]},${pairs[k]![1]}`, q]));
    const tiers = new Array<number>(order.length);
    let top = order[0]!;
    let tier = 1;
    for (const i of order) {
      if (i !== top && adjusted.get(`${top},${i}`)! < alpha) {
        top = i;
        tier++;
      }
      tiers[i] = tier;
    }
    return tiers;
  };
  const tiers = Object.fromEntries(names.map((name) => [name, tiersOf(name)]));
  return {
    ...board,
    tiers: { method: 'paired-bootstrap-holm', alpha, resamples, seed },
    entries: board.entries.map((e, i) => ({
      ...e,
      tier: tiers.overall![i]!,
      sections: Object.fromEntries(Object.entries(e.sections).map(([name, s]) => [name, { ...s, tier: tiers[name]![i]! }])),
    })),
  };
}

/** A Markdown table cell: no control characters, no line breaks, no column separators. */
const cell = (text: string) => printable(text).replace(/\|/g, '\\|');

export function leaderboardMarkdown(board: Leaderboard): string {
  const sections = [...new Set(board.entries.flatMap((e) => Object.keys(e.sections)))];
  const pct = (x: number) => (x * 100).toFixed(1);
  const tier = (t: number | null) => (t === null ? '' : ` (${t})`);
  const lines = [
    `# ${cell(board.suite.name)} v${cell(board.suite.version)}`,
    '',
    `| rank | tier | model | type | overall [95% CI] | ${sections.map(cell).join(' | ')} | ties |`,
    `|---:|---:|---|---|---|${sections.map(() => '---:').join('|')}|---:|`,
    ...board.entries.map(
      (e) =>
        `| ${e.rank} | ${e.tier ?? '–'} | ${cell(e.model)} | ${cell(e.model_type)} | ${pct(e.overall)} [${pct(e.overall_interval.low)}, ${pct(e.overall_interval.high)}] | ${sections
          .map((s) => (e.sections[s] ? `${pct(e.sections[s].score)}${tier(e.sections[s].tier)}` : '–'))
          .join(' | ')} | ${e.ties} |`,
    ),
    '',
    'Scores are accuracies in percent; intervals are 95% percentile bootstrap intervals over pairs.',
    'method' in board.tiers
      ? `Tier (section tiers in brackets): models not significantly different from their tier's top model (paired bootstrap, ${board.tiers.resamples} resamples, two-sided, Holm-corrected over all pairs, alpha ${board.tiers.alpha}) share a tier.`
      : `No tiers: ${board.tiers.skipped}.`,
  ];
  return lines.join('\n') + '\n';
}

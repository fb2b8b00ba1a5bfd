/**
 * @file The leaderboard export: several results of one suite merged and ranked by overall score,
 * with intervals. Fields are named like reward-bench's results where they mean the same thing
 * (model, model_type, chat_template, per-subset accuracies).
 */
import { UserError } from '../errors.js';
import { checkSameData } from './data-fingerprint.js';
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
  sections: Record<string, { score: number; interval: Interval }>;
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
  entries: LeaderboardEntry[];
}

/**
 * Ranks full runs of one suite version on one dataset. Refuses a run given twice (the same file
 * under two names too: same model, weights and creation time), partial runs and mixed data.
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
    sections: Object.fromEntries(Object.entries(r.sections).map(([name, score]) => [name, { score, interval: r.confidence_intervals.sections[name]! }])),
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
    entries: entries.map((e, i) => ({ rank: i > 0 && e.overall === entries[i - 1]!.overall ? rank : (rank = i + 1), ...e })),
  };
}

/** A Markdown table cell: no control characters, no line breaks, no column separators. */
const cell = (text: string) => printable(text).replace(/\|/g, '\\|');

export function leaderboardMarkdown(board: Leaderboard): string {
  const sections = [...new Set(board.entries.flatMap((e) => Object.keys(e.sections)))];
  const pct = (x: number) => (x * 100).toFixed(1);
  const lines = [
    `# ${cell(board.suite.name)} v${cell(board.suite.version)}`,
    '',
    `| rank | model | type | overall [95% CI] | ${sections.map(cell).join(' | ')} | ties |`,
    `|---:|---|---|---|${sections.map(() => '---:').join('|')}|---:|`,
    ...board.entries.map(
      (e) =>
        `| ${e.rank} | ${cell(e.model)} | ${cell(e.model_type)} | ${pct(e.overall)} [${pct(e.overall_interval.low)}, ${pct(e.overall_interval.high)}] | ${sections
          .map((s) => (e.sections[s] ? pct(e.sections[s].score) : '–'))
          .join(' | ')} | ${e.ties} |`,
    ),
    '',
    'Scores are accuracies in percent; intervals are 95% percentile bootstrap intervals over pairs.',
  ];
  return lines.join('\n') + '\n';
}

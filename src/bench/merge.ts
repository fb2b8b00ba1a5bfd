/**
 * @file Merging shard results (`rmbench run --shard K/N`) into exactly the results one unsharded run
 * gives: the shards' per-item outcomes are put back in suite order and the figures recomputed by
 * the same computeFigures as a run. Shards must be of one model, config, suite version and
 * selection, and cover 1..N exactly once.
 */
import { UserError } from '../errors.js';
import type { ItemOutcome, Results } from '../report/schema.js';
import { checkSameData } from '../report/data-fingerprint.js';
import { loadSubsets, selectSubsets } from '../subsets/load.js';
import { dataFingerprint, defaultManifestPath, resolveSuite } from '../subsets/manifest.js';
import { pairKey } from '../subsets/types.js';
import { RMBENCH_VERSION } from '../version.js';
import { kindNamed } from '../scorers/kinds/registry.js';
import type { ScorerReport } from '../scorers/types.js';
import { SubsetAccumulator } from './evaluate.js';
import { computeFigures, type RunOutput } from './run.js';

export interface ShardRun {
  path: string;
  results: Results;
  pairs: readonly ItemOutcome[];
}

/** Config entries that may differ between shards without changing a score. */
const PER_MACHINE = ['threads', 'requested_device', 'cache', 'batch_policy'];
/**
 * Where a machine finds the model, at any depth of the config: a folder's path (a DPO policy and
 * reference, a --tokenizer folder) or a server's URL. Shards run on other machines differ there;
 * the weights' hashes and the served model's identity, which decide the scores, stay compared.
 */
const LOCATIONS = ['path', 'url', 'tokenizer'];

function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !LOCATIONS.includes(k)).map(([k, v]) => [k, withoutLocations(v)]));
}

function identity(r: Results) {
  const config = withoutLocations(Object.fromEntries(Object.entries(r.config).filter(([k]) => !PER_MACHINE.includes(k))));
  return JSON.stringify({ model: r.model, type: r.model_type, sha: r.model_sha256, suite: r.suite, subsets: r.selection.subsets, limit: r.selection.limit, ties: r.best_of_n_ties, config });
}

export function mergeShards(shards: readonly ShardRun[], options: { manifest?: string; onWarning?: (message: string) => void } = {}): RunOutput {
  if (shards.length === 0) throw new UserError('no shard results to merge');
  const first = shards[0]!;
  const count = first.results.selection.shard?.count;
  const seen = new Map<number, string>();
  for (const { path, results } of shards) {
    const shard = results.selection.shard;
    if (!shard) throw new UserError(`${path}: not a shard (run with --shard K/N)`);
    if (shard.count !== count) throw new UserError(`${path}: shard ${shard.index}/${shard.count}, but ${first.path} is one of ${count}`);
    if (seen.has(shard.index)) throw new UserError(`${path}: shard ${shard.index}/${count} given twice (also ${seen.get(shard.index)})`);
    seen.set(shard.index, path);
    if (identity(results) !== identity(first.results)) {
      throw new UserError(`${path}: model, config, suite version or selection differ from ${first.path}; shards must come from one run`);
    }
  }
  const missing = Array.from({ length: count! }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length) throw new UserError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')}`);
  const unchecked = checkSameData(shards, 'shards must come from one run on one dataset');
  unchecked.forEach((w) => options.onWarning?.(w));

  // The kind's report and its top-level results (a judge's counts) are the merged summary's, not a shard's.
  const { scorer_report: _perShard, judge: _shardJudge, ...r } = first.results;
  const suite = resolveSuite(defaultManifestPath(options.manifest), r.suite.name);
  if (suite.version !== r.suite.version) throw new UserError(`suite ${suite.name} is v${suite.version} here, the shards ran v${r.suite.version}`);
  // The merge reads the rows again: they must be the data the shards scored.
  const here = dataFingerprint(selectSubsets(suite, r.selection.subsets ?? undefined));
  if (r.data_fingerprint !== undefined && r.data_fingerprint !== here) {
    throw new UserError(`${first.path} ran on other data than ${suite.manifestPath} has for suite ${suite.name} v${suite.version} (data fingerprint ${r.data_fingerprint.slice(0, 12)}… vs ${here.slice(0, 12)}…); merge with the manifest the shards ran on (--manifest)`);
  }
  const byKey = new Map<string, ItemOutcome>();
  for (const shard of shards) for (const outcome of shard.pairs) byKey.set(outcome.key, outcome);
  const subsets = loadSubsets(suite, { subsets: r.selection.subsets ?? undefined, limit: r.selection.limit ?? undefined }).map(({ entry, rows }) => ({
    entry,
    rows,
    outcomes: rows.map((row) => {
      const outcome = byKey.get(pairKey(row));
      if (!outcome) throw new UserError(`no shard has item ${pairKey(row)}; were all shards run on the same suite and selection?`);
      return outcome;
    }),
  }));
  const warnings = [...new Set([...shards.flatMap((s) => s.results.warnings), ...unchecked])];
  const reports = shards.flatMap((s) => (s.results.scorer_report ? [s.results.scorer_report] : []));
  const report = reports.length
    ? mergeSummary(
        reports,
        subsets.flatMap(({ entry, outcomes }) => outcomes.flatMap((outcome) => (!('value' in outcome) && outcome.tie_label ? [] : [{ section: entry.section, outcome }]))),
      )
    : undefined;
  if (reports.length && !report) warnings.push('scorer_report not merged: the shards\' scores files lack the outputs it needs (written by an older rmbench)');
  const sum = (get: (t: Results['timing']) => number) => shards.reduce((n, s) => n + get(s.results.timing), 0);
  const pairs = subsets.flatMap((s) => s.outcomes);
  const total = sum((t) => t.total_s);
  const real = sum((t) => t.real_tokens);
  const padded = sum((t) => t.padded_tokens);
  return {
    results: {
      ...r,
      rmbench_version: RMBENCH_VERSION,
      created_at: new Date().toISOString(),
      partial: r.selection.subsets !== null || r.selection.limit !== null,
      selection: { ...r.selection, shard: null },
      ...computeFigures(suite, subsets.map((s) => new SubsetAccumulator(s.entry).add(s.rows, s.outcomes).finish())),
      // Summed over shards: machine time, not wall time.
      timing: {
        total_s: total,
        load_s: sum((t) => t.load_s),
        tokenize_s: sum((t) => t.tokenize_s),
        inference_s: sum((t) => t.inference_s),
        other_s: sum((t) => t.other_s),
        pairs_per_s: pairs.length / total,
        tokens_per_s: real / total,
        responses: sum((t) => t.responses),
        unique_texts: sum((t) => t.unique_texts),
        unique_inputs: sum((t) => t.unique_inputs),
        cached_texts: sum((t) => t.cached_texts),
        batches: sum((t) => t.batches),
        real_tokens: real,
        padded_tokens: padded,
        padding_efficiency: padded ? real / padded : 1,
      },
      ...(report ? { scorer_report: report.json, ...report.results } : {}),
      warnings,
    },
    pairs,
    report: report?.text ?? [],
  };
}

/**
 * The kind's summary of the whole run: the items' stored outputs fed in suite order to the
 * accumulator the kind rebuilds from the shards' reports (settings such as objectives or tau come
 * from them), so it equals the summary of one unsharded run. A set is fed when it stored outputs
 * (kinds that summarise sets): a pair kind's pairs to add(), a response kind's responses to
 * addSet(). Undefined when the kind has no summary or a pair lacks its stored outputs (results of
 * an older rmbench).
 */
function mergeSummary(reports: readonly Record<string, unknown>[], items: readonly { section: string; outcome: ItemOutcome }[]): ScorerReport | undefined {
  const restorer = kindNamed(String(reports[0]?.kind))?.restorer?.(reports);
  if (!restorer || items.some(({ outcome }) => !('value' in outcome) && (!outcome.chosen_outputs || !outcome.rejected_outputs))) return undefined;
  const { accumulator, restore } = restorer;
  for (const { section, outcome } of items) {
    const where = { subset: outcome.subset, section };
    if (!('value' in outcome)) {
      accumulator.add({ ...where, chosen: restore(outcome.chosen_outputs!, outcome.chosen_score), rejected: restore(outcome.rejected_outputs!, outcome.rejected_score) });
    } else if (outcome.pair_outputs) {
      for (const [ab, ba] of outcome.pair_outputs) accumulator.add({ ...where, chosen: restore(ab, null), rejected: restore(ba, null) });
    } else if (outcome.chosen_outputs && outcome.rejected_outputs) {
      const restoreAll = (saved: readonly Record<string, number[]>[], scores: readonly (number | null)[]) => saved.map((s, i) => restore(s, scores[i] ?? null));
      accumulator.addSet!({ ...where, chosen: restoreAll(outcome.chosen_outputs, outcome.chosen_scores), rejected: restoreAll(outcome.rejected_outputs, outcome.rejected_scores) });
    }
  }
  return accumulator.finish();
}

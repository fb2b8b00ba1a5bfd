/**
 * @file A reward-bench eval-set-scores file (v1 or v2) -> rmbench results and scores (the library
 * side of `rmbench import-results`). The file is matched to a local suite item by item (every problem named: duplicate,
 * missing or extra (subset, id), counts per subset, response counts), its recorded scores are decided
 * by the bench's own decideSubset (as a run decides Bradley-Terry scores: prefer = score difference),
 * its own `results` column is checked against those decisions, and the figures are recomputed by
 * computeFigures, as `run` and `merge` do. Nothing is written unless all of it holds.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { RunOutput } from '../bench/run.js';
import { UserError } from '../errors.js';
import { readRegularFile } from '../io.js';
import { rowItem } from '../subsets/types.js';

export interface ImportOptions {
  /** The eval-set-scores JSON. */
  file: string;
  suite: string;
  manifest?: string;
}

function readJsonFile(path: string): { data: unknown; sha256: string } {
  const bytes = readRegularFile(path, 'the eval-set-scores file');
  try {
    return { data: JSON.parse(bytes.toString('utf8')), sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

export async function importResults(options: ImportOptions): Promise<RunOutput> {
  const [rb, { decideSubset, SubsetAccumulator }, { computeFigures, suiteScoring }, { loadSubsets }, { dataFingerprint, defaultManifestPath, resolveSuite }, { emptyStats }, { RESULTS_SCHEMA_VERSION }, { RMBENCH_VERSION }] =
    await Promise.all([
      import('./reward-bench.js'),
      import('../bench/evaluate.js'),
      import('../bench/run.js'),
      import('../subsets/load.js'),
      import('../subsets/manifest.js'),
      import('../scorers/types.js'),
      import('../report/schema.js'),
      import('../version.js'),
    ]);
  const { data, sha256 } = readJsonFile(options.file);
  const recorded = rb.parseEvalSetScores(options.file, data);
  const suite = resolveSuite(defaultManifestPath(options.manifest), options.suite);
  const subsets = rb.matchSuite(options.file, recorded, loadSubsets(suite), `${suite.name} v${suite.version}`);

  // The recorded scores stand in for a scorer's outputs; decisions are the bench's, as for a Bradley-Terry run.
  const scorer = {
    info: { kind: recorded.model_type, model: recorded.model, config: {} },
    stats: emptyStats(),
    scoreItems: () => Promise.reject(new Error('recorded scores: nothing to score')),
    dispose: async () => {},
  };
  /** An item's recorded scores (chosen first) as the bench's ScoredItem: preferences are score differences. */
  const scoredItem = (scores: readonly number[], chosenCount: number) => {
    const chosen = scores.slice(0, chosenCount).map((score) => ({ score }));
    const rejected = scores.slice(chosenCount).map((score) => ({ score }));
    return { chosen, rejected, matrix: chosen.map((c) => rejected.map((r) => c.score - r.score)) };
  };
  const decided = subsets.map(({ entry, rows, items }) => ({
    entry,
    rows,
    items,
    outcomes: decideSubset(scorer, entry, rows, items.map((item, i) => scoredItem(item.scores, rowItem(rows[i]!).chosen.length)), suite.best_of_n_ties).outcomes,
  }));
  const metrics = new Map(suite.subsets.map((s) => [s.name, s.metric]));
  rb.checkRecordedResults(
    options.file,
    decided.flatMap((d) => d.items),
    decided.flatMap((d) => d.outcomes),
    (subset) => metrics.get(subset)!,
  );
  const pairs = decided.flatMap((d) => d.outcomes);
  return {
    results: {
      schema_version: RESULTS_SCHEMA_VERSION,
      rmbench_version: RMBENCH_VERSION,
      created_at: new Date().toISOString(),
      model: recorded.model,
      model_type: recorded.model_type,
      model_path: null,
      model_sha256: null,
      chat_template: recorded.chat_template,
      suite: { name: suite.name, version: suite.version },
      data_fingerprint: dataFingerprint(decided.map((d) => d.entry)),
      ...suiteScoring(suite, decided.map((d) => d.entry)),
      partial: false,
      selection: { subsets: null, limit: null, shard: null },
      config: {
        source: rb.IMPORTED_SOURCE,
        format: recorded.version,
        file: resolve(options.file),
        file_sha256: sha256,
        ...(recorded.ref_model !== null ? { ref_model: recorded.ref_model } : {}),
      },
      ...computeFigures(suite, decided.map((d) => new SubsetAccumulator(d.entry).add(d.rows, d.outcomes).finish())),
      // The run happened elsewhere: nothing here was timed.
      timing: {
        total_s: 0,
        load_s: 0,
        tokenize_s: 0,
        inference_s: 0,
        other_s: 0,
        pairs_per_s: 0,
        tokens_per_s: 0,
        responses: 0,
        unique_texts: 0,
        unique_inputs: 0,
        cached_texts: 0,
        batches: 0,
        real_tokens: 0,
        padded_tokens: 0,
        padding_efficiency: 1,
      },
      warnings: [`imported from ${options.file} (reward-bench eval-set-scores ${recorded.version}); timing was not measured here`],
    },
    pairs,
    report: [],
  };
}

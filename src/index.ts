/**
 * @file rmbench's library API. The CLI is a thin shell over these functions.
 * @example
 *   import { run, writeRun } from 'rmbench';
 *   const output = await run({ model: 'models/use-lite-bt', suite: 'rewardbench-v1' });
 *   writeRun(output, { out: 'results/use-lite-bt.json' });
 *   console.log(output.results.overall); // a fraction in [0, 1]
 */
export { run, DEFAULT_SUITE, type RunOptions, type RunOutput } from './bench/run.js';
export { aggregate, weightedMean, type Aggregate, type SubsetOutcomes } from './report/aggregate.js';
export { RESULTS_SCHEMA_VERSION, type Results, type PairOutcome, type SubsetResult, type Timing } from './report/schema.js';
export { writeRun, readRun, readResults, readScores, defaultResultsPath, scoresPathFor, type RunFiles } from './report/write.js';
export { renderTable } from './report/table.js';
export { renderHtmlReport, escapeHtml, type ReportPair } from './report/html.js';
export { gate, holm, type GateVerdict, type GateOptions } from './report/gate.js';
export { buildLeaderboard, leaderboardMarkdown, withTiers, type Leaderboard } from './report/leaderboard.js';
export { confidenceIntervals, bootstrap } from './report/bootstrap.js';
export { lengthBias } from './report/length-bias.js';
export { bestOfN } from './metrics/best-of-n.js';
export { styleMatrix } from './metrics/style-matrix.js';
export { ties } from './metrics/rb2-ties.js';
export { createScorer, BASELINES } from './scorers/index.js';
export type { ScorerOptions } from './scorers/options.js';
export { mergeShards } from './bench/merge.js';
export { ScoreCache, defaultCacheDir } from './scorers/cache.js';
export { startServer } from './serve/server.js';
export type { Scorer, ResponseScorer, ScorerInfo, ScorerStats, ResponseInput, ResponseOutputs, ItemInput, ScoredItem, Backend, Kind } from './scorers/types.js';
export { readModelFolder, RmbenchBlockSchema, type ModelFolder, type RmbenchBlock } from './scorers/model-folder.js';
export { formatPlain, TEXT_FORMATS, type TextFormat } from './scorers/format.js';
export { planBatches } from './scorers/batching.js';
export { readManifest, resolveSuite, validateManifest, defaultManifestPath, BUNDLED_MANIFEST, type Manifest, type Suite, type SubsetEntry } from './subsets/manifest.js';
export { loadSubsets, type LoadedSubset, type SubsetSelection } from './subsets/load.js';
export { readSubsetFile, rowsToArrow } from './subsets/arrow.js';
export { importData, parseColumnMap, recordsToRows, convertRecords, type ImportOptions } from './subsets/import.js';
export type { PairRow, SetRow, Row, Prompt, Message, MetricKind } from './subsets/types.js';
export { auditSuite, type SuiteAudit } from './analysis/audit.js';
export { analyze, type Analysis } from './analysis/ensemble.js';
export { compareRuns, type Comparison } from './report/compare.js';
export { importResults } from './interop/import-results.js';
export { evalSet, evalSetScores, parseEvalSetScores } from './interop/reward-bench.js';
export { toEveryEvalEver } from './interop/eee.js';
export { cohensKappa } from './analysis/agreement.js';
export { probe, type ProbeReport } from './analysis/probe.js';
export { UserError, ValidationError } from './errors.js';

/**
 * @file `rmbench probe MODEL`: how fragile a model's number is. A seeded sample of the suite,
 * stratified by subset, is scored under the model folder's own settings, then again with one
 * setting changed at a time: max length x1/2 and x2 (x2 only up to config.json's
 * max_position_embeddings), the other truncation side, the other padding side, the tokenizer's
 * special tokens (BOS) added or not, each other dtype variant present, a smaller token budget. Per
 * setting: the items whose decisions flip (any comparison in the item changes sign), per subset,
 * and the change of the score on the sample (subset means combined with the suite's weights) with a
 * paired bootstrap interval. A setting that flips >= 1% of the items is flagged. The score cache is
 * not used: a probe measures the model, and batching settings are not part of the cache key.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { metricOf } from '../metrics/registry.js';
import { combine, type Layout } from '../report/aggregate.js';
import { DEFAULT_RESAMPLES, DEFAULT_SEED, bootstrap, percentileInterval, prng } from '../report/bootstrap.js';
import type { BestOfNTies, Interval } from '../report/schema.js';
import { DEFAULT_TOKEN_BUDGET } from '../scorers/backends/graph.js';
import { createFolderScorer } from '../scorers/index.js';
import { DTYPES, readModelFolder, variantFiles, type Dtype, type ModelFolder, type RmbenchBlock } from '../scorers/model-folder.js';
import type { ScorerOptions } from '../scorers/options.js';
import type { Scorer } from '../scorers/types.js';
import { loadSubsets } from '../subsets/load.js';
import { defaultManifestPath, resolveSuite, type SubsetEntry } from '../subsets/manifest.js';
import { isSetRow, pairKey, rowItem, type Row } from '../subsets/types.js';

export const PROBE_SCHEMA_VERSION = 1;
export const DEFAULT_SAMPLE = 500;
/** A setting that flips at least this share of the sampled items is flagged. */
export const FLIP_FLAG_SHARE = 0.01;
/** The alternative token budget, as a fraction of the base one. */
const TOKEN_BUDGET_FACTOR = 1 / 8;

export interface ProbeOptions extends Pick<ScorerOptions, 'device' | 'threads' | 'tokenBudget' | 'dtype'> {
  onWarning?: (message: string) => void;
  model: string;
  suite?: string;
  manifest?: string;
  /** Items to sample (default 500; the whole suite when it has fewer). */
  sample?: number;
  seed?: number;
  /** Called before each scoring pass with the setting's name ("base" first). */
  onSetting?: (name: string) => void;
}

/** One alternative: what changes in the folder's rmbench block or in the run options. */
interface Variant {
  name: string;
  description: string;
  block?: Partial<RmbenchBlock>;
  dtype?: Dtype;
  tokenBudget?: number;
}

export interface SettingResult {
  name: string;
  description: string;
  /** "skipped" when the model does not allow it (e.g. x2 beyond max_position_embeddings). */
  status: 'probed' | 'skipped';
  reason?: string;
  /** Items whose decisions changed: in all and per subset. */
  flips?: { total: number; share: number; subsets: Record<string, number> };
  /** Score on the sample under the base settings and this one, and the change with its interval. */
  score?: { base: number; probed: number; delta: number; interval: Interval };
  flagged?: boolean;
}

export interface ProbeReport {
  schema_version: typeof PROBE_SCHEMA_VERSION;
  model: string;
  model_path: string;
  suite: { name: string; version: string };
  sample: { items: number; seed: number; subsets: Record<string, number> };
  /** The settings the model runs with (its folder's config). */
  base: { max_length: unknown; truncation_side: unknown; padding_side: unknown; add_special_tokens: unknown; dtype: Dtype; token_budget: number; score: number };
  flip_flag_share: number;
  settings: SettingResult[];
  /** Names of the flagged settings. */
  flagged: string[];
}

/**
 * Items per subset for a sample of `size`: proportional to the subset sizes, largest remainders
 * first (ties to the earlier subset), at least one per subset when the sample allows.
 */
export function allocate(sizes: readonly number[], size: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (size >= total) return [...sizes];
  const floor = sizes.length <= size ? 1 : 0;
  const quotas = sizes.map((n) => (n * size) / total);
  const counts = quotas.map((q, i) => Math.min(sizes[i]!, Math.max(floor, Math.floor(q))));
  let left = size - counts.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  while (left > 0) {
    for (const [, i] of order) {
      if (left > 0 && counts[i]! < sizes[i]!) {
        counts[i]!++;
        left--;
      }
    }
  }
  // The floor of 1 can overshoot: take back from the largest allocations.
  while (left < 0) {
    const i = counts.indexOf(Math.max(...counts));
    counts[i]!--;
    left++;
  }
  return counts;
}

/** A seeded sample of each subset's rows (kept in file order). */
export function stratifiedSample<T>(groups: readonly (readonly T[])[], size: number, seed: number): T[][] {
  const counts = allocate(groups.map((g) => g.length), size);
  const random = prng(seed);
  return groups.map((rows, s) => {
    const order = rows.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order
      .slice(0, counts[s])
      .sort((a, b) => a - b)
      .map((i) => rows[i]!);
  });
}

interface Decided {
  /** Sign of every comparison in the item, row by row. */
  signs: string;
  value: number;
}

async function decide(scorer: Scorer, sample: readonly { entry: SubsetEntry; rows: readonly Row[] }[], bestOfNTies: BestOfNTies | undefined): Promise<Decided[][]> {
  const items = await scorer.scoreItems(sample.flatMap(({ rows }) => rows.map(rowItem)));
  let at = 0;
  return sample.map(({ entry, rows }) =>
    rows.map((row) => {
      const scoredItem = items[at++]!;
      const item = { matrix: scoredItem.matrix, chosenScores: scoredItem.chosen.map((o) => o.score ?? null), rejectedScores: scoredItem.rejected.map((o) => o.score ?? null) };
      const prefers = item.matrix.flat();
      if (prefers.some((p) => !Number.isFinite(p))) throw new UserError(`${scorer.info.model}: non-finite preference for ${pairKey(row)}; check the model's outputs`);
      return { signs: prefers.map(Math.sign).join(','), value: metricOf(entry.metric).decide(item, bestOfNTies).value };
    }),
  );
}

const positive = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);

/** The alternatives for a model, from the settings it runs with; each either probed or skipped with a reason. */
function variants(folder: ModelFolder, config: Record<string, unknown>, tokenBudget: number): (Variant | SettingResult)[] {
  const out: (Variant | SettingResult)[] = [];
  const maxLength = positive(config.max_length);
  const limit = positive(folder.config.max_position_embeddings);
  if (maxLength === undefined) {
    const reason = 'the model has no max length';
    out.push({ name: 'max_length x1/2', description: 'half the max length', status: 'skipped', reason }, { name: 'max_length x2', description: 'twice the max length', status: 'skipped', reason });
  } else {
    const half = Math.floor(maxLength / 2);
    out.push(half >= 1 ? { name: 'max_length x1/2', description: `max length ${half} (base ${maxLength})`, block: { max_length: half } } : { name: 'max_length x1/2', description: 'half the max length', status: 'skipped', reason: `max length ${maxLength} cannot be halved` });
    const twice = maxLength * 2;
    out.push(
      limit !== undefined && twice <= limit
        ? { name: 'max_length x2', description: `max length ${twice} (base ${maxLength})`, block: { max_length: twice } }
        : {
            name: 'max_length x2',
            description: `max length ${twice} (base ${maxLength})`,
            status: 'skipped',
            reason: limit === undefined ? 'config.json states no max_position_embeddings' : `beyond config.json's max_position_embeddings ${limit}`,
          },
    );
  }
  const other = (side: unknown) => (side === 'left' ? 'right' : 'left');
  out.push({ name: `truncation ${other(config.truncation_side)}`, description: `truncate on the ${other(config.truncation_side)} (base ${String(config.truncation_side)})`, block: { truncation_side: other(config.truncation_side) } });
  out.push({ name: `padding ${other(config.padding_side)}`, description: `pad on the ${other(config.padding_side)} (base ${String(config.padding_side)})`, block: { padding_side: other(config.padding_side) } });
  const special = config.add_special_tokens !== true;
  out.push({
    name: special ? 'special tokens added' : 'special tokens not added',
    description: `the tokenizer's special tokens (BOS) ${special ? 'added' : 'not added'} (base ${special ? 'not added' : 'added'})`,
    block: { add_special_tokens: special },
  });
  const files = variantFiles(folder.rmbench.onnx_file);
  for (const dtype of DTYPES) {
    if (dtype !== folder.dtype && existsSync(join(folder.path, files[dtype]))) out.push({ name: `dtype ${dtype}`, description: `${files[dtype]} (base ${folder.onnxFile})`, dtype });
  }
  const smaller = Math.max(1, Math.floor(tokenBudget * TOKEN_BUDGET_FACTOR));
  out.push({ name: `token budget ${smaller}`, description: `batches of at most ${smaller} padded tokens (base ${tokenBudget})`, tokenBudget: smaller });
  return out;
}

async function withScorer<T>(folder: ModelFolder, options: ScorerOptions & { onWarning?: (message: string) => void }, use: (scorer: Scorer) => Promise<T>): Promise<T> {
  const scorer = await createFolderScorer(folder, options);
  try {
    return await use(scorer);
  } finally {
    await scorer.dispose();
  }
}

export async function probe(options: ProbeOptions): Promise<ProbeReport> {
  const sampleSize = options.sample ?? DEFAULT_SAMPLE;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!(Number.isInteger(sampleSize) && sampleSize > 0)) throw new UserError(`--sample must be a positive integer, got ${sampleSize}`);
  if (!Number.isInteger(seed)) throw new UserError(`--seed must be an integer, got ${seed}`);
  const suite = resolveSuite(defaultManifestPath(options.manifest), options.suite ?? 'rewardbench-v1');
  const folder = readModelFolder(options.model, { dtype: options.dtype });
  const subsets = loadSubsets(suite).map(({ entry, rows }) => ({ entry, rows: rows.filter((r) => isSetRow(r) || !r.tie) }));
  const picked = stratifiedSample(subsets.map((s) => s.rows), sampleSize, seed);
  const sample = subsets.map((s, i) => ({ entry: s.entry, rows: picked[i]! })).filter((s) => s.rows.length > 0);
  // Subsets scored by a formula over items (rb2-ties), not a mean, are left out.
  const scored = sample.filter((s) => metricOf(s.entry.metric).scoreIsItemMean);
  if (!scored.length) throw new UserError(`suite ${suite.name}: no subset whose score is a mean of items to probe`);
  const layout: Layout = { subsets: scored.map((s) => s.entry), sectionWeights: suite.sections };
  const tokenBudget = options.tokenBudget ?? DEFAULT_TOKEN_BUDGET;
  const run = { device: options.device, threads: options.threads, onWarning: options.onWarning };

  let base!: { decided: Decided[][]; config: Record<string, unknown> };
  options.onSetting?.('base');
  await withScorer(folder, { ...run, tokenBudget }, async (scorer) => {
    base = { decided: await decide(scorer, scored, suite.best_of_n_ties), config: scorer.info.config };
  });
  const subsetMeans = (decided: Decided[][]) => decided.map((d) => d.reduce((a, x) => a + x.value, 0) / d.length);
  const baseScore = combine(layout, subsetMeans(base.decided)).overall;
  const plan = variants(folder, base.config, tokenBudget);
  const settings: SettingResult[] = [];
  for (const v of plan) {
    if ('status' in v) {
      settings.push(v);
      continue;
    }
    options.onSetting?.(v.name);
    const variantFolder = v.dtype ? readModelFolder(folder.path, { dtype: v.dtype }) : folder;
    const probedFolder = v.block ? { ...variantFolder, rmbench: { ...variantFolder.rmbench, ...v.block } } : variantFolder;
    const { decided, config } = await withScorer(probedFolder, { ...run, tokenBudget: v.tokenBudget ?? tokenBudget }, async (scorer) => ({ decided: await decide(scorer, scored, suite.best_of_n_ties), config: scorer.info.config }));
    // The scorer's padding probe moves padding back to the side that leaves outputs alone: then
    // nothing under this name was probed.
    if (v.block?.padding_side !== undefined && config.padding_side !== v.block.padding_side) {
      settings.push({ name: v.name, description: v.description, status: 'skipped', reason: `padding on the ${String(v.block.padding_side)} changes this model's outputs, so rmbench pads on the ${String(config.padding_side)} instead` });
      continue;
    }
    const flips: Record<string, number> = {};
    let total = 0;
    scored.forEach(({ entry }, s) => {
      const n = decided[s]!.filter((d, i) => d.signs !== base.decided[s]![i]!.signs).length;
      flips[entry.name] = n;
      total += n;
    });
    const items = scored.reduce((n, s) => n + s.rows.length, 0);
    const differences = decided.map((d, s) => Float64Array.from(d, (x, i) => x.value - base.decided[s]![i]!.value));
    const draws = bootstrap(layout, differences, DEFAULT_RESAMPLES, DEFAULT_SEED);
    const probedScore = combine(layout, subsetMeans(decided)).overall;
    settings.push({
      name: v.name,
      description: v.description,
      status: 'probed',
      flips: { total, share: total / items, subsets: flips },
      score: { base: baseScore, probed: probedScore, delta: probedScore - baseScore, interval: percentileInterval(draws.overall, 0.95) },
      flagged: total / items >= FLIP_FLAG_SHARE,
    });
  }
  return {
    schema_version: PROBE_SCHEMA_VERSION,
    model: folder.name,
    model_path: folder.path,
    suite: { name: suite.name, version: suite.version },
    sample: { items: scored.reduce((n, s) => n + s.rows.length, 0), seed, subsets: Object.fromEntries(scored.map((s) => [s.entry.name, s.rows.length])) },
    base: {
      max_length: base.config.max_length,
      truncation_side: base.config.truncation_side,
      padding_side: base.config.padding_side,
      add_special_tokens: base.config.add_special_tokens,
      dtype: folder.dtype,
      token_budget: tokenBudget,
      score: baseScore,
    },
    flip_flag_share: FLIP_FLAG_SHARE,
    settings,
    flagged: settings.filter((s) => s.flagged).map((s) => s.name),
  };
}

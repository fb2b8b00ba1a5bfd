/**
 * @file Trains the heads of the three USE Lite reward models over the frozen encoder and writes
 * them to assets/use-lite-heads/ (weights + training-report.json). Seeded and CPU-only:
 *   node_modules/.bin/tsx tools/use-lite/train.ts [--data ../shared/data] [--cache DIR]
 * (--cache: where encoder features are kept between runs, default models/.cache/use-lite-features-v2;
 * a cache only, the result does not depend on it.) Whole run on 2 CPU cores: about 15-25 minutes.
 *
 * Data: real preference pairs (RMB pairwise helpfulness/harmlessness, HH-RLHF harmless-base test,
 * PandaLM with majority labels, ties left out), minus every pair whose prompt appears in an
 * evaluation suite (overlap.ts). Pairs are split 80/10/10 into train / validation (early
 * stopping) / test (reported, never used for a choice) by a hash of the prompt, so one prompt's
 * pairs stay in one split.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_ROOT, evaluationPrompts, trainingPairs, type Objective, type TrainingPair } from './data.js';
import { EmbeddingCache, FeatureExtractor, loadTokenizer, responseMarker } from './embed.js';
import { PROMPT_FEATURES, TEXT_FEATURES } from '../../src/default-models/features.js';
import { saveHead, HEADS_DIR } from '../../src/default-models/heads.js';
import { averageMlps, gatherRows, Mlp, Param, rng, shuffle, sigmoid, softplus, type AdamOptions } from './nn.js';
import { excludeOverlap, normalisePrompt } from '../../src/subsets/overlap.js';
import { formatPlain, formatPromptPlain } from './text.js';
import { weightsPackageVersion } from '../../src/default-models/weights.js';

export const SEED = 1234;
/** Where encoder features are kept between runs (a cache only: results do not depend on it). */
export const DEFAULT_FEATURE_CACHE = resolve(import.meta.dirname, '../../models/.cache/use-lite-features-v2');
/** Feature width of prompt-only texts (their sentence embedding). */
const DP = PROMPT_FEATURES;

/** Hyperparameters (chosen on the validation split). */
export const CONFIG = {
  /** Text features (features.ts): the window's sentence embedding, optionally with the response-pooled part. */
  features: 'window' as 'window' | 'window+response',
  hidden: 128,
  /** Reward heads are the average of this many MLPs trained from different seeds. */
  ensemble: 3,
  batch: 64,
  adam: { lr: 1e-3, weightDecay: 1e-2 } satisfies AdamOptions,
  maxEpochs: 60,
  patience: 8,
  /**
   * ArmoRM: the gating is first fitted to route each training prompt to the objective its pair was
   * labelled for (cross-entropy, `routingEpochs` epochs; verbosity is never a target), then trained
   * with the Bradley-Terry loss on the final score; early stopping on validation accuracy (`select`).
   * Verbosity penalties c_k = penaltyScale * cov(r_k, r_v) / var(r_v) (1: fully decorrelated).
   */
  armo: { objectives: ['helpfulness', 'harmlessness', 'verbosity'] as const, gatingHidden: 64, gatingTemperature: 1, routingEpochs: 5, select: 'accuracy' as 'loss' | 'accuracy', penaltyScale: 1 },
  /** GPM: value-head width, hidden units of the embedding MLP (0: linear), initial tau (learned, shipped as rmbench.tau). */
  gpm: { dim: 8, hidden: 128, tau: 0.1 },
};

export type Split = 'train' | 'val' | 'test';

/** Width of the text features the heads read (a prefix of features.ts's columns). */
let DX = TEXT_FEATURES;
export const textWidth = () => (CONFIG.features === 'window' ? PROMPT_FEATURES : TEXT_FEATURES);

/** 80 / 10 / 10 by a seeded hash of the normalised prompt text. */
export function splitOf(promptText: string, seed = SEED): Split {
  const h = createHash('sha256').update(`${seed}:${normalisePrompt(promptText)}`).digest().readUInt32BE(0) % 10;
  return h === 0 ? 'test' : h === 1 ? 'val' : 'train';
}

export interface PairRows {
  pair: TrainingPair;
  split: Split;
  chosen: number;
  rejected: number;
  prompt: number;
}

/** Feature standardisation (per dimension, from training rows), folded into the exported graph. */
interface Standardizer { mean: Float32Array; std: Float32Array }

export function standardizer(m: Float32Array, D: number, rows: Iterable<number>): Standardizer {
  const mean = new Float64Array(D);
  const sq = new Float64Array(D);
  let n = 0;
  for (const r of rows) {
    n++;
    for (let j = 0; j < D; j++) { const v = m[r * D + j]!; mean[j]! += v; sq[j]! += v * v; }
  }
  const mu = new Float32Array(D);
  const sd = new Float32Array(D);
  for (let j = 0; j < D; j++) { mu[j] = mean[j]! / n; sd[j] = Math.sqrt(Math.max(sq[j]! / n - mu[j]! ** 2, 1e-8)); }
  return { mean: mu, std: sd };
}

export function standardize(m: Float32Array, D: number, s: Standardizer): Float32Array {
  return m.map((v, i) => (v - s.mean[i % D]!) / s.std[i % D]!);
}

/** The first `width` columns of a [rows, dim] matrix. */
export function leadingColumns(m: Float32Array, dim: number, width: number): Float32Array {
  const n = m.length / dim;
  const out = new Float32Array(n * width);
  for (let r = 0; r < n; r++) out.set(m.subarray(r * dim, r * dim + width), r * width);
  return out;
}

interface Curve { epoch: number; trainLoss: number; valAccuracy: number; valLoss: number }

/** Adam over minibatches with early stopping on validation accuracy (then loss); restores the best epoch. */
export function fit(opts: {
  name: string;
  n: number;
  params: Param[];
  seed: number;
  /** Loss of one minibatch (accumulates gradients). */
  step: (idx: number[]) => number;
  /** Validation accuracy and loss (no gradients). */
  validate: () => { accuracy: number; loss: number };
  snapshot: () => Float32Array[];
  restore: (s: Float32Array[]) => void;
  log: (msg: string) => void;
  /** Early stopping on validation accuracy (ties: loss), or on loss alone. */
  select?: 'accuracy' | 'loss';
}): { best: Curve; curve: Curve[] } {
  const rand = rng(opts.seed);
  const order = Array.from({ length: opts.n }, (_, i) => i);
  let t = 0;
  let best: Curve = { epoch: 0, trainLoss: NaN, ...(() => { const v = opts.validate(); return { valAccuracy: v.accuracy, valLoss: v.loss }; })() };
  let bestWeights = opts.snapshot();
  const curve: Curve[] = [];
  let since = 0;
  for (let epoch = 1; epoch <= CONFIG.maxEpochs && since < CONFIG.patience; epoch++) {
    shuffle(order, rand);
    let loss = 0;
    for (let s = 0; s < order.length; s += CONFIG.batch) {
      const idx = order.slice(s, s + CONFIG.batch);
      loss += opts.step(idx);
      t++;
      for (const p of opts.params) p.step(t, CONFIG.adam);
    }
    const v = opts.validate();
    const c: Curve = { epoch, trainLoss: loss / opts.n, valAccuracy: v.accuracy, valLoss: v.loss };
    curve.push(c);
    const better = opts.select === 'loss' ? v.loss < best.valLoss : v.accuracy > best.valAccuracy || (v.accuracy === best.valAccuracy && v.loss < best.valLoss);
    if (better) {
      best = c;
      bestWeights = opts.snapshot();
      since = 0;
    } else {
      since++;
    }
  }
  opts.restore(bestWeights);
  opts.log(`  ${opts.name}: best epoch ${best.epoch} of ${curve.length}, val accuracy ${best.valAccuracy.toFixed(4)}`);
  return { best, curve };
}

/** A scalar reward MLP trained with the Bradley-Terry loss on (chosen, rejected) feature rows. */
function trainBradleyTerryMember(name: string, X: Float32Array, train: PairRows[], val: PairRows[], seed: number, log: (m: string) => void) {
  const mlp = new Mlp(CONFIG.hidden > 0 ? [DX, CONFIG.hidden, 1] : [DX, 1], rng(seed));
  const fitted = fit({
    name, n: train.length, params: mlp.params(), seed: seed + 1, log,
    step: (idx) => {
      const n = idx.length;
      const rows = [...idx.map((i) => train[i]!.chosen), ...idx.map((i) => train[i]!.rejected)];
      const y = mlp.forward(gatherRows(X, DX, rows), 2 * n);
      const dy = new Float32Array(2 * n);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const d = y[i]! - y[n + i]!;
        loss += softplus(-d);
        const g = -(1 - sigmoid(d)) / n;
        dy[i] = g;
        dy[n + i] = -g;
      }
      mlp.backward(dy, 2 * n);
      return loss;
    },
    validate: () => pairAccuracy((rows) => mlp.forward(gatherRows(X, DX, rows), rows.length, false), val),
    snapshot: () => mlp.snapshot(),
    restore: (s) => mlp.restore(s),
  });
  return { mlp, ...fitted };
}

function pairAccuracy(score: (rows: number[]) => Float32Array, ps: PairRows[]) {
  const c = score(ps.map((p) => p.chosen));
  const r = score(ps.map((p) => p.rejected));
  let correct = 0;
  let loss = 0;
  ps.forEach((_, i) => { const d = c[i]! - r[i]!; if (d > 0) correct++; loss += softplus(-d); });
  return { accuracy: correct / ps.length, loss: loss / ps.length };
}

/** CONFIG.ensemble Bradley-Terry members from different seeds, averaged into one MLP. */
export function trainBradleyTerry(name: string, X: Float32Array, train: PairRows[], val: PairRows[], seed: number, log: (m: string) => void) {
  const members = Array.from({ length: CONFIG.ensemble }, (_, m) => trainBradleyTerryMember(`${name} [member ${m + 1}/${CONFIG.ensemble}]`, X, train, val, seed + 100 * m, log));
  const mlp = averageMlps(members.map((m) => m.mlp));
  const score = (rows: number[]) => mlp.forward(gatherRows(X, DX, rows), rows.length, false);
  const evalPairs = (ps: PairRows[]) => pairAccuracy(score, ps);
  const v = evalPairs(val);
  log(`  ${name}: ensemble of ${members.length}, val accuracy ${v.accuracy.toFixed(4)}`);
  return { mlp, score, evalPairs, members: members.map((m) => ({ best_epoch: m.best.epoch, val_accuracy: round(m.best.valAccuracy) })), best: { valAccuracy: v.accuracy } };
}

export function accuracyReport<P>(evalPairs: (ps: P[]) => { accuracy: number }, groups: Record<string, P[]>) {
  return Object.fromEntries(Object.entries(groups).filter(([, ps]) => ps.length > 0).map(([k, ps]) => [k, { pairs: ps.length, accuracy: round(evalPairs(ps).accuracy) }]));
}

export const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

export function mlpTensors(prefix: string, mlp: Mlp): Record<string, { shape: number[]; data: Float32Array }> {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  mlp.layers.forEach((l, i) => {
    out[`${prefix}.${i}.weight`] = { shape: [l.inDim, l.outDim], data: l.w.value };
    out[`${prefix}.${i}.bias`] = { shape: [l.outDim], data: l.b.value };
  });
  return out;
}

export type Log = (msg: string) => void;

export function logger(started = Date.now()): Log {
  return (m: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}`);
}

/** The training pairs minus every pair whose prompt is in an evaluation suite (every head's step 1). */
export async function readPairs(root: string, log: Log) {
  const all = trainingPairs(root);
  const suites = await evaluationPrompts(root);
  const overlap = excludeOverlap(all, (p) => p.prompt, suites);
  const count = (ps: TrainingPair[]) => ps.reduce<Record<string, number>>((a, p) => ({ ...a, [p.source]: (a[p.source] ?? 0) + 1 }), {});
  log(`${all.length} pairs read; ${overlap.excluded.length} overlap an evaluation suite and are left out; ${overlap.kept.length} remain`);
  return { all, suites, overlap, count };
}

/** Reads the data, leaves out evaluation prompts, splits, and computes (or reads cached) features. */
export async function prepare(root: string, cacheDir: string, log: Log) {

  // 1. Data, minus evaluation prompts.
  const { all, suites, overlap, count } = await readPairs(root, log);

  // 2. Texts and their frozen features.
  const plainTexts = new Map<string, number>();
  const promptTexts = new Map<string, number>();
  const idOf = (m: Map<string, number>, t: string) => { if (!m.has(t)) m.set(t, m.size); return m.get(t)!; };
  const rows: PairRows[] = overlap.kept.map((pair) => {
    const promptText = formatPromptPlain(pair.prompt);
    return {
      pair,
      split: splitOf(promptText),
      chosen: idOf(plainTexts, formatPlain(pair.prompt, pair.chosen)),
      rejected: idOf(plainTexts, formatPlain(pair.prompt, pair.rejected)),
      prompt: idOf(promptTexts, promptText),
    };
  });
  log(`${plainTexts.size} prompt+response texts and ${promptTexts.size} prompt texts to embed`);
  const cache = new EmbeddingCache(cacheDir);
  let extractor: FeatureExtractor | undefined;
  const getExtractor = async () => (extractor ??= await FeatureExtractor.create());
  const embedStart = Date.now();
  DX = textWidth();
  const Xraw = leadingColumns(await cache.get([...plainTexts.keys()], getExtractor, log), TEXT_FEATURES, DX);
  const Praw = leadingColumns(await cache.get([...promptTexts.keys()], getExtractor, log), TEXT_FEATURES, DP);
  const marker = extractor?.marker ?? responseMarker(await loadTokenizer());
  const embedSeconds = (Date.now() - embedStart) / 1000;
  const computedTexts = extractor === undefined ? 0 : cache.computed;
  await extractor?.release();
  log(`features ready (${embedSeconds.toFixed(0)} s)`);

  const bySplit = (s: Split) => rows.filter((r) => r.split === s);
  const train = bySplit('train');
  const val = bySplit('val');
  const test = bySplit('test');
  const ofObjective = (ps: PairRows[], o: Objective) => ps.filter((p) => p.pair.objective === o);
  const bySource = (ps: PairRows[]) => Object.fromEntries([...new Set(ps.map((p) => p.pair.source))].sort().map((s) => [s, ps.filter((p) => p.pair.source === s)]));

  const xStd = standardizer(Xraw, DX, new Set(train.flatMap((r) => [r.chosen, r.rejected])));
  const pStd = standardizer(Praw, DP, new Set(train.map((r) => r.prompt)));
  const X = standardize(Xraw, DX, xStd);
  const P = standardize(Praw, DP, pStd);
  return { all, suites, overlap, count, rows, plainTexts, promptTexts, embedSeconds, computedTexts, train, val, test, ofObjective, bySource, xStd, pStd, X, P, marker };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, cache: { type: 'string' } } });
  const root = resolve(values.data ?? DEFAULT_DATA_ROOT);
  const cacheDir = resolve(values.cache ?? DEFAULT_FEATURE_CACHE);
  const started = Date.now();
  const log = logger(started);
  const { all, suites, overlap, count, rows, plainTexts, promptTexts, embedSeconds, computedTexts, train, val, test, ofObjective, bySource, xStd, pStd, X, P, marker } = await prepare(root, cacheDir, log);
  const trainStart = Date.now();

  // 3a. Bradley-Terry on every pair.
  log('training use-lite-bt');
  const bt = trainBradleyTerry('bradley-terry', X, train, val, SEED + 10, log);
  const btReport = {
    members: bt.members,
    validation: accuracyReport(bt.evalPairs, { all: val, ...bySource(val) }),
    test: accuracyReport(bt.evalPairs, { all: test, ...bySource(test) }),
  };
  saveHead('use-lite-bt', { scorer: 'bradley-terry', hidden: CONFIG.hidden, features: CONFIG.features, response_marker: marker }, {
    'input.mean': { shape: [DX], data: xStd.mean }, 'input.std': { shape: [DX], data: xStd.std },
    ...mlpTensors('reward', bt.mlp),
  });

  // 3b. ArmoRM-style: one reward per objective, a verbosity regressor, a prompt gating network.
  log('training use-lite-armo');
  const help = trainBradleyTerry('armo helpfulness', X, ofObjective(train, 'helpfulness'), ofObjective(val, 'helpfulness'), SEED + 20, log);
  const harm = trainBradleyTerry('armo harmlessness', X, ofObjective(train, 'harmlessness'), ofObjective(val, 'harmlessness'), SEED + 30, log);
  const verb = trainVerbosity(X, rows, plainTexts, SEED + 40, log);
  const armo = trainArmo({ X, P, train, val, rewards: [help.mlp, harm.mlp, verb.mlp], seed: SEED + 50, log });
  const armoReport = {
    objectives: {
      helpfulness: { trained_on: ['rmb-helpfulness', 'pandalm-testset'], members: help.members, validation: accuracyReport(help.evalPairs, { helpfulness: ofObjective(val, 'helpfulness') }), test: accuracyReport(help.evalPairs, { helpfulness: ofObjective(test, 'helpfulness') }) },
      harmlessness: { trained_on: ['rmb-harmlessness', 'hh-rlhf-harmless-base-test'], members: harm.members, validation: accuracyReport(harm.evalPairs, { harmlessness: ofObjective(val, 'harmlessness') }), test: accuracyReport(harm.evalPairs, { harmlessness: ofObjective(test, 'harmlessness') }) },
      verbosity: verb.report,
    },
    penalty: armo.penalty,
    reward_standardisation: armo.standardisation,
    gating: {
      best_epoch: armo.best.epoch,
      temperature: CONFIG.armo.gatingTemperature,
      logit_scale: round(armo.logitScale(), 6),
      routing_epochs: CONFIG.armo.routingEpochs,
      routing_accuracy: { validation: round(armo.routing(val)), test: round(armo.routing(test)) },
    },
    validation: accuracyReport(armo.evalPairs, { all: val, ...bySource(val) }),
    test: accuracyReport(armo.evalPairs, { all: test, ...bySource(test) }),
  };
  saveHead('use-lite-armo', {
    scorer: 'armorm', objectives: CONFIG.armo.objectives, transform_matrix: armo.transform, features: CONFIG.features, response_marker: marker,
    gating_temperature: CONFIG.armo.gatingTemperature, logit_scale: armo.logitScale(),
  }, {
    'input.mean': { shape: [DX], data: xStd.mean }, 'input.std': { shape: [DX], data: xStd.std },
    'prompt.mean': { shape: [DP], data: pStd.mean }, 'prompt.std': { shape: [DP], data: pStd.std },
    ...mlpTensors('reward.helpfulness', help.mlp),
    ...mlpTensors('reward.harmlessness', harm.mlp),
    ...mlpTensors('reward.verbosity', verb.mlp),
    'reward.shift': { shape: [3], data: Float32Array.from(armo.standardisation.map((s) => s.mean)) },
    'reward.scale': { shape: [3], data: Float32Array.from(armo.standardisation.map((s) => 1 / s.std)) },
    ...mlpTensors('gating', armo.gating),
  });

  // 3c. General preference model.
  log('training use-lite-gpm');
  const gpm = trainGpm({ X, P, train, val, reward: bt.mlp, seed: SEED + 60, log });
  const gpmReport = {
    best_epoch: gpm.best.epoch,
    tau: round(gpm.tau(), 6),
    kappa: round(gpm.kappa(), 6),
    validation: accuracyReport(gpm.evalPairs, { all: val, ...bySource(val) }),
    test: accuracyReport(gpm.evalPairs, { all: test, ...bySource(test) }),
  };
  // The first plane's reward is use-lite-bt's head: build.ts reads its reward.* tensors from there.
  saveHead('use-lite-gpm', { scorer: 'gpm', dim: CONFIG.gpm.dim, tau: round(gpm.tau(), 6), kappa: gpm.kappa(), reward_head: 'use-lite-bt', features: CONFIG.features, response_marker: marker }, {
    'input.mean': { shape: [DX], data: xStd.mean }, 'input.std': { shape: [DX], data: xStd.std },
    'prompt.mean': { shape: [DP], data: pStd.mean }, 'prompt.std': { shape: [DP], data: pStd.std },
    ...mlpTensors('embedding_rest', gpm.rest),
    ...mlpTensors('prompt_head', gpm.promptHead),
  });
  const trainSeconds = (Date.now() - trainStart) / 1000;

  const splitCounts = (ps: PairRows[]) => ({ all: ps.length, ...Object.fromEntries(Object.entries(bySource(ps)).map(([k, v]) => [k, v.length])) });
  const report = {
    date: new Date().toISOString().slice(0, 10),
    encoder: weightsPackageVersion(),
    seed: SEED,
    config: CONFIG,
    data: {
      root: relative(resolve(import.meta.dirname, '../..'), root),
      read: { all: all.length, ...count(all) },
      excluded_overlap: { all: overlap.excluded.length, ...count(overlap.excluded) },
      overlap_by_suite: overlap.bySuite,
      overlap_rule: 'normalised prompt text (lowercase, whitespace collapsed, trimmed) of any user turn or of all user turns together equals one of an evaluation prompt',
      evaluation_suites: Object.fromEntries(Object.entries(suites).map(([k, v]) => [k, v.length])),
      remaining: { all: overlap.kept.length, ...count(overlap.kept) },
      splits: { train: splitCounts(train), validation: splitCounts(val), test: splitCounts(test) },
      texts: { prompt_response: plainTexts.size, prompt_only: promptTexts.size },
    },
    timing_seconds: { embedding: round(embedSeconds, 1), texts_embedded: computedTexts, texts_from_cache: plainTexts.size + promptTexts.size - computedTexts, heads: round(trainSeconds, 1), total: round((Date.now() - started) / 1000, 1), cpus: availableParallelism() },
    models: { 'use-lite-bt': btReport, 'use-lite-armo': armoReport, 'use-lite-gpm': gpmReport },
  };
  mkdirSync(HEADS_DIR, { recursive: true });
  writeFileSync(join(HEADS_DIR, 'training-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`done: bt test ${btReport.test.all?.accuracy}, armo test ${armoReport.test.all?.accuracy}, gpm test ${gpmReport.test.all?.accuracy}`);
}

/** Verbosity objective: a linear regressor of the standardised log character length of the response. */
export function trainVerbosity(X: Float32Array, rows: PairRows[], plainTexts: Map<string, number>, seed: number, log: (m: string) => void) {
  const responseOf = new Map<number, string>();
  for (const r of rows) { responseOf.set(r.chosen, r.pair.chosen); responseOf.set(r.rejected, r.pair.rejected); }
  const splitOfRow = new Map<number, Split>();
  for (const r of rows) { splitOfRow.set(r.chosen, r.split); splitOfRow.set(r.rejected, r.split); }
  const all = [...responseOf.keys()];
  const rawTarget = new Map(all.map((i) => [i, Math.log1p(responseOf.get(i)!.length)]));
  const trainRows = all.filter((i) => splitOfRow.get(i) === 'train');
  const mu = trainRows.reduce((a, i) => a + rawTarget.get(i)!, 0) / trainRows.length;
  const sd = Math.sqrt(trainRows.reduce((a, i) => a + (rawTarget.get(i)! - mu) ** 2, 0) / trainRows.length);
  const target = (i: number) => (rawTarget.get(i)! - mu) / sd;
  const valRows = all.filter((i) => splitOfRow.get(i) === 'val');
  const testRows = all.filter((i) => splitOfRow.get(i) === 'test');
  const mlp = new Mlp([DX, 1], rng(seed));
  const stats = (ids: number[]) => {
    const y = mlp.forward(gatherRows(X, DX, ids), ids.length, false);
    let se = 0;
    let sy = 0;
    let st = 0;
    ids.forEach((id, k) => { se += (y[k]! - target(id)) ** 2; sy += y[k]!; st += target(id); });
    const my = sy / ids.length;
    const mt = st / ids.length;
    let cov = 0;
    let vy = 0;
    let vt = 0;
    ids.forEach((id, k) => { cov += (y[k]! - my) * (target(id) - mt); vy += (y[k]! - my) ** 2; vt += (target(id) - mt) ** 2; });
    return { mse: se / ids.length, correlation: cov / Math.sqrt(vy * vt) };
  };
  const fitted = fit({
    name: 'armo verbosity', n: trainRows.length, params: mlp.params(), seed: seed + 1, log,
    step: (idx) => {
      const ids = idx.map((i) => trainRows[i]!);
      const y = mlp.forward(gatherRows(X, DX, ids), ids.length);
      let loss = 0;
      const dy = y.map((v, k) => { const e = v - target(ids[k]!); loss += e * e; return (2 * e) / ids.length; });
      mlp.backward(dy, ids.length);
      return loss;
    },
    // Early stopping on correlation (as "accuracy") then MSE.
    validate: () => { const s = stats(valRows); return { accuracy: s.correlation, loss: s.mse }; },
    snapshot: () => mlp.snapshot(),
    restore: (s) => mlp.restore(s),
  });
  const v = stats(valRows);
  const t = stats(testRows);
  return {
    mlp,
    report: {
      target: 'log(1 + characters of the response), standardised on the training responses',
      trained_on: 'every response of the training split (both objectives)',
      best_epoch: fitted.best.epoch,
      validation: { responses: valRows.length, correlation: round(v.correlation), mse: round(v.mse) },
      test: { responses: testRows.length, correlation: round(t.correlation), mse: round(t.mse) },
    },
  };
}

/**
 * ArmoRM-style aggregation over frozen objective rewards: rewards are standardised on training
 * texts; helpfulness and harmlessness are decorrelated from verbosity (c_k = cov(r_k, r_v) /
 * var(r_v)); the gating network (prompt features -> softmax / T, times a learned logit scale)
 * is trained with the Bradley-Terry loss on the final score over all training pairs.
 */
export function trainArmo(o: { X: Float32Array; P: Float32Array; train: PairRows[]; val: PairRows[]; rewards: Mlp[]; seed: number; log: (m: string) => void }) {
  const K = o.rewards.length;
  const V = K - 1; // verbosity is the last objective
  const nText = o.X.length / DX;
  const raw = o.rewards.map((m) => m.forward(o.X, nText, false));
  const trainTexts = [...new Set(o.train.flatMap((r) => [r.chosen, r.rejected]))];
  const standardisation = raw.map((r) => {
    const mean = trainTexts.reduce((a, i) => a + r[i]!, 0) / trainTexts.length;
    const std = Math.sqrt(trainTexts.reduce((a, i) => a + (r[i]! - mean) ** 2, 0) / trainTexts.length);
    return { mean: round(mean, 6), std: round(std, 6) };
  });
  const z = raw.map((r, k) => r.map((v) => (v - standardisation[k]!.mean) / standardisation[k]!.std));
  const penalty = z.map((zk, k) => {
    if (k === V) return 0;
    let cov = 0;
    let vv = 0;
    for (const i of trainTexts) { cov += zk[i]! * z[V]![i]!; vv += z[V]![i]! ** 2; }
    return round((CONFIG.armo.penaltyScale * cov) / vv, 6);
  });
  // Transform matrix M (rows: raw objective, columns: transformed objective): (rM)_k = r_k - c_k r_v.
  const transform = Array.from({ length: K }, (_, j) => Array.from({ length: K }, (_, k) => (j === k ? 1 : 0) - (j === V && k !== V ? penalty[k]! : 0)));
  const tr = (i: number) => Array.from({ length: K }, (_, k) => z[k]![i]! - penalty[k]! * z[V]![i]!);
  const gating = new Mlp([DP, CONFIG.armo.gatingHidden, K], rng(o.seed));
  const logScale = new Param(new Float32Array([0]), false);
  const T = CONFIG.armo.gatingTemperature;
  const softmax = (logits: Float32Array, n: number) => {
    const s = new Float32Array(n * K);
    for (let r = 0; r < n; r++) {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, logits[r * K + k]! / T);
      let sum = 0;
      for (let k = 0; k < K; k++) { s[r * K + k] = Math.exp(logits[r * K + k]! / T - mx); sum += s[r * K + k]!; }
      for (let k = 0; k < K; k++) s[r * K + k]! /= sum;
    }
    return s;
  };
  const deltas = (ps: PairRows[]) => ps.map((p) => { const c = tr(p.chosen); const r = tr(p.rejected); return c.map((v, k) => v - r[k]!); });
  const evalPairs = (ps: PairRows[]) => {
    const s = softmax(gating.forward(gatherRows(o.P, DP, ps.map((p) => p.prompt)), ps.length, false), ps.length);
    const beta = Math.exp(logScale.value[0]!);
    let correct = 0;
    let loss = 0;
    deltas(ps).forEach((dl, i) => {
      const d = beta * dl.reduce((a, v, k) => a + v * s[i * K + k]!, 0);
      if (d > 0) correct++;
      loss += softplus(-d);
    });
    return { accuracy: correct / ps.length, loss: loss / ps.length };
  };
  const trainDeltas = deltas(o.train);
  // Routing: softmax cross-entropy towards the objective each training pair was labelled for.
  const target = (p: PairRows) => CONFIG.armo.objectives.indexOf(p.pair.objective);
  const routeRand = rng(o.seed + 2);
  const order = o.train.map((_, i) => i);
  let t = 0;
  for (let epoch = 0; epoch < CONFIG.armo.routingEpochs; epoch++) {
    shuffle(order, routeRand);
    for (let b = 0; b < order.length; b += CONFIG.batch) {
      const idx = order.slice(b, b + CONFIG.batch);
      const n = idx.length;
      const s = softmax(gating.forward(gatherRows(o.P, DP, idx.map((i) => o.train[i]!.prompt)), n), n);
      const d = new Float32Array(n * K);
      idx.forEach((i, r) => { for (let k = 0; k < K; k++) d[r * K + k] = (s[r * K + k]! - (k === target(o.train[i]!) ? 1 : 0)) / (n * T); });
      gating.backward(d, n);
      t++;
      for (const p of gating.params()) p.step(t, CONFIG.adam);
    }
  }
  const routing = (ps: PairRows[]) => {
    const s = softmax(gating.forward(gatherRows(o.P, DP, ps.map((p) => p.prompt)), ps.length, false), ps.length);
    return ps.filter((p, r) => { let best = 0; for (let k = 1; k < K; k++) if (s[r * K + k]! > s[r * K + best]!) best = k; return best === target(p); }).length / ps.length;
  };
  for (const p of gating.params()) p.resetMoments();
  if (CONFIG.armo.routingEpochs > 0) o.log(`  armo gating routing: ${CONFIG.armo.routingEpochs} epochs, validation routing accuracy ${routing(o.val).toFixed(4)}`);
  const fitted = fit({
    select: CONFIG.armo.select,
    name: 'armo gating', n: o.train.length, params: [...gating.params(), logScale], seed: o.seed + 1, log: o.log,
    step: (idx) => {
      const n = idx.length;
      const logits = gating.forward(gatherRows(o.P, DP, idx.map((i) => o.train[i]!.prompt)), n);
      const s = softmax(logits, n);
      const beta = Math.exp(logScale.value[0]!);
      const dLogits = new Float32Array(n * K);
      let loss = 0;
      idx.forEach((i, r) => {
        const dl = trainDeltas[i]!;
        const mix = dl.reduce((a, v, k) => a + v * s[r * K + k]!, 0);
        const d = beta * mix;
        loss += softplus(-d);
        const g = -(1 - sigmoid(d)) / n;
        logScale.grad[0]! += g * d;
        for (let k = 0; k < K; k++) dLogits[r * K + k] = (g * beta * s[r * K + k]! * (dl[k]! - mix)) / T;
      });
      gating.backward(dLogits, n);
      return loss;
    },
    validate: () => evalPairs(o.val),
    snapshot: () => [...gating.snapshot(), logScale.value.slice()],
    restore: (w) => { gating.restore(w.slice(0, -1)); logScale.value.set(w[w.length - 1]!); },
  });
  return { gating, transform, penalty: Object.fromEntries(CONFIG.armo.objectives.map((name, k) => [name, penalty[k]])), standardisation, logitScale: () => Math.exp(logScale.value[0]!), evalPairs, routing, ...fitted };
}

/**
 * General preference model over frozen features. The response embedding, before L2
 * normalisation, is u = [cos(kappa r), -sin(kappa r), MLP(x)] in R^d: its first plane carries the
 * Bradley-Terry reward r of use-lite-bt as an angle (so that plane alone gives
 * s = sin(kappa (r_a - r_b)), the BT order), the other d-2 coordinates are learned. The prompt head
 * gives lambda = softmax(W p + b) in R^(d/2). s(a, b) = sum_k lambda_k (a_2k b_2k+1 - a_2k+1 b_2k);
 * loss -log sigmoid(s(chosen, rejected) / tau); kappa, tau, the MLP and the prompt head are
 * learned, r stays frozen.
 */
export function trainGpm(o: { X: Float32Array; P: Float32Array; train: PairRows[]; val: PairRows[]; reward: Mlp; seed: number; log: (m: string) => void }) {
  const { dim, hidden } = CONFIG.gpm;
  const half = dim / 2;
  const rand = rng(o.seed);
  const nText = o.X.length / DX;
  const r = o.reward.forward(o.X, nText, false);
  const trainTexts = [...new Set(o.train.flatMap((p) => [p.chosen, p.rejected]))];
  const rMean = trainTexts.reduce((a, i) => a + r[i]!, 0) / trainTexts.length;
  const rStd = Math.sqrt(trainTexts.reduce((a, i) => a + (r[i]! - rMean) ** 2, 0) / trainTexts.length);
  const rest = new Mlp(hidden > 0 ? [DX, hidden, dim - 2] : [DX, dim - 2], rand);
  for (const p of rest.layers[rest.layers.length - 1]!.params()) p.value.forEach((v, i) => (p.value[i] = v * 0.1));
  const logKappa = new Param(new Float32Array([Math.log(0.5 / Math.max(rStd, 1e-6))]), false);
  const logTau = new Param(new Float32Array([Math.log(CONFIG.gpm.tau)]), false);
  const promptHead = new Mlp([DP, half], rand);

  /** u for rows of X: [n, dim]. */
  const preEmbedding = (rows: number[], keep: boolean) => {
    const n = rows.length;
    const m = rest.forward(gatherRows(o.X, DX, rows), n, keep);
    const kappa = Math.exp(logKappa.value[0]!);
    const u = new Float32Array(n * dim);
    rows.forEach((row, i) => {
      u[i * dim] = Math.cos(kappa * r[row]!);
      u[i * dim + 1] = -Math.sin(kappa * r[row]!);
      u.set(m.subarray(i * (dim - 2), (i + 1) * (dim - 2)), i * dim + 2);
    });
    return u;
  };
  const normalise = (u: Float32Array, n: number) => {
    const v = new Float32Array(n * dim);
    const norms = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let j = 0; j < dim; j++) sq += u[i * dim + j]! ** 2;
      norms[i] = Math.sqrt(Math.max(sq, 1e-12));
      for (let j = 0; j < dim; j++) v[i * dim + j] = u[i * dim + j]! / norms[i]!;
    }
    return { v, norms };
  };
  const softmax = (z: Float32Array, n: number) => {
    const out = new Float32Array(n * half);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let k = 0; k < half; k++) mx = Math.max(mx, z[i * half + k]!);
      let sum = 0;
      for (let k = 0; k < half; k++) { out[i * half + k] = Math.exp(z[i * half + k]! - mx); sum += out[i * half + k]!; }
      for (let k = 0; k < half; k++) out[i * half + k]! /= sum;
    }
    return out;
  };
  const skew = (a: Float32Array, ao: number, b: Float32Array, bo: number, lam: Float32Array, lo: number) => {
    let sum = 0;
    for (let k = 0; k < half; k++) sum += lam[lo + k]! * (a[ao + 2 * k]! * b[bo + 2 * k + 1]! - a[ao + 2 * k + 1]! * b[bo + 2 * k]!);
    return sum;
  };
  const evalPairs = (ps: PairRows[]) => {
    const n = ps.length;
    const c = normalise(preEmbedding(ps.map((p) => p.chosen), false), n).v;
    const j = normalise(preEmbedding(ps.map((p) => p.rejected), false), n).v;
    const lam = softmax(promptHead.forward(gatherRows(o.P, DP, ps.map((p) => p.prompt)), n, false), n);
    const tau = Math.exp(logTau.value[0]!);
    let correct = 0;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const sc = skew(c, i * dim, j, i * dim, lam, i * half);
      if (sc > 0) correct++;
      loss += softplus(-sc / tau);
    }
    return { accuracy: correct / n, loss: loss / n };
  };
  const fitted = fit({
    name: 'gpm', n: o.train.length, params: [...rest.params(), ...promptHead.params(), logKappa, logTau], seed: o.seed + 1, log: o.log,
    step: (idx) => {
      const n = idx.length;
      const rows = [...idx.map((i) => o.train[i]!.chosen), ...idx.map((i) => o.train[i]!.rejected)];
      const u = preEmbedding(rows, true);
      const { v, norms } = normalise(u, 2 * n);
      const lam = softmax(promptHead.forward(gatherRows(o.P, DP, idx.map((i) => o.train[i]!.prompt)), n), n);
      const tau = Math.exp(logTau.value[0]!);
      const dv = new Float32Array(2 * n * dim);
      const dz = new Float32Array(n * half);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const co = i * dim;
        const ro = (n + i) * dim;
        const sc = skew(v, co, v, ro, lam, i * half);
        loss += softplus(-sc / tau);
        const g = (-(1 - sigmoid(sc / tau)) / tau) / n;
        logTau.grad[0]! += ((1 - sigmoid(sc / tau)) * (sc / tau)) / n;
        const dLam = new Float32Array(half);
        for (let k = 0; k < half; k++) {
          const l = lam[i * half + k]!;
          dv[co + 2 * k]! += g * l * v[ro + 2 * k + 1]!;
          dv[co + 2 * k + 1]! -= g * l * v[ro + 2 * k]!;
          dv[ro + 2 * k + 1]! += g * l * v[co + 2 * k]!;
          dv[ro + 2 * k]! -= g * l * v[co + 2 * k + 1]!;
          dLam[k] = g * (v[co + 2 * k]! * v[ro + 2 * k + 1]! - v[co + 2 * k + 1]! * v[ro + 2 * k]!);
        }
        let dot = 0;
        for (let k = 0; k < half; k++) dot += dLam[k]! * lam[i * half + k]!;
        for (let k = 0; k < half; k++) dz[i * half + k] = lam[i * half + k]! * (dLam[k]! - dot);
      }
      // Back through the L2 normalisation (du = (dv - v (v . dv)) / |u|), then into kappa and the MLP.
      const kappa = Math.exp(logKappa.value[0]!);
      const dRest = new Float32Array(2 * n * (dim - 2));
      rows.forEach((row, i) => {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += v[i * dim + j]! * dv[i * dim + j]!;
        const du = (j: number) => (dv[i * dim + j]! - v[i * dim + j]! * dot) / norms[i]!;
        const a = kappa * r[row]!;
        logKappa.grad[0]! += kappa * (du(0) * -r[row]! * Math.sin(a) + du(1) * -r[row]! * Math.cos(a));
        for (let j = 2; j < dim; j++) dRest[i * (dim - 2) + j - 2] = du(j);
      });
      rest.backward(dRest, 2 * n);
      promptHead.backward(dz, n);
      return loss;
    },
    validate: () => evalPairs(o.val),
    snapshot: () => [...rest.snapshot(), ...promptHead.snapshot(), logKappa.value.slice(), logTau.value.slice()],
    restore: (w) => {
      const k = rest.params().length;
      rest.restore(w.slice(0, k));
      promptHead.restore(w.slice(k, -2));
      logKappa.value.set(w[w.length - 2]!);
      logTau.value.set(w[w.length - 1]!);
    },
  });
  return { rest, promptHead, evalPairs, kappa: () => Math.exp(logKappa.value[0]!), tau: () => Math.exp(logTau.value[0]!), ...fitted };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();

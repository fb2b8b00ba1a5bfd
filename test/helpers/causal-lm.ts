/**
 * @file Tiny causal-LM model folders for the DPO tests (config.json, a word-level tokenizer.json,
 * tokenizer_config.json with a ChatML-like chat template, onnx/model.onnx), and the float64 hand
 * computation of their log-probs. The graph is a real causal LM in miniature:
 *   state[t]  = E[id_t] + sum over unmasked s <= t of C[id_s] + positionWeight * position_t * P
 *   logits[t] = state[t] W                      ([batch, sequence, vocab])
 * so every logit depends on the token, on all earlier context (causal, mask-aware) and on its
 * position, and a padded batch must give each row's logits exactly as that row alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../../src/onnx/graph.js';
import { writeTokenizer } from './tiny-models.js';
import { prng } from '../../src/report/bootstrap.js';

export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';
/** ChatML: the prompt rendered with a generation prompt is a prefix of prompt + response. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
/** Its generation prompt differs from how it renders an assistant turn: no prefix. */
export const MISMATCHED_TEMPLATE =
  "{% for message in messages %}{{ message['role'] + ': ' + message['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant (reply below):' }}{% endif %}";

export const WORDS = ['user', 'assistant', 'system', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', 'ran', 'far', 'is', 'good', 'bad', 'yes', 'no', 'why', 'how', 'hello', 'hi', '.', ',', '?', ':'];
export const OTHER_WORDS = ['user', 'assistant', 'system', 'hello', 'hi', 'zebra', 'the', 'cat', '.'];

export interface CausalLmSpec {
  seed: number;
  hidden?: number;
  words?: readonly string[];
  chatTemplate?: string;
  /** A position_ids input (its term in the state uses positionWeight). */
  positionIds?: boolean;
  positionWeight?: number;
  /** Scale of the random weights (larger: larger logits). */
  scale?: number;
  /** Logits as float16 (the graph casts its float32 logits). */
  float16?: boolean;
  /** Store the weights in onnx/model.onnx_data. */
  externalData?: boolean;
  /** 2: logits summed over the sequence, [batch, vocab] (a wrong export). */
  logitsRank?: 2 | 3;
  /** The graph's opset (default 17). */
  opset?: number;
  /** Logits over this many ids (default: the tokenizer's vocabulary; larger for benchmarks at a real vocab size). */
  vocabSize?: number;
  /** Extra tokenizer_config.json fields (model_max_length, padding_side...). */
  tokenizerConfig?: Record<string, unknown>;
}

export interface CausalLmWeights {
  vocab: Map<string, number>;
  vocabSize: number;
  hidden: number;
  /** Row-major [vocab, hidden] (E, C), [hidden] (P), [hidden, vocab] (W), as float32 values. */
  embedding: Float32Array;
  context: Float32Array;
  position: Float32Array;
  output: Float32Array;
  positionWeight: number;
}


/** Random weights for a vocabulary of `vocabSize` ids. */
export function causalLmWeights(vocabSize: number, spec: Pick<CausalLmSpec, 'seed' | 'hidden' | 'scale' | 'positionIds' | 'positionWeight'>): Omit<CausalLmWeights, 'vocab'> {
  const hidden = spec.hidden ?? 4;
  const next = prng(spec.seed);
  const scale = spec.scale ?? 1;
  const fill = (n: number) => Float32Array.from({ length: n }, () => (next() * 2 - 1) * scale);
  return {
    vocabSize,
    hidden,
    embedding: fill(vocabSize * hidden),
    context: fill(vocabSize * hidden),
    position: fill(hidden),
    output: fill(hidden * vocabSize),
    positionWeight: spec.positionIds ? (spec.positionWeight ?? 0.25) : 0,
  };
}

/** The causal-LM graph over given weights; inputs input_ids, attention_mask (and position_ids). */
export function causalLmGraph(w: Omit<CausalLmWeights, 'vocab'>, spec: Pick<CausalLmSpec, 'positionIds' | 'float16' | 'logitsRank' | 'opset'> = {}): GraphBuilder {
  const g = new GraphBuilder('tiny_causal_lm', spec.opset);
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const e = g.node('Gather', [g.init('embedding', { type: 'float32', dims: [w.vocabSize, w.hidden], data: w.embedding }), ids], { axis: 0 });
  const c = g.node('Gather', [g.init('context', { type: 'float32', dims: [w.vocabSize, w.hidden], data: w.context }), ids], { axis: 0 });
  const maskF = g.node('Unsqueeze', [g.node('Cast', [mask], { to: 1 }), g.ints([2])]);
  let state = g.node('Add', [e, g.node('CumSum', [g.node('Mul', [c, maskF]), g.ints([1], [])])]);
  if (spec.positionIds) {
    const positions = g.input('position_ids', 'int64', ['batch', 'sequence']);
    const pos = g.node('Unsqueeze', [g.node('Cast', [positions], { to: 1 }), g.ints([2])]);
    const p = g.floats(Array.from(w.position, (v) => v * w.positionWeight), [w.hidden]);
    state = g.node('Add', [state, g.node('Mul', [pos, p])]);
  }
  let logits = g.node('MatMul', [state, g.init('output', { type: 'float32', dims: [w.hidden, w.vocabSize], data: w.output })]);
  if (spec.logitsRank === 2) logits = g.node('ReduceSum', [logits, g.ints([1])], { keepdims: 0 });
  const shape = spec.logitsRank === 2 ? ['batch', w.vocabSize] : ['batch', 'sequence', w.vocabSize];
  if (spec.float16) {
    g.node('Cast', [logits], { to: 10 }, ['logits']);
    g.output('logits', 'float16', shape);
  } else {
    g.node('Identity', [logits], {}, ['logits']);
    g.output('logits', 'float32', shape);
  }
  return g;
}

/** Writes a causal-LM folder; returns its weights for the hand computation. */
export function writeCausalLm(dir: string, spec: CausalLmSpec): CausalLmWeights {
  const vocab = writeTokenizer(dir, spec.words ?? WORDS, {
    specialTokens: [IM_START, IM_END],
    eos: IM_END,
    chatTemplate: spec.chatTemplate ?? CHATML_TEMPLATE,
    config: spec.tokenizerConfig,
  });
  const weights = causalLmWeights(spec.vocabSize ?? vocab.size, spec);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  causalLmGraph(weights, spec).save(join(dir, 'onnx', 'model.onnx'), spec.externalData ? { externalDataFile: 'model.onnx_data', externalDataThreshold: 64 } : {});
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'], vocab_size: weights.vocabSize }));
  return { vocab, ...weights };
}

/**
 * Float64 log-probs of one unpadded sequence: out[t] = log_softmax(logits at t)[ids[t + 1]],
 * for t = 0 .. ids.length - 2 (positions 0, 1, ...).
 */
export function referenceNextTokenLogprobs(w: Omit<CausalLmWeights, 'vocab'>, ids: readonly number[]): number[] {
  const h = w.hidden;
  const context = new Float64Array(h);
  const out: number[] = [];
  for (let t = 0; t + 1 < ids.length; t++) {
    const id = ids[t]!;
    const state = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      context[k]! += w.context[id * h + k]!;
      state[k] = w.embedding[id * h + k]! + context[k]! + t * w.positionWeight * w.position[k]!;
    }
    const logits = new Float64Array(w.vocabSize);
    for (let v = 0; v < w.vocabSize; v++) {
      let sum = 0;
      for (let k = 0; k < h; k++) sum += state[k]! * w.output[k * w.vocabSize + v]!;
      logits[v] = sum;
    }
    const max = Math.max(...logits);
    const logSumExp = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
    out.push(logits[ids[t + 1]!]! - logSumExp);
  }
  return out;
}

/** Float64 sum of the log-probs of ids[responseStart..] given everything before them. */
export function referenceResponseLogprob(w: Omit<CausalLmWeights, 'vocab'>, ids: readonly number[], responseStart: number): number {
  return referenceNextTokenLogprobs(w, ids)
    .slice(responseStart - 1)
    .reduce((a, b) => a + b, 0);
}

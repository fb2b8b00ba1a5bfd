/**
 * A tiny exact pairwise preference model for tests: a word-level tokenizer with the markers [Q],
 * [A] and [B] as special tokens, the template "[Q] {{ question }} [A] {{ response_a }} [B]
 * {{ response_b }}", and a graph that reads the rendered text's tokens:
 *   logits[b, 0] = sum over A's tokens of weightA(token) + sum over B's tokens of weightB(token)
 * (A: from the [A] marker to the [B] marker, B: after [B], found with CumSum as use-lite-pairpm
 * does; the question's tokens count for nothing). Weights are dyadic, so logits are exact.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../../src/onnx/graph.js';
import { writeTokenizer } from './tiny-models.js';

export const MARKERS = ['[Q]', '[A]', '[B]'] as const;
export const PAIR_TEMPLATE = '[Q] {{ question }} [A] {{ response_a }} [B] {{ response_b }}';

export interface PairModelSpec {
  /** Weight of each word in response A's place and in response B's place. */
  weightA: Record<string, number>;
  weightB: Record<string, number>;
  /** Words in the vocabulary with no weight (e.g. question words). */
  words?: readonly string[];
  /** The rmbench block over the default (scorer pairwise, this template). */
  rmbench?: Record<string, unknown>;
}

/** Writes the folder; returns its vocabulary. */
export function writePairModel(dir: string, spec: PairModelSpec): Map<string, number> {
  const words = [...new Set([...Object.keys(spec.weightA), ...Object.keys(spec.weightB), ...(spec.words ?? [])])];
  const vocab = writeTokenizer(dir, words, { specialTokens: MARKERS });
  const table = (weights: Record<string, number>) => {
    const data = new Float32Array(vocab.size);
    for (const [w, id] of vocab) data[id] = weights[w] ?? 0;
    return data;
  };
  const g = new GraphBuilder('tiny_pairwise');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const after = (marker: string) => g.node('CumSum', [g.node('Cast', [g.node('Equal', [ids, g.ints([vocab.get(marker)!], [])])], { to: 1 }), g.ints([1], [])]);
  const inB = after('[B]');
  const inA = g.node('Sub', [after('[A]'), inB]);
  const weighted = (tableName: string, inside: string) => g.node('Mul', [g.node('Gather', [tableName, ids], { axis: 0 }), inside]);
  const a = g.init('weight_a', { type: 'float32', dims: [vocab.size], data: table(spec.weightA) });
  const b = g.init('weight_b', { type: 'float32', dims: [vocab.size], data: table(spec.weightB) });
  const perToken = g.node('Mul', [g.node('Add', [weighted(a, inA), weighted(b, inB)]), g.node('Cast', [mask], { to: 1 })]);
  g.node('ReduceSum', [perToken, g.ints([1])], { keepdims: 1 }, ['logits']);
  g.output('logits', 'float32', ['batch', 1]);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  g.save(join(dir, 'onnx', 'model.onnx'));
  const rmbench = { scorer: 'pairwise', pair_template: PAIR_TEMPLATE, ...spec.rmbench };
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'tiny-pairwise', rmbench }));
  return vocab;
}

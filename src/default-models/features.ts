/**
 * @file The features the USE Lite heads read, computed inside the ONNX graph (the same function
 * builds the graph used to make training features and the shipped models, so they cannot drift).
 * The shipped heads read the window's sentence embedding only (train.ts CONFIG.features "window":
 * on the validation split the response-pooled half did not help); the full set is
 *   [ sentence embedding of the whole window (512),
 *     sentence embedding pooled over the response tokens only (512),
 *     response tokens in the window / 128, 1 if the response marker is in the window else 0 ]
 * The response tokens are those after the last occurrence of the token sequence of
 * "\n\nAssistant:" (the plain format's last turn marker). "\n" has no piece in the vocabulary, so
 * the marker always starts with the unknown id and tokenises the same way whatever surrounds it.
 * When the window (the last 128 tokens) has no marker, the whole window is response.
 */
import type { GraphBuilder } from '../onnx/graph.js';
import { HIDDEN_SIZE, type UseLiteEncoder } from './encoder.js';
import { MAX_LENGTH } from './tokenizer.js';

export const TEXT_FEATURES = 2 * HIDDEN_SIZE + 2;
export const PROMPT_FEATURES = HIDDEN_SIZE;
/** The text whose tokens mark the start of the response in the plain format. */
export const RESPONSE_MARKER_TEXT = '\n\nAssistant:';

/**
 * Float mask [batch, sequence] of the tokens after the last `marker` id sequence (all attended
 * tokens when there is none), and found [batch, 1] (1 when the marker occurs).
 */
export function responseMask(g: GraphBuilder, ids: string, attentionMask: string, marker: readonly number[]): { mask: string; found: string } {
  const L = marker.length;
  const maskF = g.node('Cast', [attentionMask], { to: 1 });
  // match[t] = 1 when ids[t .. t+L-1] equals the marker.
  let match = maskF;
  marker.forEach((id, j) => {
    const shifted = j === 0 ? ids : g.node('Pad', [g.node('Slice', [ids, g.ints([j]), g.ints([2 ** 62]), g.ints([1])]), g.ints([0, 0, 0, j]), g.ints([-1], [])], { mode: 'constant' });
    match = g.node('Mul', [match, g.node('Cast', [g.node('Equal', [shifted, g.ints([id], [])])], { to: 1 })]);
  });
  const length = g.node('Gather', [g.node('Shape', [ids]), g.ints([1], [])], { axis: 0 });
  const positions = g.node('Cast', [g.node('Range', [g.ints([0], []), length, g.ints([1], [])])], { to: 1 }); // [T]
  // start = (last match position) + L, or 0 without a match.
  const start = g.node('ReduceMax', [g.node('Mul', [match, g.node('Add', [positions, g.floats([L], [])])])], { axes: [1], keepdims: 1 });
  const after = g.node('Cast', [g.node('Not', [g.node('Less', [positions, start])])], { to: 1 });
  const found = g.node('ReduceMax', [match], { axes: [1], keepdims: 1 });
  return { mask: g.node('Mul', [after, maskF]), found };
}

/** Head features [batch, TEXT_FEATURES] of a prompt+response text, from one encoder pass. */
export function textFeatures(g: GraphBuilder, encoder: UseLiteEncoder, ids: string, attentionMask: string, marker: readonly number[]): string {
  const enc = encoder.apply(ids, attentionMask);
  const response = responseMask(g, ids, attentionMask, marker);
  const responseEmbedding = encoder.pool(enc.hidden, response.mask).embedding;
  const count = g.node('Div', [g.node('ReduceSum', [response.mask, g.ints([1])], { keepdims: 1 }), g.floats([MAX_LENGTH], [])]);
  return g.node('Concat', [enc.embedding, responseEmbedding, count, response.found], { axis: 1 });
}

/** The first HIDDEN_SIZE text features alone: the sentence embedding of the window (heads with features "window"). */
export function windowFeatures(encoder: UseLiteEncoder, ids: string, attentionMask: string): string {
  return encoder.apply(ids, attentionMask).embedding;
}

/** Head features [batch, PROMPT_FEATURES] of a prompt-only text: its sentence embedding. */
export const promptFeatures = windowFeatures;

/**
 * @file The input of use-lite-pairpm, the pairwise preference model: ONE text holding the question
 * and both responses, and the in-graph split of its tokens back into the three parts.
 *
 * A mean of embeddings over the whole text could not tell response A from response B, so the
 * template puts a marker token before each part and the graph encodes each part on its own:
 * - The markers are added tokens of this model's tokenizer.json on the reserved ids 3, 4 and 5
 *   (which no text produces otherwise). A tokenizer splits added tokens out before normalising,
 *   so each part is tokenised exactly as the same text alone (a "▁" is prepended to each part).
 * - Segments come from the ids: CumSum of Equal(id, marker A) and of Equal(id, marker B) gives
 *   question (before A's marker), A (from A's marker to B's) and B (after B's marker). Counting
 *   from the markers of A and B, not from the question's, keeps A and B right when left
 *   truncation cut the question's marker. Marker tokens themselves belong to no segment.
 * - Each segment's last MAX_LENGTH (128) tokens are gathered into a window of its own, as the
 *   encoder reads a lone text (left truncation), and the 3 x batch windows go through the encoder
 *   in one pass. So the three embeddings equal the sentence embeddings of the three texts alone,
 *   which is what the head is trained on (tools/use-lite/train-pairpm.ts).
 * A response that itself contains a marker string would be split there: documented in the card.
 */
import type { GraphBuilder } from '../onnx/graph.js';
import { HIDDEN_SIZE, type UseLiteEncoder } from './encoder.js';
import { MAX_LENGTH } from './tokenizer.js';

/** Marker strings of the template, and the reserved vocabulary ids they are added tokens for. */
export const PAIR_MARKERS = [
  { content: '<|question|>', id: 3 },
  { content: '<|response_a|>', id: 4 },
  { content: '<|response_b|>', id: 5 },
] as const;

/** The Jinja template of config.json's rmbench.pair_template (variables question, response_a, response_b). */
export const PAIR_TEMPLATE = `${PAIR_MARKERS[0].content}{{ question }}${PAIR_MARKERS[1].content}{{ response_a }}${PAIR_MARKERS[2].content}{{ response_b }}`;

/**
 * The harness's token limit for the whole rendered text. The graph reads only the last 128
 * tokens of each part, but left truncation that reaches into a part (or removes A's marker)
 * changes what the graph sees, so the limit is set above every text of the training data and
 * of the shipped suites (longest training pair: 23,124 characters). The graph's cost does not
 * grow with it (three 128-token windows per text); only the ids tensor does.
 */
export const PAIR_MAX_LENGTH = 16384;

/** tokenizer.json added_tokens entries for the markers. */
export function pairAddedTokens(): object[] {
  return PAIR_MARKERS.map(({ content, id }) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
}

const INT64 = 7;

/**
 * Token windows [3 * batch, min(sequence, 128)] (questions, then responses A, then responses B)
 * with their attention masks: the last 128 tokens of each segment, right-padded.
 */
export function pairWindows(g: GraphBuilder, ids: string, attentionMask: string): { ids: string; mask: string } {
  const axis1 = g.ints([1], []); // CumSum's axis is a scalar
  const one = g.ints([1], []);
  const isMarker = (id: number) => g.node('Cast', [g.node('Equal', [ids, g.ints([id], [])])], { to: INT64 });
  const [markQ, markA, markB] = PAIR_MARKERS.map((m) => isMarker(m.id)) as [string, string, string];
  // 0 before A's marker, 1 from it on, 2 from B's marker on.
  const segment = g.node('Add', [g.node('Min', [g.node('CumSum', [markA, axis1]), one]), g.node('Min', [g.node('CumSum', [markB, axis1]), one])]);
  const content = g.node('Mul', [attentionMask, g.node('Sub', [one, g.node('Add', [markQ, g.node('Add', [markA, markB])])])]);
  const length = g.node('Gather', [g.node('Shape', [ids]), g.ints([1], [])], { axis: 0 });
  const positions = g.node('Range', [g.ints([0], []), length, one]); // [T]
  const width = g.node('Min', [length, g.ints([MAX_LENGTH], [])]);
  const offsets = g.node('Range', [g.ints([0], []), width, one]); // [W]
  const windows = [0, 1, 2].map((k) => {
    const inSegment = g.node('Mul', [content, g.node('Cast', [g.node('Equal', [segment, g.ints([k], [])])], { to: INT64 })]);
    const count = g.node('Min', [g.node('ReduceSum', [inSegment, g.ints([1])], { keepdims: 1 }), g.ints([MAX_LENGTH], [])]); // [B, 1]
    // Segments are contiguous: the window ends at the segment's last token.
    const end = g.node('ReduceMax', [g.node('Mul', [inSegment, g.node('Add', [positions, one])])], { axes: [1], keepdims: 1 }); // last + 1
    const valid = g.node('Cast', [g.node('Less', [offsets, count])], { to: INT64 }); // [B, W]
    const index = g.node('Mul', [g.node('Add', [g.node('Sub', [end, count]), offsets]), valid]);
    return { ids: g.node('Mul', [g.node('GatherElements', [ids, index], { axis: 1 }), valid]), mask: valid };
  });
  return {
    ids: g.node('Concat', windows.map((w) => w.ids), { axis: 0 }),
    mask: g.node('Concat', windows.map((w) => w.mask), { axis: 0 }),
  };
}

/** [batch, 3 * 512]: the sentence embeddings of question, response A and response B, side by side. */
export function pairEmbeddings(g: GraphBuilder, encoder: UseLiteEncoder, ids: string, attentionMask: string): string {
  const w = pairWindows(g, ids, attentionMask);
  const e = encoder.apply(w.ids, w.mask).embedding; // [3B, 512]
  const parts = g.node('Transpose', [g.node('Reshape', [e, g.ints([3, -1, HIDDEN_SIZE])])], { perm: [1, 0, 2] });
  return g.node('Reshape', [parts, g.ints([-1, 3 * HIDDEN_SIZE])]);
}

/** Width of the head's input: the three embeddings side by side. */
export const PAIR_FEATURES = 3 * HIDDEN_SIZE;
export const PAIR_FEATURES_DESCRIPTION = 'sentence embeddings of question, response A and response B, concatenated (3 x 512)';

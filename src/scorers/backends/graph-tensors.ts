/**
 * @file The tensors of a graph backend (local ONNX Runtime or KServe): what rmbench feeds, the
 * checks on what a graph declares, padding a batch, and reading float outputs back.
 *
 * Inputs it feeds (int64 [batch, sequence]): input_ids; attention_mask, built from the sequence
 * lengths, never from the ids (a pad id inside the text stays visible); position_ids = cumulative
 * sum of the mask minus 1, clipped at 0 (so left padding starts real tokens at 0); token_type_ids = 0.
 * Prompt-conditioned heads also get the prompt encoded on its own, as prompt_input_ids and
 * prompt_attention_mask (int64 [batch, prompt_sequence]), truncated keeping its end.
 */
import type * as ort from 'onnxruntime-node';
import type { Side } from '../tokenize.js';

export const TEXT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids'] as const;
export const PROMPT_INPUTS = ['prompt_input_ids', 'prompt_attention_mask'] as const;
const KNOWN_INPUTS: ReadonlySet<string> = new Set([...TEXT_INPUTS, ...PROMPT_INPUTS]);

/**
 * What a graph backend needs of a graph: an ONNX Runtime session has it, and so does a remote
 * engine that takes the same int64 tensors (kserve.ts).
 */
export interface GraphSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /** Declared outputs, when the graph declares them (shapes with symbolic axes such as "sequence"). */
  readonly outputMetadata?: readonly ort.InferenceSession.ValueMetadata[];
  run(feeds: Record<string, ort.Tensor>, fetches: string[]): Promise<Record<string, ort.OnnxValue>>;
  release(): Promise<void>;
}

/** One response's model input: its token ids, and the prompt's alone for graphs with prompt inputs. */
export interface Sequence {
  ids: number[];
  prompt?: number[];
}

/** What is wrong with a graph's inputs for rmbench, one line per problem (empty when fine). */
export function inputProblems(inputs: readonly ort.InferenceSession.ValueMetadata[]): string[] {
  const problems: string[] = [];
  const names = inputs.map((i) => i.name);
  const unknown = names.filter((n) => !KNOWN_INPUTS.has(n));
  if (unknown.length) {
    problems.push(`unknown input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: rmbench feeds ${[...KNOWN_INPUTS].join(', ')}`);
  }
  if (!names.includes('input_ids')) problems.push('no input_ids input');
  if (names.includes('prompt_attention_mask') && !names.includes('prompt_input_ids')) problems.push('prompt_attention_mask without prompt_input_ids');
  for (const input of inputs) {
    if (KNOWN_INPUTS.has(input.name) && input.isTensor && input.type !== 'int64') problems.push(`input ${input.name} is ${input.type}; rmbench feeds int64`);
  }
  return problems;
}

export const PER_TOKEN_HINT = 'one value per token; rmbench needs one reward per response: export the graph with the pooled reward (e.g. logits [batch, 1])';

/**
 * The problem with outputs, among `names`, declared with input_ids' sequence axis (e.g. logits
 * [batch, sequence]): one value per token, not per response. Reading column 0 of such an output
 * would score the first token. Null when there is none.
 */
export function sequenceAxisProblem(session: Pick<GraphSession, 'inputMetadata' | 'outputMetadata'>, names: readonly string[]): string | null {
  const ids = session.inputMetadata.find((i) => i.name === 'input_ids');
  const sequenceAxis = ids?.isTensor ? ids.shape[1] : undefined;
  // Only a named axis says anything: KServe writes every dynamic axis as -1.
  if (typeof sequenceAxis !== 'string' || sequenceAxis === '' || sequenceAxis === '-1') return null;
  const perToken = (session.outputMetadata ?? [])
    .filter((o) => names.includes(o.name) && o.isTensor && o.shape.slice(1).includes(sequenceAxis))
    .map((o) => `output "${o.name}" is [${(o as { shape: readonly (number | string)[] }).shape.join(', ')}]`);
  return perToken.length ? `${perToken.join('; ')}: ${PER_TOKEN_HINT}` : null;
}

/** Values per response of an output, where the graph declares every axis after the batch. */
export function declaredWidth(session: GraphSession, name: string): number | undefined {
  const meta = session.outputMetadata?.find((o) => o.name === name);
  if (!meta?.isTensor || !meta.shape.slice(1).every((d) => typeof d === 'number')) return undefined;
  return (meta.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
}

/** float32 values of an output tensor (float16 and float64 outputs are converted). */
export function floatValues(tensor: ort.Tensor): Float32Array {
  const data = tensor.data;
  if (tensor.type === 'float32') return data as Float32Array;
  if (tensor.type === 'float64') return Float32Array.from(data as Float64Array);
  if (tensor.type === 'float16') {
    const bits = data as Uint16Array;
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = float16ToNumber(bits[i]!);
    return out;
  }
  throw new TypeError(`${tensor.type} is not a floating-point type`);
}

/** IEEE 754 binary16 bits -> number (exact). */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Pads sequences to their longest on one side; mask from the lengths, positions from the mask. */
export function padSequences(seqs: readonly number[][], side: Side, padTokenId: number) {
  const length = Math.max(1, ...seqs.map((s) => s.length));
  const size = seqs.length;
  const ids = new BigInt64Array(size * length).fill(BigInt(padTokenId));
  const mask = new BigInt64Array(size * length);
  const positions = new BigInt64Array(size * length);
  let real = 0;
  seqs.forEach((seq, b) => {
    const start = side === 'left' ? length - seq.length : 0;
    for (let t = 0; t < seq.length; t++) {
      ids[b * length + start + t] = BigInt(seq[t]!);
      mask[b * length + start + t] = 1n;
    }
    // position = cumsum(mask) - 1, clipped at 0.
    let seen = 0;
    for (let t = 0; t < length; t++) {
      seen += Number(mask[b * length + t]);
      positions[b * length + t] = BigInt(Math.max(0, seen - 1));
    }
    real += seq.length;
  });
  return { ids, mask, positions, length, real };
}

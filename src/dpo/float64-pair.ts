/**
 * @file A float64 carried through float32 rows (the runner's outputs, the score cache): the DPO kind
 * reads it without loading ONNX Runtime.
 */

/**
 * A float64 as two float32 values [hi, lo], hi + lo = x to about 1e-14 relative: the runner and
 * the score cache hold float32 rows, and a summed log-prob keeps its float64 digits through them.
 */
export function float64Pair(x: number): Float32Array {
  const hi = Math.fround(x);
  return Float32Array.of(hi, x - hi);
}

/** The float64 of float64Pair's [hi, lo]. */
export function fromFloat64Pair(values: ArrayLike<number>): number {
  return values[0]! + values[1]!;
}

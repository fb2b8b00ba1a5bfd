/**
 * @file Batches by token budget: inputs sorted by length (longest first), each batch as many as fit
 * in `tokenBudget` padded tokens. Padding waste stays small, and memory per batch is bounded
 * whatever the texts' lengths.
 */

export interface Batch {
  /** Indices into the input list. */
  indices: number[];
  /** Padded sequence length of the batch (its longest input). */
  length: number;
}

export function planBatches(lengths: readonly number[], tokenBudget: number): Batch[] {
  if (!(Number.isInteger(tokenBudget) && tokenBudget > 0)) throw new RangeError(`token budget must be a positive integer, got ${tokenBudget}`);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: Batch[] = [];
  let current: Batch | undefined;
  for (const i of order) {
    if (current && (current.indices.length + 1) * current.length <= tokenBudget) {
      current.indices.push(i);
    } else {
      current = { indices: [i], length: Math.max(1, lengths[i]!) };
      batches.push(current);
    }
  }
  return batches;
}

/** Real tokens / computed tokens (1 means no padding). */
export function paddingEfficiency(real: number, padded: number): number {
  return padded === 0 ? 1 : real / padded;
}

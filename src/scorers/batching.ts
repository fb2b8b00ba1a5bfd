/**
 * @file Batches by token budget: inputs sorted by length (longest first), each batch as many as fit
 * in `tokenBudget` padded tokens. Padding waste stays small, and memory per batch is bounded
 * whatever the texts' lengths. Models that also read the prompt on its own get a second padded
 * input per batch; its padded tokens count against the same budget.
 */

export interface Batch {
  /** Indices into the input list. */
  indices: number[];
  /** Padded sequence length of the batch (its longest input). */
  length: number;
  /** Padded length of the prompt input (its longest prompt), when there is one. */
  promptLength?: number;
}

export function planBatches(lengths: readonly number[], tokenBudget: number, promptLengths?: readonly number[]): Batch[] {
  if (!(Number.isInteger(tokenBudget) && tokenBudget > 0)) throw new RangeError(`token budget must be a positive integer, got ${tokenBudget}`);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: Batch[] = [];
  let current: Batch | undefined;
  for (const i of order) {
    const prompt = promptLengths ? Math.max(1, promptLengths[i]!) : 0;
    const cost = (b: Batch) => (b.indices.length + 1) * (b.length + Math.max(b.promptLength ?? 0, prompt));
    if (current && cost(current) <= tokenBudget) {
      current.indices.push(i);
      if (promptLengths) current.promptLength = Math.max(current.promptLength!, prompt);
    } else {
      current = { indices: [i], length: Math.max(1, lengths[i]!), ...(promptLengths ? { promptLength: prompt } : {}) };
      batches.push(current);
    }
  }
  return batches;
}

/** How texts are grouped into batches. */
export type BatchPolicy = { kind: 'token_budget'; tokenBudget: number } | { kind: 'fixed'; size: number };

/** Fixed-size batches in input order (reward-bench's way; kept for comparisons and tests). */
export function planFixedBatches(count: number, size: number): Batch[] {
  if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const batches: Batch[] = [];
  for (let start = 0; start < count; start += size) {
    batches.push({ indices: Array.from({ length: Math.min(size, count - start) }, (_, i) => start + i), length: 0 });
  }
  return batches;
}

/** Real tokens / computed tokens (1 means no padding). */
export function paddingEfficiency(real: number, padded: number): number {
  return padded === 0 ? 1 : real / padded;
}

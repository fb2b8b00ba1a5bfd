import { describe, expect, it } from 'vitest';
import { planBatches } from '../src/scorers/batching.js';

describe('planBatches with a prompt input', () => {
  it('counts both padded inputs against the budget', () => {
    // Texts 10, 8, 6, 4 long with prompts 2, 6, 1, 1: batch cost = count * (longest text + longest prompt).
    // [0]: 1 * (10 + 2) = 12; + [1]: 2 * (10 + 6) = 32 > 30, new batch; [1]: 14; + [2]: 2 * (8 + 6) = 28;
    // + [3]: 3 * (8 + 6) = 42 > 30, new batch.
    expect(planBatches([10, 8, 6, 4], 30, [2, 6, 1, 1])).toEqual([
      { indices: [0], length: 10, promptLength: 2 },
      { indices: [1, 2], length: 8, promptLength: 6 },
      { indices: [3], length: 4, promptLength: 1 },
    ]);
    // Without prompts: 3 * 10 = 30 fits, the fourth makes 40.
    expect(planBatches([10, 8, 6, 4], 30)).toEqual([
      { indices: [0, 1, 2], length: 10 },
      { indices: [3], length: 4 },
    ]);
  });

  it('covers every input once and stays within the budget unless one input alone exceeds it', () => {
    const lengths = Array.from({ length: 300 }, (_, i) => ((i * 7919) % 200) + 1);
    const prompts = lengths.map((l, i) => Math.max(1, Math.floor(l / ((i % 4) + 1))));
    const batches = planBatches(lengths, 1024, prompts);
    expect(batches.flatMap((b) => b.indices).sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const b of batches) {
      expect(b.length).toBe(Math.max(...b.indices.map((i) => lengths[i]!)));
      expect(b.promptLength).toBe(Math.max(...b.indices.map((i) => prompts[i]!)));
      if (b.indices.length > 1) expect(b.indices.length * (b.length + b.promptLength!)).toBeLessThanOrEqual(1024);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { planBatches } from '../src/scorers/batching.js';

describe('planBatches', () => {
  it('packs longest first within the token budget', () => {
    const batches = planBatches([3, 10, 4, 10, 2, 5], 20);
    expect(batches).toEqual([
      { indices: [1, 3], length: 10 },
      { indices: [5, 2, 0, 4], length: 5 },
    ]);
  });

  it('covers every input exactly once and never exceeds the budget unless one input alone does', () => {
    const lengths = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 300) + 1);
    const batches = planBatches(lengths, 1024);
    const seen = batches.flatMap((b) => b.indices).sort((a, b) => a - b);
    expect(seen).toEqual(lengths.map((_, i) => i));
    for (const b of batches) {
      expect(Math.max(...b.indices.map((i) => lengths[i]!))).toBe(b.length);
      expect(b.indices.length * b.length).toBeLessThanOrEqual(1024);
    }
    expect(planBatches([5000, 3], 1024)).toEqual([
      { indices: [0], length: 5000 },
      { indices: [1], length: 3 },
    ]);
  });

  it('rejects a non-positive budget', () => {
    expect(() => planBatches([1], 0)).toThrow(/positive integer/);
  });
});

import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HeapKeeper } from '../src/bench/heap.js';

const usedMB = () => getHeapStatistics().used_heap_size / 2 ** 20;

describe('HeapKeeper', () => {
  it('collects the garbage a window left behind once the heap has grown past its threshold', () => {
    const keeper = new HeapKeeper();
    // ~100 MB of heap objects, alive until the window is done (like a window's rows).
    let window: number[][] | null = Array.from({ length: 12_500 }, (_, i) => new Array<number>(1_000).fill(i + 0.5));
    expect(window.length).toBe(12_500);
    window = null; // the window is scored and dropped; V8 has not collected it yet
    const before = usedMB();
    expect(before).toBeGreaterThan(80);
    keeper.betweenWindows();
    expect(usedMB()).toBeLessThan(before - 60);
  });

  it('leaves a small heap to V8: garbage below the threshold stays uncollected', () => {
    const keeper = new HeapKeeper();
    // A first window of 50 MB garbage: collected, which sets the threshold from the heap left after it.
    let first: number[][] | null = Array.from({ length: 6_250 }, (_, i) => new Array<number>(1_000).fill(i + 0.5));
    expect(first.length).toBe(6_250);
    first = null;
    keeper.betweenWindows();
    // 8 MB of garbage never reaches max(48 MB, 1.5 x the heap after that collection).
    let window: number[][] | null = Array.from({ length: 1_000 }, (_, i) => new Array<number>(1_000).fill(i + 0.5));
    expect(window.length).toBe(1_000);
    window = null;
    const before = usedMB();
    keeper.betweenWindows();
    expect(usedMB()).toBeGreaterThan(before - 1);
  });
});

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

  it('leaves a small heap to V8', () => {
    const keeper = new HeapKeeper();
    keeper.betweenWindows(); // first call may collect what the previous test left
    const before = usedMB();
    keeper.betweenWindows();
    expect(Math.abs(usedMB() - before)).toBeLessThan(5);
  });
});

/**
 * The heap keeper's decisions, on a scripted heap (no test may depend on when V8 collects), and
 * that its collector is V8's full collection (a dropped object is gone after it, deterministically).
 */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HeapKeeper } from '../src/bench/heap.js';

const MB = 2 ** 20;

/** A heap whose size the test sets; a collection shrinks it to the live size. */
function scriptedHeap() {
  const heap = { used: 0, live: 0, collections: 0 };
  const keeper = new HeapKeeper(
    () => heap.used,
    () => {
      heap.collections++;
      heap.used = heap.live;
    },
  );
  return { heap, keeper };
}

describe('HeapKeeper', () => {
  it('leaves a heap under 48 MB to V8, whatever it holds', () => {
    const { heap, keeper } = scriptedHeap();
    heap.used = 47.9 * MB;
    expect(keeper.betweenWindows()).toBe(false);
    expect(heap.collections).toBe(0);
  });

  it('collects once the heap reaches 48 MB, then again only once it has grown 1.5x past what the last collection left', () => {
    const { heap, keeper } = scriptedHeap();
    heap.live = 40 * MB;
    heap.used = 48 * MB;
    expect(keeper.betweenWindows()).toBe(true); // leaves 40 MB: the next threshold is max(48, 60) = 60 MB
    heap.used = 59.9 * MB;
    expect(keeper.betweenWindows()).toBe(false);
    heap.used = 60 * MB;
    expect(keeper.betweenWindows()).toBe(true);
    heap.live = 10 * MB;
    heap.used = 47 * MB; // 1.5 x 40 MB = 60 MB is the bar; the 48 MB floor does not lower it
    expect(keeper.betweenWindows()).toBe(false);
    heap.used = 61 * MB;
    expect(keeper.betweenWindows()).toBe(true); // leaves 10 MB: the floor of 48 MB is the bar again
    heap.used = 47 * MB;
    expect(keeper.betweenWindows()).toBe(false);
    expect(heap.collections).toBe(3);
  });

  it("collects with V8's full garbage collection", async () => {
    let dropped: object | null = { payload: new Array<number>(1_000).fill(1) };
    const ref = new WeakRef(dropped);
    dropped = null;
    await tick(); // a WeakRef keeps its target alive until the current job ends
    // A real keeper over a heap reader that says "past every threshold": it must collect.
    expect(new HeapKeeper(() => Number.MAX_SAFE_INTEGER).betweenWindows()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });
});

/**
 * @file Keeps a streaming run's heap near its live size. V8 lets old-space garbage grow to several
 * times the live data before it collects (its growth factor adapts to how fast it can collect), so
 * a run over a 100x suite peaked at twice the memory of a 1x run that holds the same live data.
 * Between windows, once the heap has grown by half since the last collection, collect once: tens of
 * milliseconds, against windows that take seconds to minutes. (A lower V8 growth factor set
 * process-wide was tried instead: it slowed tokenisation 2.3x by collecting far more often.)
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Below this, the heap is left to V8 alone. */
const MIN_COLLECT_BYTES = 48 * 2 ** 20;

let collectGarbage: (() => void) | undefined;

/** V8's gc(): the global one under --expose-gc, else one from a fresh context (as jest-leak-detector gets it). */
function gc(): void {
  if (!collectGarbage) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) collectGarbage = exposed;
    else {
      setFlagsFromString('--expose-gc');
      collectGarbage = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    }
  }
  collectGarbage();
}

const usedHeapBytes = (): number => getHeapStatistics().used_heap_size;

export class HeapKeeper {
  private afterLastCollection = 0;

  /** The heap reader and the collector are V8's; tests pass their own to check the decisions. */
  constructor(
    private readonly heapUsed: () => number = usedHeapBytes,
    private readonly collect: () => void = gc,
  ) {}

  /** Called between windows: collects when the heap has grown by half since the last collection. Returns whether it did. */
  betweenWindows(): boolean {
    if (this.heapUsed() < Math.max(MIN_COLLECT_BYTES, 1.5 * this.afterLastCollection)) return false;
    this.collect();
    this.afterLastCollection = this.heapUsed();
    return true;
  }
}

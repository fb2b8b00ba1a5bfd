/** @file A bounded pool for batches of work (local batches or remote requests). */

/**
 * Runs task(0..count-1) with at most `concurrency` in flight, in order of start. After a failure no
 * new task starts; those in flight finish (their results, e.g. cache writes, are kept); then the
 * first error is thrown.
 */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < count) {
      const index = next++;
      try {
        await task(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  if (failure) throw failure.error;
}

/** One way of doing the measured operation; each call is timed on its own. */
export interface TimedPath {
  name: string;
  call(): Promise<void>;
}

/**
 * Runs each path in blocks of `perBlock` sequential calls, the paths taking turns block by block, `blocks` times over:
 * a noisy moment on a shared machine lands on every path alike, while a call still follows calls of its own kind (one
 * call each, interleaved, would bill each path for the deferred work and garbage of the others). Each path first gets
 * `warmup` untimed calls: a server reaches its steady state only after a few thousand. Returns ms per call, by path.
 */
export async function roundTripsInBlocks(paths: readonly TimedPath[], options: { warmup: number; blocks: number; perBlock: number }): Promise<number[][]> {
  for (const path of paths) for (let i = 0; i < options.warmup; i++) await path.call();
  const samples = paths.map(() => [] as number[]);
  for (let block = 0; block < options.blocks; block++) {
    for (const [index, path] of paths.entries()) {
      for (let i = 0; i < options.perBlock; i++) {
        const start = performance.now();
        await path.call();
        samples[index]!.push(performance.now() - start);
      }
    }
  }
  return samples;
}

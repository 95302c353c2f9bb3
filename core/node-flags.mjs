// The Node flags `rtb` runs with. Node does not accept the first in NODE_OPTIONS and V8 ignores them once started,
// so they are on the command line: the `rtb` shebang (core/bin.mjs) and the `start` and `rtb` npm scripts carry them
// as text (a test checks that each carries every flag here), cluster workers inherit them, and the benchmark
// starts every measured process with them.

/**
 * `--min-semi-space-size=4` (MB): V8 shrinks the young generation to 1 MB when a process idles, and a burst after
 * that (1000 auctions/s after half a minute of quiet) starts with a storm of scavenges of a heap too small for the
 * auctions in flight: the slowest answer's median went from ≈ 350 ms to 43 ms with the floor, for about 20 MB more
 * peak RSS at full load (README, "Node flags").
 *
 * `--max-old-space-size=1024` (MB): below V8's 2 GB mark (x64), the old generation grows by at most 1.3–2× its live
 * size after each full collection instead of 4×, so garbage promoted under load is collected sooner. At full load
 * with notices on, peak RSS went from 186–204 MB to 139–144 MB (default, 2000 and 1536 MB: 153–156, 145–149); the
 * live heap is 25–50 MB. The price is a hard limit: a process whose live heap passes 1 GB stops (the in-memory cache,
 * `cache.memoryBytes`, may take at most half of it: checked at start-up). Give Node a larger one on the command
 * line where that is needed (README, "Node flags").
 */
export const RTB_NODE_FLAGS = ['--min-semi-space-size=4', '--max-old-space-size=1024'];

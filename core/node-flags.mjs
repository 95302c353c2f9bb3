// The Node flags `rtb` runs with. Node does not accept them in NODE_OPTIONS and V8 ignores them once started, so
// they are on the command line: the `rtb` shebang (core/bin.mjs) and the `start` and `rtb` npm scripts carry them
// as text (a test checks that each carries every flag here), cluster workers inherit them, and the benchmark
// starts every measured process with them.

/**
 * `--min-semi-space-size=4` (MB): V8 shrinks the young generation to 1 MB when a process idles, and a burst after
 * that (1000 auctions/s after half a minute of quiet) starts with a storm of scavenges of a heap too small for the
 * auctions in flight: the slowest answer's median went from ≈ 350 ms to 43 ms with the floor, for about 20 MB more
 * peak RSS at full load (README, "Node flags").
 */
export const RTB_NODE_FLAGS = ['--min-semi-space-size=4'];

// The benchmark's fixed-rate load: requests sent at evenly spaced moments, open loop, each one timed from the
// moment it was sent to the end of its answer.
//
// autocannon cannot measure this. Its `overallRate` gives each connection a budget per second, so every second
// starts with a burst of up to the whole rate, sent as fast as the connections go, and then nothing: at
// "1000/s" the server sees a second-long saturation spike every second. It also corrects for coordinated
// omission by recording, for every answer slower than the 1 ms interval it assumes, made-up samples of every
// shorter duration, so its minimum reads 1 ms and its median falls below the server's own fixed delay. Against a
// server that answers everything after exactly 10 ms, autocannon at 1000/s reported p50 6 ms and p99 29 ms;
// this load reports about 10 and 11.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Pool } from 'undici';

/** What a paced run measured: latencies in ms, exact percentiles over every request. */
export interface PacedFigures {
  /** Answers per second over the run. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** When the slowest request was sent, in seconds after the run began. */
  readonly slowestSentAtS: number;
  /**
   * This process's own longest event-loop delay during the run, ms: every latency is timed here, so a stall of the
   * load generator itself (its GC, the machine not scheduling it) reads as late answers of the server.
   */
  readonly loadLoopLagMaxMs: number;
  /** Requests sent. */
  readonly sent: number;
  readonly non2xx: number;
  readonly errors: number;
}

/** The interval at which this process samples its own event loop, ms. */
const LAG_RESOLUTION_MS = 5;

/**
 * An event-loop delay, ms, from the longest interval `monitorEventLoopDelay` recorded at `resolutionMs`: it records
 * the whole interval between two ticks of its timer (an idle loop reads `resolutionMs`), so the delay is what a tick
 * took beyond it. prom-client's `nodejs_eventloop_lag_max_seconds` is such an interval too.
 */
export function delayBeyondInterval(longestIntervalMs: number, resolutionMs: number): number {
  return Math.max(0, longestIntervalMs - resolutionMs);
}

/** The value at quantile `q` of ascending `sorted` (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * A fixed-rate load on one URL, over its own keep-alive pool (kept between runs, so that only the first run pays
 * for opening connections): each {@link run} GETs the URL at `rate` requests per second for `seconds`, one every
 * 1000/`rate` ms whatever the answers do (a slow server gets more requests in flight, not fewer requests), with
 * enough connections that requests never wait for one. A 1 ms ticker sends what is due, so requests go out at
 * most about a millisecond late and never in bursts.
 */
export class PacedLoad {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(url: string, private readonly headers: Record<string, string> = {}) {
    const target = new URL(url);
    this.pool = new Pool(target.origin, { connections: 256, keepAliveTimeout: 60_000 });
    this.path = `${target.pathname}${target.search}`;
  }

  /** One run; resolves when every answer is in. */
  async run(rate: number, seconds: number): Promise<PacedFigures> {
    const total = Math.round(rate * seconds);
    const latencies = new Float64Array(total);
    let sent = 0;
    let answered = 0;
    let non2xx = 0;
    let errors = 0;
    const send = async (index: number): Promise<void> => {
      const at = performance.now();
      try {
        const answer = await this.pool.request({ method: 'GET', path: this.path, headers: this.headers });
        await answer.body.dump({ limit: Number.POSITIVE_INFINITY });
        if (answer.statusCode < 200 || answer.statusCode >= 300) non2xx++;
      } catch {
        errors++;
      }
      latencies[index] = performance.now() - at;
      answered++;
    };
    const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    lag.enable();
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000));
        while (sent < due) void send(sent++);
        if (sent === total && answered === total) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    const elapsedS = (performance.now() - started) / 1000;
    lag.disable();
    // Request i was due (and sent within about a millisecond) at i / rate seconds.
    let slowest = 0;
    for (let i = 1; i < total; i++) if (latencies[i]! > latencies[slowest]!) slowest = i;
    const sorted = latencies.sort();
    return { rps: answered / elapsedS, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN, slowestSentAtS: slowest / rate, loadLoopLagMaxMs: delayBeyondInterval(lag.max / 1e6, LAG_RESOLUTION_MS), sent, non2xx, errors };
  }

  /** Closes the pool's connections. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

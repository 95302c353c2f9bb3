import { Counter, Gauge } from 'prom-client';
import type { ExchangeMetrics } from '../../core/index.js';

/** How an impression claim ended on the Redis ledger. */
export type ClaimResult = 'billed' | 'duplicate' | 'spilled';

/**
 * The Redis ledger's metrics, in the exchange's registry:
 * `rtb_state_redis_up` (1 while Redis answers), `rtb_state_claims_total{result}` (`billed`, `duplicate` refused,
 * `spilled` while Redis was gone), `rtb_state_spill_depth` (notices and claims in the spill journal, not yet in
 * Redis), `rtb_state_stream_lag` (owed notices no node has read yet), `rtb_state_stream_pending` (read, not yet
 * acknowledged), `rtb_state_reclaimed_total` (notices taken over from a node that stopped renewing them) and
 * `rtb_state_fleet_processes` (auction processes the live nodes run: every `maxQps` is shared among them).
 */
export class RedisLedgerMetrics {
  private readonly redisUp: Gauge;
  private readonly claims: Counter;
  private readonly spill: Gauge;
  private readonly lag: Gauge;
  private readonly pending: Gauge;
  private readonly reclaims: Counter;
  private readonly fleetProcesses: Gauge;

  constructor(exchange: ExchangeMetrics) {
    const registers = [exchange.registry];
    this.redisUp = new Gauge({ name: 'rtb_state_redis_up', help: '1 while the notices ledger\'s Redis answers, else 0.', registers });
    this.claims = new Counter({ name: 'rtb_state_claims_total', help: 'Impression claims by result (billed, duplicate refused, spilled while Redis was gone).', labelNames: ['result'], registers });
    this.spill = new Gauge({ name: 'rtb_state_spill_depth', help: 'Notices and claims in the spill journal, not yet settled in Redis.', registers });
    this.lag = new Gauge({ name: 'rtb_state_stream_lag', help: 'Owed notices in the stream that no node has read yet.', registers });
    this.pending = new Gauge({ name: 'rtb_state_stream_pending', help: 'Owed notices read by a node and not yet acknowledged.', registers });
    this.reclaims = new Counter({ name: 'rtb_state_reclaimed_total', help: 'Owed notices taken over from a node that stopped renewing them.', registers });
    this.fleetProcesses = new Gauge({ name: 'rtb_state_fleet_processes', help: 'Auction processes the live nodes run (from their heartbeats): every maxQps is shared among them.', registers, aggregator: 'max' });
    for (const result of ['billed', 'duplicate', 'spilled']) this.claims.labels(result).inc(0);
  }

  up(answering: boolean): void {
    this.redisUp.set(answering ? 1 : 0);
  }

  claim(result: ClaimResult): void {
    this.claims.labels(result).inc();
  }

  spillDepth(depth: number): void {
    this.spill.set(depth);
  }

  stream(lag: number, pending: number): void {
    this.lag.set(lag);
    this.pending.set(pending);
  }

  fleet(processes: number): void {
    this.fleetProcesses.set(processes);
  }

  reclaimed(count: number): void {
    this.reclaims.inc(count);
  }
}

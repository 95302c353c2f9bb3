import type { QpsLimit } from './qps-limit.js';

/**
 * A node's share of every bidder's `maxQps` (`Tokens.QpsShare`). The state backend that knows the fleet (the
 * `notices` plugin's Redis ledger, by its heartbeat) tells it how many auction processes the live nodes run
 * together; the node's own processes then hold `nodeProcesses / fleetProcesses` of the cap between them. Told
 * nothing (one machine), a node holds the whole cap. Nothing is asked per auction: the limits are rescaled when
 * the fleet changes.
 */
export interface QpsShare {
  /** The auction processes this node runs: 1, or the workers of `rtb start --workers N`. */
  readonly nodeProcesses: number;
  /** The live nodes run `fleetProcesses` auction processes together, this node's among them. */
  setFleet(fleetProcesses: number): void;
}

/**
 * The {@link QpsShare} of one process: it rescales the limits attached to it (an exchange's bidders) and, in a
 * cluster primary, passes each new fraction on (`onFraction`: to every worker, which applies it with {@link apply}).
 */
export class ProcessQpsShare implements QpsShare {
  private limits: readonly QpsLimit[] = [];
  private fraction = 1;

  constructor(
    readonly nodeProcesses = 1,
    private readonly onFraction?: (fraction: number) => void,
  ) {}

  /** The fraction of each configured cap this node holds now (1: the whole). */
  get current(): number {
    return this.fraction;
  }

  /** The limits to rescale (the exchange's bidders with `maxQps`), at the current fraction from now on. */
  attach(limits: readonly QpsLimit[]): void {
    this.limits = limits;
    if (this.fraction !== 1) for (const limit of limits) limit.scale(this.fraction);
  }

  setFleet(fleetProcesses: number): void {
    this.apply(this.nodeProcesses / Math.max(fleetProcesses, this.nodeProcesses));
  }

  /** Holds `fraction` (0 < fraction ≤ 1) of each configured cap. */
  apply(fraction: number): void {
    if (!(fraction > 0 && fraction <= 1) || fraction === this.fraction) return;
    this.fraction = fraction;
    for (const limit of this.limits) limit.scale(fraction);
    this.onFraction?.(fraction);
  }
}

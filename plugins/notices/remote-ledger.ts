import type { ClusterChannel } from '../../core/index.js';
import type { Ledger } from './ledger.js';
import type { Notice } from './notice.js';

/** The cluster channel's topics (`Tokens.Cluster`) the primary's ledger is served on. */
export const LEDGER_TOPICS = {
  /** A batch of accepted notices (`Notice[]`), posted. */
  accept: 'notices:accept',
  /** A batch of impression claims (`ClaimMessage[]`), asked: answered with one boolean per claim, in order. */
  claims: 'notices:claims',
  /** What is worse than usual where the ledger is (the primary's Redis gone), asked once a second: a string, or null. */
  degraded: 'notices:degraded',
} as const;

/** How often a worker asks its primary whether the ledger is degraded (what its `/readyz` shows). */
export const DEGRADED_POLL_MS = 1_000;

/** An impression claim as a worker sends it to the primary. */
export interface ClaimMessage {
  readonly key: string;
  readonly expiresAt: number;
  readonly burl?: Notice;
}

/** Serves the ledger topics from `ledger` (in the cluster primary); `degraded` says what is worse than usual there. */
export function serveLedger(channel: ClusterChannel, ledger: Ledger, degraded: () => string | undefined = () => undefined): void {
  channel.serve(LEDGER_TOPICS.accept, (notices) => ledger.accept(notices as Notice[]));
  channel.serve(LEDGER_TOPICS.claims, (claims) =>
    Promise.all((claims as ClaimMessage[]).map(({ key, expiresAt, burl }) => ledger.claim(key, expiresAt, burl))));
  channel.serve(LEDGER_TOPICS.degraded, () => degraded() ?? null);
}

/**
 * The cluster primary's ledger as a worker reaches it. Notices go over in the batches the plugin makes; impression
 * claims made in the same turn of the event loop go over as one request (a burst of hits costs one message each
 * way). Messages keep their order on the channel, and the primary handles them in order: notices posted before a
 * claim are journaled before it.
 */
export class RemoteLedger implements Ledger {
  /** The claims of the current event-loop turn, each with how to settle its caller's promise. */
  private claims: Array<{ message: ClaimMessage; resolve: (billed: boolean) => void; reject: (error: unknown) => void }> = [];

  /** The primary's last answer: what is worse than usual where the ledger is. */
  private lastDegraded: string | undefined;
  private readonly poll: NodeJS.Timeout;

  constructor(private readonly channel: ClusterChannel) {
    // Once a second, not per `/readyz` hit: a probe costs the worker nothing, and the answer is at most a second old.
    this.poll = setInterval(() => {
      this.channel.request<string | null>(LEDGER_TOPICS.degraded, null).then(
        (answer) => (this.lastDegraded = answer ?? undefined),
        () => undefined,
      );
    }, DEGRADED_POLL_MS);
    this.poll.unref();
  }

  /** What the primary last said is worse than usual where the ledger is (its Redis gone), at most a second ago. */
  degraded(): string | undefined {
    return this.lastDegraded;
  }

  /** Stops asking the primary. */
  close(): void {
    clearInterval(this.poll);
  }

  accept(notices: readonly Notice[]): Promise<void> {
    return this.channel.post(LEDGER_TOPICS.accept, notices);
  }

  claim(key: string, expiresAt: number, burl: Notice | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (this.claims.push({ message: burl ? { key, expiresAt, burl } : { key, expiresAt }, resolve, reject }) === 1) setImmediate(() => this.send());
    });
  }

  ready(): boolean | string {
    return process.connected || 'the cluster primary, which holds the notice journal, is gone';
  }

  /** Sends the turn's claims as one request; each caller learns its own answer. */
  private send(): void {
    const batch = this.claims;
    this.claims = [];
    this.channel.request<boolean[]>(LEDGER_TOPICS.claims, batch.map(({ message }) => message)).then(
      (billed) => batch.forEach(({ resolve }, i) => resolve(billed[i] === true)),
      (error: unknown) => batch.forEach(({ reject }) => reject(error)),
    );
  }
}

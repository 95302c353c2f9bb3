import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  connectRedis, type ExchangeMetrics, type QpsShare, redactedUrl, type StateConfig,
} from '../../core/index.js';
import { BilledImpressions } from './billed-impressions.js';
import type { NoticeDestinations } from './destinations.js';
import { NoticeJournal, type JournalRecord } from './journal.js';
import type { Ledger } from './ledger.js';
import { ledgerDeliveryQueue } from './ledger-delivery.js';
import type { Notice } from './notice.js';
import type { DeliveryQueue } from './queue.js';
import { RedisLedgerMetrics } from './redis-ledger-metrics.js';
import { CLAIM_SCRIPT, DELIVERY_GROUP, ENQUEUE_ONCE_SCRIPT, HEARTBEAT_SCRIPT, RedisKeys } from './redis-keys.js';
import type { NoticesSettings } from './settings.js';
import { noticeMetricsOf } from './notice-metrics.js';

/** Entries read from the stream at once, and the most this node holds (reading waits below it). */
const READ_COUNT = 256;
const MAX_HELD = 4_096;
/** How long one blocking read waits for new entries before it looks again (and notices a stop). */
const READ_BLOCK_MS = 1_000;
/** How often acknowledgements Redis refused (and a spill) are tried again, and the stream's lag is read for the metrics. */
const RETRY_ACKS_MS = 500;
const LAG_EVERY_MS = 5_000;
/** A spilled notice's settlement is made once: its marker lives this long in Redis. */
const SETTLED_MARKER_MS = 7 * 24 * 3600_000;
/** A node beats this often, and counts as gone (its share of the caps handed to the others) this long after its last beat. */
const HEARTBEAT_MS = 1_000;
const NODE_TTL_MS = 3_000;
/** Consumers of gone nodes (a restarted node reads under a new name) are removed once idle this long with nothing pending. */
const FORGET_CONSUMER_MS = 10 * 60_000;

/** A connection with the ledger's two scripts (ioredis sends each by its SHA, loading it when Redis lacks it). */
type LedgerRedis = Redis & {
  rtbClaim(claimKey: string, stream: string, expiresAt: number, notice: string): Promise<number>;
  rtbEnqueueOnce(markerKey: string, stream: string, markerMs: number, notice: string): Promise<number>;
  rtbHeartbeat(nodes: string, member: string, ttlMs: number): Promise<string[]>;
};

/** A spilled claim or notice, as the spill journal keeps it until Redis has it. */
interface Spilled {
  readonly notice: Notice;
  /** The impression this `burl` bills: its claim is made in Redis, with the notice, when it is settled. */
  readonly bill?: { readonly key: string; readonly exp: number };
}

/**
 * The notices ledger of a fleet (`state.backend: redis`): every node shares one Redis.
 * - An impression is claimed by one Lua script that sets its key (`SET NX`, expiring with the tracker) and adds its
 *   `burl` to the notices stream together: duplicate hits on any nodes bill once, and a claim is never made without
 *   its notice.
 * - Accepted notices go into one Redis Stream, read by the consumer group `delivery`: each node delivers what it
 *   reads, acknowledges (and deletes) an entry once it is delivered or given up, renews the entries it holds, and
 *   takes over (`XAUTOCLAIM`) entries another node held for `reclaimAfterMs` without renewing them (it died).
 * - While Redis cannot be reached, notices and claims go into the local journal (the spill; a claim fsynced as
 *   usual), deduplicated locally, and are settled in Redis once it answers again: each claim made in Redis before
 *   its `burl` is sent, each spilled notice added once (a marker key), so billing may be late but never doubled.
 */
export class RedisLedger implements Ledger {
  private readonly keys: RedisKeys;
  private readonly consumer = `${hostname()}:${process.pid}:${Date.now().toString(36)}`;
  private readonly metrics: RedisLedgerMetrics;
  private redis!: LedgerRedis;
  /** The blocking reader: a connection of its own (a blocked `XREADGROUP` holds its connection). */
  private reader!: Redis;
  private journal!: NoticeJournal;
  private queue!: DeliveryQueue;
  /** Stream entries this node holds, by notice id: what it renews, and acknowledges once the notice is done. */
  private readonly held = new Map<string, string>();
  /** Entry ids whose acknowledgement Redis did not take yet. */
  private unacked: string[] = [];
  /** Entry ids done in this event-loop turn: acknowledged together at its end (one round trip for a burst). */
  private acking: string[] = [];
  /** What the spill holds, by notice id: notices, and claims with their `burl`. */
  private readonly spilled = new Map<string, Spilled>();
  /** Claims without a `burl` spilled and not yet made in Redis (after a restart, made again: a no-op if made). */
  private readonly unsettledClaims = new Map<string, number>();
  /** Impressions claimed here while Redis was gone: a duplicate hit meanwhile is refused here already. */
  private readonly spilledClaims = new BilledImpressions();
  private settling?: Promise<void>;
  private running = false;
  private reading?: Promise<void>;
  private readonly timers: NodeJS.Timeout[] = [];
  private heldRoom?: () => void;

  constructor(
    private readonly settings: NoticesSettings,
    private readonly state: StateConfig['redis'],
    private readonly destinations: NoticeDestinations,
    private readonly log: Logger,
    private readonly exchangeMetrics: ExchangeMetrics,
    /** Told the auction processes the live nodes run, from their heartbeats: each node's share of every `maxQps`. */
    private readonly qpsShare: QpsShare,
  ) {
    this.keys = new RedisKeys(state.prefix);
    this.metrics = new RedisLedgerMetrics(exchangeMetrics);
  }

  /**
   * Connects (throws {@link RtbStartupError} naming the URL when Redis does not answer within `connectTimeoutMs`),
   * makes the consumer group, opens the spill journal and settles what it holds, then starts delivering. A failure
   * part-way closes what was opened.
   */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (error) {
      this.redis?.disconnect();
      this.reader?.disconnect();
      await this.journal?.close();
      throw error;
    }
  }

  private async open(): Promise<void> {
    this.redis = (await connectRedis(this.state)) as LedgerRedis;
    this.redis.defineCommand('rtbClaim', { numberOfKeys: 2, lua: CLAIM_SCRIPT });
    this.redis.defineCommand('rtbEnqueueOnce', { numberOfKeys: 2, lua: ENQUEUE_ONCE_SCRIPT });
    this.redis.defineCommand('rtbHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT_SCRIPT });
    this.reader = await connectRedis(this.state);
    this.redis.on('ready', () => {
      this.metrics.up(true);
      void this.settleSpill();
    });
    this.redis.on('close', () => this.metrics.up(false));
    this.metrics.up(true);
    try {
      await this.redis.xgroup('CREATE', this.keys.stream, DELIVERY_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
    }
    const { journal, state } = await NoticeJournal.open(this.settings.journalDir, this.log, (replayed) => {
      for (const [id, notice] of replayed.pending) {
        const bill = replayed.bills.get(id);
        this.spilled.set(id, bill ? { notice, bill } : { notice });
      }
      const withNotice = new Set([...replayed.bills.values()].map((bill) => bill.key));
      for (const [key, exp] of replayed.billed) if (!withNotice.has(key)) this.unsettledClaims.set(key, exp);
      return () => this.spillRecords();
    });
    this.journal = journal;
    if (state.pending.size) this.log.info({ spilled: state.pending.size }, 'notices: settling the spill journal in Redis');
    this.metrics.spillDepth(this.depth);
    this.queue = ledgerDeliveryQueue(this.settings, this.destinations, this.log, this.exchangeMetrics, {
      delivered: (notice) => this.done(notice),
      gaveUp: (notice) => this.done(notice),
    });
    await this.settleSpill();
    await this.heartbeat();
    this.running = true;
    this.reading = this.readLoop();
    const every = (ms: number, run: () => Promise<void>) => {
      const timer = setInterval(() => void run().catch(() => undefined), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.floor(this.state.reclaimAfterMs / 3), () => this.renewHeld());
    every(Math.floor(this.state.reclaimAfterMs / 2), () => this.reclaim());
    // A spill made while Redis was up (one command it did not answer) is settled without waiting for a reconnect.
    every(RETRY_ACKS_MS, async () => {
      await this.retryAcks();
      if (this.redis.status === 'ready') await this.settleSpill();
    });
    every(LAG_EVERY_MS, () => this.readLag());
    every(HEARTBEAT_MS, () => this.heartbeat());
    every(60_000, async () => this.spilledClaims.prune(Date.now()));
    every(60_000, () => this.forgetGoneConsumers());
    this.log.info({ url: redactedUrl(this.state.url), consumer: this.consumer }, 'notices: ledger on Redis');
  }

  /**
   * Stops reading, delivers what it holds within `notices.drainTimeoutMs` (the rest stays pending in the stream,
   * for another node or the next start to take over), acknowledges what was delivered, closes the spill and Redis.
   */
  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.heldRoom?.();
    this.reader.disconnect();
    await this.reading;
    await this.queue.drain(this.settings.drainTimeoutMs);
    await this.ack(this.acking.splice(0));
    await this.retryAcks();
    await this.settling;
    // Gone at once from the live nodes: the others take its share of the caps on their next beat.
    await this.redis.zrem(this.keys.nodes, this.member).catch(() => undefined);
    await this.journal.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Ready while the spill journal can be written: with Redis gone, a notice accepted now is still kept. */
  ready(): boolean | string {
    return this.journal ? this.journal.writable() : 'notice journal not open';
  }

  /** Why this ledger is worse than usual, if it is: Redis gone (notices and claims spilled meanwhile). */
  degraded(): string | undefined {
    return this.redis?.status === 'ready' ? undefined : `Redis at ${redactedUrl(this.state.url)} unreachable: ${this.depth} notices and claims spilled to the journal`;
  }

  async accept(notices: readonly Notice[]): Promise<void> {
    if (notices.length === 0) return;
    if (this.redis.status === 'ready') {
      const pipeline = this.redis.pipeline();
      for (const notice of notices) pipeline.xadd(this.keys.stream, '*', 'n', JSON.stringify(notice));
      const results = await pipeline.exec().catch(() => null);
      const failed = notices.filter((_, i) => !results || results[i]?.[0]);
      if (failed.length === 0) return;
      // Added or not, Redis did not say: a notice spilled now may be added twice (a win or loss notice, never a bill).
      await this.spill(failed.map((notice) => ({ notice })));
      return;
    }
    await this.spill(notices.map((notice) => ({ notice })));
  }

  async claim(key: string, expiresAt: number, burl: Notice | undefined): Promise<boolean> {
    if (this.redis.status === 'ready') {
      try {
        const billed = (await this.redis.rtbClaim(this.keys.claim(key), this.keys.stream, expiresAt, burl ? JSON.stringify(burl) : '')) === 1;
        this.metrics.claim(billed ? 'billed' : 'duplicate');
        return billed;
      } catch (error) {
        // The script ran or not: the spill settles the claim in Redis again, where a second run finds it made.
        this.log.warn({ err: error, key }, 'notices: Redis did not answer a claim; spilled');
      }
    }
    if (!this.spilledClaims.claim(key, expiresAt)) {
      this.metrics.claim('duplicate');
      return false;
    }
    this.metrics.claim('spilled');
    if (burl) {
      await this.spill([{ notice: burl, bill: { key, exp: expiresAt } }], true);
    } else {
      this.unsettledClaims.set(key, expiresAt);
      await this.journal.append({ t: 'b', key, exp: expiresAt }, this.settings.fsyncBilling);
      this.metrics.spillDepth(this.depth);
    }
    return true;
  }

  /** What the spill holds that Redis does not have yet. */
  private get depth(): number {
    return this.spilled.size + this.unsettledClaims.size;
  }

  /** Writes to the spill journal; settles in Redis as soon as it answers. */
  private async spill(items: readonly Spilled[], durable = false): Promise<void> {
    for (const item of items) {
      this.spilled.set(item.notice.id, item);
      void this.journal.append(item.bill ? { t: 'n', ...item.notice, bill: item.bill.key, billExp: item.bill.exp } : { t: 'n', ...item.notice }, durable && this.settings.fsyncBilling);
    }
    await this.journal.commit();
    this.metrics.spillDepth(this.depth);
    if (this.redis.status === 'ready') void this.settleSpill();
  }

  /** Moves what the spill holds into Redis: claims (with their `burl`), then notices, each once. */
  private settleSpill(): Promise<void> {
    if (this.settling) return this.settling;
    if (this.depth === 0) return Promise.resolve();
    this.settling = (async () => {
      try {
        for (const [key, exp] of [...this.unsettledClaims]) {
          if (exp > Date.now()) await this.redis.rtbClaim(this.keys.claim(key), this.keys.stream, exp, '');
          this.unsettledClaims.delete(key);
        }
        for (const [id, { notice, bill }] of [...this.spilled]) {
          if (bill) {
            if ((await this.redis.rtbClaim(this.keys.claim(bill.key), this.keys.stream, bill.exp, JSON.stringify(notice))) !== 1) {
              this.metrics.claim('duplicate');
              this.log.warn({ auctionId: notice.auctionId, bidder: notice.bidder }, 'notices: an impression claimed here while Redis was gone had been claimed elsewhere: its burl is not sent');
            }
          } else {
            await this.redis.rtbEnqueueOnce(this.keys.settled(id), this.keys.stream, SETTLED_MARKER_MS, JSON.stringify(notice));
          }
          this.spilled.delete(id);
          void this.journal.delivered(id);
          this.metrics.spillDepth(this.depth);
        }
        this.metrics.spillDepth(this.depth);
        this.log.info('notices: the spill journal is settled in Redis');
      } catch (error) {
        this.log.warn({ err: error, spilled: this.spilled.size }, 'notices: could not settle the spill in Redis yet');
      } finally {
        this.settling = undefined;
      }
    })();
    return this.settling;
  }

  /** Reads new entries for this consumer while running, never holding more than {@link MAX_HELD}. */
  private async readLoop(): Promise<void> {
    while (this.running) {
      if (this.held.size >= MAX_HELD) {
        await new Promise<void>((resolve) => (this.heldRoom = resolve));
        continue;
      }
      try {
        const answer = (await this.reader.xreadgroup('GROUP', DELIVERY_GROUP, this.consumer, 'COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', this.keys.stream, '>')) as Array<[string, Array<[string, string[]]>]> | null;
        for (const [, entries] of answer ?? []) for (const [entryId, fields] of entries) this.take(entryId, fields);
      } catch (error) {
        if (!this.running) return;
        this.log.debug({ err: error }, 'notices: reading the stream failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** Takes an entry into delivery (unless this node holds its notice already). */
  private take(entryId: string, fields: string[] | null): boolean {
    const json = fields?.[fields.indexOf('n') + 1];
    let notice: Notice;
    try {
      notice = JSON.parse(json ?? '') as Notice;
    } catch {
      this.log.error({ entryId }, 'notices: unreadable stream entry; dropped');
      this.unacked.push(entryId);
      return false;
    }
    if (this.held.has(notice.id)) return false;
    this.held.set(notice.id, entryId);
    const route = this.destinations.route(notice);
    if (!route.ok) {
      // A destination the exchange may not reach (the SSRF guard): given up at once, as on the local ledger.
      noticeMetricsOf(this.exchangeMetrics).recordNotice(notice.kind, 'failed');
      this.log.warn({ notice: notice.id, kind: notice.kind, bidder: notice.bidder, auctionId: notice.auctionId, url: notice.url.slice(0, 200), reason: route.reason }, 'notice given up');
      this.done(notice);
      return true;
    }
    this.queue.add(notice);
    return true;
  }

  /** A notice is delivered or given up: its entry is acknowledged and deleted (the stream's trim). */
  private done(notice: Notice): void {
    const entryId = this.held.get(notice.id);
    if (entryId === undefined) return;
    this.held.delete(notice.id);
    if (this.held.size < MAX_HELD) this.heldRoom?.();
    if (this.acking.push(entryId) > 1) return;
    setImmediate(() => {
      const ids = this.acking;
      this.acking = [];
      void this.ack(ids);
    });
  }

  private async ack(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.redis.multi().xack(this.keys.stream, DELIVERY_GROUP, ...ids).xdel(this.keys.stream, ...ids).exec();
    } catch {
      this.unacked.push(...ids);
    }
  }

  private async retryAcks(): Promise<void> {
    if (this.unacked.length === 0 || this.redis.status !== 'ready') return;
    const ids = this.unacked;
    this.unacked = [];
    await this.ack(ids);
  }

  /** Renews the entries this node holds (their idle time back to 0), so that no other node takes them over. */
  private async renewHeld(): Promise<void> {
    const ids = [...this.held.values()];
    for (let i = 0; i < ids.length; i += 1_000) {
      await this.redis.xclaim(this.keys.stream, DELIVERY_GROUP, this.consumer, 0, ...ids.slice(i, i + 1_000), 'JUSTID');
    }
  }

  /** Takes over entries that a node held for `reclaimAfterMs` without renewing them. */
  private async reclaim(): Promise<void> {
    let cursor = '0-0';
    do {
      if (this.held.size >= MAX_HELD) return;
      const [next, entries] = (await this.redis.xautoclaim(this.keys.stream, DELIVERY_GROUP, this.consumer, this.state.reclaimAfterMs, cursor, 'COUNT', READ_COUNT)) as [string, Array<[string, string[] | null]>];
      let taken = 0;
      for (const [entryId, fields] of entries) if (fields && this.take(entryId, fields)) taken++;
      if (taken) {
        this.metrics.reclaimed(taken);
        this.log.info({ entries: taken }, 'notices: took over notices a node held and stopped renewing');
      }
      cursor = next;
    } while (cursor !== '0-0' && this.running);
  }

  /** This node in the live nodes' set: its consumer name and its auction processes. */
  private get member(): string {
    return `${this.consumer}|${this.qpsShare.nodeProcesses}`;
  }

  /** Announces this node and shares every `maxQps` out among the live nodes' processes (kept as it was while Redis is gone). */
  private async heartbeat(): Promise<void> {
    const live = await this.redis.rtbHeartbeat(this.keys.nodes, this.member, NODE_TTL_MS);
    const processes = live.reduce((sum, member) => sum + (Number(member.slice(member.lastIndexOf('|') + 1)) || 0), 0);
    this.qpsShare.setFleet(processes);
    this.metrics.fleet(processes);
  }

  /** Removes the group's consumers that hold nothing and were idle for {@link FORGET_CONSUMER_MS} (nodes gone or restarted). */
  private async forgetGoneConsumers(): Promise<void> {
    const consumers = (await this.redis.xinfo('CONSUMERS', this.keys.stream, DELIVERY_GROUP)) as unknown[][];
    for (const consumer of consumers) {
      const info = xinfoFields(consumer);
      if (info.name === this.consumer || Number(info.pending) !== 0 || Number(info.idle) < FORGET_CONSUMER_MS) continue;
      await this.redis.xgroup('DELCONSUMER', this.keys.stream, DELIVERY_GROUP, String(info.name));
    }
  }

  /** The stream's lag (entries no consumer has read yet) and pending count (read, not yet acknowledged). */
  private async readLag(): Promise<void> {
    const groups = (await this.redis.xinfo('GROUPS', this.keys.stream)) as unknown[][];
    for (const group of groups) {
      const info = xinfoFields(group);
      if (info.name !== DELIVERY_GROUP) continue;
      this.metrics.stream(Number(info.lag ?? 0), Number(info.pending ?? 0));
    }
  }

  /** What a compacted spill journal keeps: claims without a notice, then what is not yet settled. */
  private *spillRecords(): Iterable<JournalRecord> {
    for (const [key, exp] of this.unsettledClaims) yield { t: 'b', key, exp };
    for (const { notice, bill } of this.spilled.values()) yield bill ? { t: 'n', ...notice, bill: bill.key, billExp: bill.exp } : { t: 'n', ...notice };
  }
}

/** An `XINFO` entry (`[name, value, name, value …]`) as an object. */
function xinfoFields(entry: readonly unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < entry.length; i += 2) fields[String(entry[i])] = entry[i + 1];
  return fields;
}


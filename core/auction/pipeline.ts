import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { RtbConfig, SiteConfig } from '../config/schema.js';
import type { StagePlan } from '../hooks/hook-plan.js';
import { Cancellation } from '../http/cancellation.js';
import { isThenable, type HookEnvironment, type MaybePromise } from '../hooks/run-hook.js';
import type { ExchangeMetrics } from '../metrics.js';
import type { Reject } from '../hooks/results.js';
import { auctionHookBudget } from '../hooks/hook-budget.js';
import { pageOffers } from './page-offers.js';
import { routedImps, type BidderRouting } from './bidder-routing.js';
import { runBail, runFirst, runParallel, runWaterfall, type RunOptions } from '../hooks/runners.js';
import { floorToMicros, microsToCpmNumber, type Micros } from '../money.js';
import { LossReason } from '../openrtb/loss-reasons.js';
import type { BidRequest } from '../openrtb/types.js';
import { withFields } from '../with-fields.js';
import { auctionLogRecord, writeAuctionLog } from './auction-log.js';
import type { BidderPlan } from './bidder-plan.js';
import type { Award, AuctionOutcome, BidderResult, CandidateBid, Loss, Markup, ValidBid } from './bids.js';
import type { AuctionContext, AuctionOrigin, BidderStageContext, BidderView, BrowserIdentity } from './context.js';

/** What the exchange was asked to sell. */
export interface AuctionInputRequest {
  readonly request: BidRequest;
  readonly origin: AuctionOrigin;
  readonly site?: { readonly id: string; readonly config: SiteConfig };
  /** The publisher's MinCPM from the tag (R1), in micros. */
  readonly minFloorMicros?: Micros;
  /** The browser's identity read by the `sync` stage (tag requests; OpenRTB requests that carry cookies). */
  readonly identity?: BrowserIdentity;
  /** The bidders the caller named, imp by imp, with their params ({@link BidderRouting}): only they are asked. Absent: every bidder. */
  readonly routing?: BidderRouting;
  /** The page decides ({@link AuctionContext.pageDecides}): every bidder's best bid per imp is offered, no `auction` stage runs. */
  readonly pageDecides?: boolean;
}

/** A winning bid ready for the page: the award and its markup after `admRewrite`. */
export interface Delivery {
  readonly award: Award;
  readonly bidder: BidderView;
  readonly markup: Markup;
}

/** A finished auction. */
export interface AuctionResult {
  readonly ctx: AuctionContext;
  readonly outcome: AuctionOutcome;
  readonly bidders: readonly BidderResult[];
  readonly deliveries: readonly Delivery[];
}

/** What the pipeline is built from, once, at start-up. */
export interface PipelineParts {
  readonly config: RtbConfig;
  readonly bidders: readonly BidderPlan[];
  /** The exchange-wide stage plan (for `auction` and `notices`). */
  readonly stages: StagePlan;
  readonly log: Logger;
  readonly env: HookEnvironment;
  /** Where every finished auction is counted (`GET /metrics`). */
  readonly metrics?: ExchangeMetrics;
}

/** One bidder's answer inside an auction, before the auction decides. */
interface BidderAnswerResult {
  readonly result: Omit<BidderResult, 'status'> & { status: BidderResult['status'] };
  readonly valid: ValidBid[];
  readonly rejected: Loss[];
}

/**
 * The auction lifecycle, stage by stage: `requestBuild` per bidder → transport (all bidders at once, one
 * deadline) → `bidValidate` per bid → `auction` → `admRewrite` per winner → auction log → `notices` (not
 * awaited). Never throws on bidder or plugin failure: each costs only its own contribution.
 */
export class AuctionPipeline {
  private readonly byName: ReadonlyMap<string, BidderPlan>;
  /** Each configured site's floor in micros, converted once. */
  private readonly siteFloors: ReadonlyMap<string, Micros>;

  /** Whether any bidder has a `maxQps`: without one, every auction asks every bidder with no check at all. */
  private readonly capped: boolean;

  constructor(private readonly parts: PipelineParts) {
    this.byName = new Map(parts.bidders.map((plan) => [plan.view.name, plan]));
    this.capped = parts.bidders.some((plan) => plan.qps);
    this.siteFloors = new Map(Object.entries(parts.config.sites).map(([id, site]) => [id, floorToMicros(site.floor)]));
  }

  /** Runs one auction to the end and returns its result; the caller answers the page from `deliveries`. */
  async run(input: AuctionInputRequest): Promise<AuctionResult> {
    const { config } = this.parts;
    const started = performance.now();
    const tmax = Math.min(input.request.tmax ?? config.auction.tmaxMs, config.auction.tmaxMs);
    const floors = effectiveFloors(input, this.siteFloors);
    const request = canonicalRequest(input.request, floors, tmax, config);
    const ctx: AuctionContext = {
      auctionId: request.id,
      request,
      origin: input.origin,
      site: input.site,
      floors,
      currency: config.currency,
      startedAt: Date.now(),
      deadline: started + tmax,
      log: this.parts.log,
      identity: input.identity,
      pageDecides: input.pageDecides === true,
    };

    const answers = await this.fanOut(ctx, tmax, input.routing);
    // Loops rather than flatMap, which V8 runs slowly (it was this function's costliest line).
    const candidates: ValidBid[] = [];
    const rejected: Loss[] = [];
    for (const answer of answers) {
      for (const bid of answer.valid) candidates.push(bid);
      for (const loss of answer.rejected) rejected.push(loss);
    }
    const deciding = ctx.pageDecides ? pageOffers(candidates, floors) : runFirst('auction', this.parts.stages.auction, ctx, { candidates }, this.runOptions(ctx));
    const decided = isThenable(deciding) ? await deciding : deciding;
    const outcome = completeOutcome(decided, candidates, rejected, floors, ctx.pageDecides === true);

    const winners = new Set(outcome.awards.map((award) => award.candidate.bidder));
    // The results are this auction's own: their final status is set in place rather than copied.
    const bidders: BidderResult[] = answers.map(({ result, valid }) => {
      result.status = winners.has(result.bidder) ? (ctx.pageDecides ? 'offer' : 'win') : valid.length > 0 ? 'loss' : result.status;
      return result;
    });
    const rewrites = outcome.awards.map((award) => this.rewrite(ctx, award));
    const deliveries = rewrites.some(isThenable) ? await Promise.all(rewrites) : (rewrites as Delivery[]);

    const durationMs = performance.now() - started;
    writeAuctionLog(this.parts.log, auctionLogRecord(ctx, bidders, outcome, durationMs));
    this.parts.metrics?.recordAuction(bidders, outcome, durationMs);
    void runParallel('notices', this.parts.stages.notices, ctx, { type: 'auction', auction: ctx, outcome, bidders }, this.runOptions(ctx));
    return { ctx, outcome, bidders, deliveries };
  }

  /**
   * The bidders this auction asks: every one (or those the caller named), but those over their `maxQps` (not asked,
   * so not in the auction log; counted in `rtb_bidder_throttled_total`).
   */
  private askable(routing: BidderRouting | undefined): readonly BidderPlan[] {
    const named = routing ? this.parts.bidders.filter((plan) => routing.has(plan.view.name)) : this.parts.bidders;
    if (!this.capped) return named;
    const now = performance.now();
    return named.filter((plan) => {
      if (!plan.qps || plan.qps.tryTake(now)) return true;
      this.parts.metrics?.recordThrottled(plan.view.name);
      return false;
    });
  }

  /** Asks every bidder at once and resolves at the deadline or when the last one has answered. */
  private fanOut(ctx: AuctionContext, tmax: number, routing: BidderRouting | undefined): Promise<BidderAnswerResult[]> {
    const plans = this.askable(routing);
    return new Promise((resolve) => {
      const answers: (BidderAnswerResult | undefined)[] = new Array(plans.length);
      const deadline = new Cancellation();
      const arrivals = { next: 0 };
      let pending = plans.length;
      let open = true;
      const finish = () => {
        if (!open) return;
        open = false;
        clearTimeout(timer);
        if (pending > 0) deadline.cancel(new Error('deadline passed'));
        resolve(plans.map((plan, i) => answers[i] ?? timedOut(plan)));
      };
      const timer = setTimeout(finish, tmax);
      if (pending === 0) finish();
      plans.forEach((plan, i) => {
        const params = routing?.get(plan.view.name);
        this.askBidder(plan, ctx, deadline, arrivals, params).then((answer) => {
          if (!open) return;
          answers[i] = answer;
          if (--pending === 0) finish();
        });
      });
    });
  }

  /** One bidder's whole path: `requestBuild`, encode, POST, decode, `bidValidate`. Never rejects. */
  private async askBidder(
    plan: BidderPlan,
    auction: AuctionContext,
    deadline: Cancellation,
    arrivals: { next: number },
    routedParams?: ReadonlyMap<string, unknown>,
  ): Promise<BidderAnswerResult> {
    const began = performance.now();
    const name = plan.view.name;
    const ctx: BidderStageContext = { auction, bidder: plan.view };
    const options = this.runOptions(auction, name);
    const failed = (status: 'error' | 'timeout' | 'nobid', detail: string, latencyMs: number | null = null): BidderAnswerResult =>
      ({ result: { bidder: name, status, detail, bids: [], latencyMs }, valid: [], rejected: [] });
    try {
      const start = routedParams ? withFields(auction.request, { imp: routedImps(auction.request.imp, routedParams) }) : auction.request;
      const building = runWaterfall('requestBuild', plan.stages.requestBuild, ctx, start, options);
      const request = isThenable(building) ? await building : building;
      const call = plan.dialect.encode(request, ctx);
      const sent = await plan.transport.send(call, deadline, plan.view.config.timeoutMs);
      const latencyMs = Math.round((performance.now() - began) * 100) / 100;
      if (!sent.ok) return failed(sent.aborted ? 'timeout' : 'error', sent.reason, sent.aborted ? null : latencyMs);
      const decoded = plan.dialect.decode(sent.answer, request, ctx);
      if (decoded.kind === 'error') {
        if (decoded.ourFault) auction.log.error({ auctionId: auction.auctionId, bidder: name, reason: decoded.reason }, 'bidder refused our bid request as malformed');
        return failed('error', decoded.reason, latencyMs);
      }
      if (decoded.kind === 'nobid') return failed('nobid', decoded.reason, latencyMs);
      const kept = withinBidLimits(decoded.bids, this.parts.config.limits, (limit, dropped) => {
        auction.log.warn({ auctionId: auction.auctionId, bidder: name, dropped, limit: `limits.${limit}` }, 'bids over the exchange\'s limits dropped');
        this.parts.metrics?.recordDropped(name, limit, dropped);
      });
      // Field by field, not a spread: decoded bids come in several shapes, and a spread of them was the slowest line here.
      // OpenRTB bid ids are unique within an answer: a repeated one is refused, whatever its price (its trackers
      // and notices would name the earlier bid).
      const seenIds = new Set<unknown>();
      const bids: CandidateBid[] = kept.map(({ bid, seat, priceMicros, currency, admFormat, invalid }) => {
        let verdict = invalid;
        if (bid.id !== undefined) {
          if (seenIds.has(bid.id)) verdict ??= DUPLICATE_BID_ID;
          else seenIds.add(bid.id);
        }
        return { bid, seat, priceMicros, currency, admFormat, invalid: verdict, bidder: name, arrival: arrivals.next++ };
      });
      const checks = bids.map((bid) => runBail('bidValidate', plan.stages.bidValidate, ctx, bid, options));
      const verdicts = checks.some(isThenable) ? await Promise.all(checks) : (checks as (Reject | null)[]);
      const valid: ValidBid[] = [];
      const rejected: Loss[] = [];
      bids.forEach((candidate, i) => {
        const verdict = verdicts[i];
        if (verdict) {
          rejected.push({ candidate, code: verdict.code, reason: verdict.reason, minToWinMicros: null });
          auction.log.info({ auctionId: auction.auctionId, bidder: name, bidId: candidate.bid.id, code: verdict.code, reason: verdict.reason }, 'bid rejected');
        } else {
          valid.push(candidate as ValidBid);
        }
      });
      return { result: { bidder: name, status: 'invalid', detail: undefined, bids, latencyMs }, valid, rejected };
    } catch (error) {
      auction.log.error({ auctionId: auction.auctionId, bidder: name, err: error }, 'bidder dialect failed');
      return failed('error', `dialect failed: ${(error as Error).message}`);
    }
  }

  /** Runs `admRewrite` on one award's markup. */
  private rewrite(auction: AuctionContext, award: Award): MaybePromise<Delivery> {
    const plan = this.byName.get(award.candidate.bidder)!;
    const markup: Markup = { adm: award.candidate.bid.adm ?? '', format: award.candidate.admFormat };
    const ctx = { auction, bidder: plan.view, award };
    const rewritten = runWaterfall('admRewrite', plan.stages.admRewrite, ctx, markup, this.runOptions(auction, plan.view.name));
    return isThenable(rewritten) ? rewritten.then((final) => ({ award, bidder: plan.view, markup: final })) : { award, bidder: plan.view, markup: rewritten };
  }

  private runOptions(auction: AuctionContext, bidder?: string): RunOptions {
    return { env: this.parts.env, budgetMs: auctionHookBudget(this.parts.config.hooks.timeoutMs, auction.deadline), bidder, auctionId: auction.auctionId };
  }
}

/** Why a bid whose id its answer already used is refused (`core-bid-validation` passes a dialect's verdict on). */
const DUPLICATE_BID_ID = { code: LossReason.invalidBidResponse, reason: 'duplicate bid id in the answer' } as const;

/**
 * A bidder's decoded bids within `limits`: the first `bidsPerAnswer` of the answer, then on each imp its
 * `bidsPerImp` highest priced (ties in answer order; unreadable prices last). What is dropped is told to `dropped`,
 * once per limit, before any validation runs: a flood of bids costs the exchange its decoding, not a hook call,
 * an auction slot or a loss notice each.
 */
function withinBidLimits<B extends { readonly bid: { readonly impid?: unknown }; readonly priceMicros: Micros | null }>(
  bids: readonly B[],
  limits: RtbConfig['limits'],
  dropped: (limit: 'bidsPerAnswer' | 'bidsPerImp', count: number) => void,
): readonly B[] {
  let kept = bids;
  if (kept.length > limits.bidsPerAnswer) {
    dropped('bidsPerAnswer', kept.length - limits.bidsPerAnswer);
    kept = kept.slice(0, limits.bidsPerAnswer);
  }
  if (kept.length <= limits.bidsPerImp) return kept;
  const byImp = new Map<unknown, B[]>();
  for (const bid of kept) {
    const group = byImp.get(bid.bid.impid);
    if (group) group.push(bid);
    else byImp.set(bid.bid.impid, [bid]);
  }
  let over = 0;
  const allowed = new Set<B>();
  for (const group of byImp.values()) {
    const best = group.length <= limits.bidsPerImp ? group : [...group].sort((a, b) => (b.priceMicros ?? -1) - (a.priceMicros ?? -1)).slice(0, limits.bidsPerImp);
    over += group.length - best.length;
    for (const bid of best) allowed.add(bid);
  }
  if (over === 0) return kept;
  dropped('bidsPerImp', over);
  return kept.filter((bid) => allowed.has(bid));
}

function timedOut(plan: BidderPlan): BidderAnswerResult {
  return { result: { bidder: plan.view.name, status: 'timeout', detail: 'no answer by the deadline', bids: [], latencyMs: null }, valid: [], rejected: [] };
}

/** Each imp's floor: the highest of the site's floor, the tag's MinCPM and the imp's own `bidfloor`. */
function effectiveFloors(input: AuctionInputRequest, siteFloors: ReadonlyMap<string, Micros>): Map<string, Micros> {
  const base = Math.max((input.site && siteFloors.get(input.site.id)) ?? 0, input.minFloorMicros ?? 0);
  return new Map(input.request.imp.map((imp) => [imp.id, Math.max(base, floorToMicros(imp.bidfloor))]));
}

/** The request every bidder starts from: the deadline as `tmax`, the effective floors, currency and auction type. */
function canonicalRequest(request: BidRequest, floors: ReadonlyMap<string, Micros>, tmax: number, config: RtbConfig): BidRequest {
  return withFields(request, {
    id: request.id || randomUUID(),
    tmax,
    at: config.auction.type === 'first-price' ? 1 : 2,
    cur: [config.currency],
    imp: request.imp.map((imp) => {
      const floor = floors.get(imp.id) ?? 0;
      return floor > 0 ? withFields(imp, { bidfloor: microsToCpmNumber(floor), bidfloorcur: config.currency }) : imp;
    }),
  });
}

/**
 * Completes the auction stage's answer with the bids validation rejected. A bid rejected for being below
 * the floor still learns the price that would have won (OpenRTB §4.4.1), or the floor when the page decides (the
 * exchange does not know the winner); other rejections do not.
 */
function completeOutcome(decided: AuctionOutcome | undefined, candidates: ValidBid[], rejected: Loss[], floors: ReadonlyMap<string, Micros>, pageDecides: boolean): AuctionOutcome {
  const outcome = decided ?? {
    awards: [],
    losses: candidates.map((candidate) => ({ candidate, code: LossReason.internalError, reason: 'no auction plugin decided', minToWinMicros: null })),
  };
  const clearing = new Map(pageDecides ? [] : outcome.awards.map((award) => [award.candidate.bid.impid, award.clearingMicros]));
  const belowFloor = (loss: Loss): Loss => withFields(loss, { minToWinMicros: clearing.get(loss.candidate.bid.impid) ?? floors.get(loss.candidate.bid.impid) ?? null });
  return { awards: outcome.awards, losses: [...outcome.losses, ...rejected.map((loss) => (loss.code === LossReason.belowFloor ? belowFloor(loss) : loss))] };
}

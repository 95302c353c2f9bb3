import type { AuctionContext, BidderStageContext, BrowserIdentity } from '../auction/context.js';
import type { Award, AuctionOutcome, BidderResult, CandidateBid, Markup, ValidBid } from '../auction/bids.js';
import type { Logger } from 'pino';
import type { BidRequest } from '../openrtb/types.js';
import type { TrackerClaim } from '../trackers/token-codec.js';
import type { HookCall } from './hook-budget.js';
import type { Noop, Reject, Update } from './results.js';

/**
 * How a stage combines its plugins' results:
 * - `waterfall`: each plugin may replace the value; the next sees the replacement.
 * - `bail`: the first `reject` wins and ends the stage.
 * - `first`: the first `update` wins and ends the stage.
 * - `parallel`: every plugin runs at once; results are ignored.
 */
export type HookKind = 'waterfall' | 'bail' | 'first' | 'parallel';

/** Input of the `auction` stage: every valid bid of the auction, in arrival order. */
export interface AuctionInput { readonly candidates: readonly ValidBid[] }

/**
 * An event the `notices` stage reacts to. Delivery must never block the ad response.
 * - `auction`: an auction was decided (after the auction log line): winners get `nurl`, losers `lurl`.
 * - `impression`: the exchange's impression tracker of a won impression was hit: its winner's `burl` (T2).
 * - `click`: the exchange's click tracker was hit.
 */
export type NoticeEvent = AuctionNoticeEvent | TrackerNoticeEvent;

/** An auction was decided: its awards, its losses and every bidder's result. */
export interface AuctionNoticeEvent {
  readonly type: 'auction';
  readonly auction: AuctionContext;
  readonly outcome: AuctionOutcome;
  readonly bidders: readonly BidderResult[];
}

/** A hit on one of the exchange's own tracker endpoints, with a token that verified. */
export interface TrackerNoticeEvent {
  readonly type: 'impression' | 'click';
  /** What the token says about the won impression (authenticated, not expired). */
  readonly claim: TrackerClaim;
  /** When the hit arrived, ms since the epoch (`${AUCTION_IMP_TS}` for an impression). */
  readonly at: number;
  /** The device that made the hit, for server-side notices on its behalf (implementation guide §7.8). */
  readonly client: { readonly ip?: string; readonly userAgent?: string };
}

/**
 * Context of the `notices` stage: the auction an event belongs to and the exchange log. For an `auction` event
 * the whole {@link AuctionContext} is in the event; tracker events come long after the auction.
 */
export interface NoticeContext {
  readonly auctionId: string;
  readonly log: Logger;
}

/** Context of `admRewrite`: the bidder and the award whose markup is rewritten. */
export interface RewriteContext extends BidderStageContext { readonly award: Award }

/**
 * Why the `sync` stage runs:
 * - `bind`: `GET /sync`, a partner binding its id to the browser (the seed's signed binding);
 * - `setuid`: `GET /setuid`, Prebid Server's binding (a bidder's user-sync redirect landing with its uid);
 * - `cookieSync`: `POST /cookie_sync`, Prebid.js asking which bidders' user syncs the browser should run (`body`);
 * - `identify`: before an auction (`GET /ad`; `POST /openrtb2/auction` from a browser with cookies), to read the
 *   browser's identity from its cookie.
 */
export type SyncPurpose = 'bind' | 'setuid' | 'cookieSync' | 'identify';

/** An inbound sync (user-id binding) request, without Koa types. */
export interface SyncRequest {
  readonly purpose: SyncPurpose;
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The client's address (socket, or `X-Forwarded-For` when `server.trustProxy` is set). */
  readonly clientIp: string;
  readonly cookies: Readonly<Record<string, string>>;
  /** The parsed JSON body (`cookieSync`), within `server.maxBodyBytes`; absent for GETs. */
  readonly body?: unknown;
}

/** Context of the `sync` stage. */
export interface SyncContext { readonly publicUrl: string }

/**
 * The answer a `sync` plugin gives. For `bind`, `setuid` and `cookieSync`, the whole answer goes to the browser. For `identify`, only
 * `identity` (handed to the auction) and `setCookies` (added to the ad response) are used.
 */
export interface SyncAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** `Set-Cookie` header values. */
  readonly setCookies?: readonly string[];
  /** The browser's identity (`identify`): the exchange user id and the data partners bound to it. */
  readonly identity?: BrowserIdentity;
}

/**
 * The typed contract of every lifecycle stage: the context a hook gets, the value it gets, and what it may
 * return. Adding a stage here without a kind in {@link STAGES} is a compile error.
 */
export interface StageContracts {
  requestBuild: { ctx: BidderStageContext; input: BidRequest; result: Noop | Update<BidRequest> };
  bidValidate: { ctx: BidderStageContext; input: CandidateBid; result: Noop | Reject };
  auction: { ctx: AuctionContext; input: AuctionInput; result: Noop | Update<AuctionOutcome> };
  notices: { ctx: NoticeContext; input: NoticeEvent; result: void };
  admRewrite: { ctx: RewriteContext; input: Markup; result: Noop | Update<Markup> };
  sync: { ctx: SyncContext; input: SyncRequest; result: Noop | Update<SyncAnswer> };
}

/** A lifecycle stage's name. */
export type StageName = keyof StageContracts;

/**
 * Every stage and its kind, in the order they run: a tag auction first identifies the browser (`sync`), then each
 * bidder's request is built, its bids validated, the auction decided, the winners' markup rewritten, and, once
 * the auction is logged, its notices sent. (`sync` also serves `GET /sync` alone; `notices` also tracker hits.)
 */
export const STAGES = {
  sync: 'first',
  requestBuild: 'waterfall',
  bidValidate: 'bail',
  auction: 'first',
  admRewrite: 'waterfall',
  notices: 'parallel',
} as const satisfies Record<StageName, HookKind>;

/** The stage names in the order they run. */
export const STAGE_NAMES = Object.keys(STAGES) as StageName[];

/** The stages of one kind (`StagesOfKind<'waterfall'>`: `requestBuild` and `admRewrite`): what its runner takes. */
export type StagesOfKind<K extends HookKind> = { [S in StageName]: (typeof STAGES)[S] extends K ? S : never }[StageName];

/**
 * A hook function for stage `S`: its context, its input, and what it is told of its own call (its deadline and an
 * `AbortSignal` for its I/O: {@link HookCall}).
 */
export type StageHook<S extends StageName> = (
  ctx: StageContracts[S]['ctx'],
  input: StageContracts[S]['input'],
  call: HookCall,
) => StageContracts[S]['result'] | Promise<StageContracts[S]['result']>;

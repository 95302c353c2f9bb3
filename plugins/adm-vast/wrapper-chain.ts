import { Agent, type Dispatcher } from 'undici';
import { expandMacros, LossReason, type LossReasonCode, publicOnlyLookup } from '../../core/index.js';
import { fetchVastDocument, type FetchPolicy } from './safe-fetch.js';
import { protocolProblem, readVast, type VastDocument } from './vast-document.js';

/** The limits of one chain check. */
export interface ChainLimits {
  /** The most Wrappers allowed before an InLine ad (`vast.maxWrapperDepth`, per site / bidder). */
  readonly maxDepth: number;
  /** When the whole chain must be resolved, as an `AbortSignal` (the auction deadline and the wrapper budget). */
  readonly signal: AbortSignal;
  /** The imp's `protocols`: every document in the chain must be of an accepted version and kind. */
  readonly protocols?: readonly number[];
}

/** A resolved chain (its depth: Wrappers before the InLine ads), or why the bid must be discarded. */
export type ChainVerdict =
  | { readonly ok: true; readonly depth: number; readonly fetched: number }
  | { readonly ok: false; readonly code: LossReasonCode; readonly reason: string };

/** How the resolver fetches and caches. */
export interface ResolverOptions extends FetchPolicy {
  /** How long a fetched document is reused; 0 turns the cache off. */
  readonly cacheTtlMs: number;
  /** Most documents cached at once (oldest dropped first). */
  readonly maxCacheEntries: number;
  /** Most documents fetched for one bid (a pod of Wrappers fans out). */
  readonly maxDocumentsPerBid: number;
}

type Fetched = { readonly ok: true; readonly doc: VastDocument } | { readonly ok: false; readonly kind: 'timeout' | 'error'; readonly reason: string };

class ChainFailure extends Error {
  constructor(readonly code: LossReasonCode, reason: string) {
    super(reason);
  }
}

/**
 * Follows a bid's VAST Wrapper chain server-side (T7), before the auction: each `VASTAdTagURI` is fetched
 * (through {@link fetchVastDocument}) until every path ends in InLine ads. The bid is discarded when a chain
 * holds more Wrappers than allowed (loss reason 1001), when it ends in an error (1002: a loop, a refused or
 * failed fetch, an oversized, malformed or empty document, a Wrapper where the previous one said
 * `followAdditionalWrappers="0"`), or when it does not resolve in time (1003). A document of a version or kind
 * the imp's `protocols` do not accept discards the bid with 204. Fetched documents are cached for
 * `cacheTtlMs`, and concurrent fetches of one URL share one request, so a hot wrapper URL is fetched once per
 * cache window.
 */
export class WrapperChainResolver {
  private readonly cache = new Map<string, { readonly expires: number; readonly result: Promise<Fetched> }>();

  /** Where documents are fetched: `shared`, or with private networks not allowed, {@link publicOnly}. */
  private readonly dispatcher: Dispatcher;
  /**
   * Private networks not allowed: the resolver's own keep-alive connections, whose DNS answers exclude private
   * addresses, so a name is checked where it is connected to (no second answer can swap one in, over http or https).
   */
  private readonly publicOnly?: Agent;

  constructor(shared: Dispatcher, private readonly options: ResolverOptions) {
    if (!options.allowPrivateNetworks) this.publicOnly = new Agent({ keepAliveTimeout: 30_000, connect: { lookup: publicOnlyLookup } });
    this.dispatcher = this.publicOnly ?? shared;
  }

  /** Resolves every Wrapper of `doc` (the bid's own markup) within `limits`. Never throws. */
  async check(doc: VastDocument, limits: ChainLimits): Promise<ChainVerdict> {
    const budget = { fetched: 0 };
    try {
      const depth = await this.follow(doc, 0, [], true, limits, budget);
      return { ok: true, depth, fetched: budget.fetched };
    } catch (error) {
      if (error instanceof ChainFailure) return { ok: false, code: error.code, reason: error.message };
      return { ok: false, code: LossReason.vastWrapperFailed, reason: `wrapper chain failed: ${(error as Error).message}` };
    }
  }

  /** The depth below `doc` (Wrappers passed through before InLine ads), `wrappers` being those above it. */
  private async follow(doc: VastDocument, wrappers: number, path: readonly string[], wrappersAllowed: boolean, limits: ChainLimits, budget: { fetched: number }): Promise<number> {
    const ads = wrappersAllowed ? doc.ads : doc.ads.filter((ad) => ad.kind === 'inline');
    if (ads.length === 0) {
      throw new ChainFailure(LossReason.vastWrapperFailed, `${path.at(-1) ?? 'the bid'} returned a Wrapper where followAdditionalWrappers="0" allows only InLine ads`);
    }
    const depths = await Promise.all(ads.map(async (ad) => {
      if (ad.kind === 'inline') return wrappers;
      const depth = wrappers + 1;
      if (depth > limits.maxDepth) {
        throw new ChainFailure(LossReason.vastWrapperTooDeep, `VAST wrapper chain is deeper than ${limits.maxDepth} Wrapper(s)`);
      }
      // OpenRTB macros in the tag URI are unknown before the auction: blank, as OpenRTB §4.4 says.
      const uri = expandMacros(ad.tagUri ?? '', {});
      if (!uri) throw new ChainFailure(LossReason.vastWrapperFailed, 'a Wrapper has no VASTAdTagURI');
      if (path.includes(uri)) throw new ChainFailure(LossReason.vastWrapperFailed, `VAST wrapper loop: ${uri} is already in the chain`);
      if (++budget.fetched > this.options.maxDocumentsPerBid) {
        throw new ChainFailure(LossReason.vastWrapperFailed, `more than ${this.options.maxDocumentsPerBid} wrapped documents`);
      }
      const fetched = await this.fetch(uri, limits.signal);
      if (!fetched.ok) {
        if (fetched.kind === 'timeout' || limits.signal.aborted) throw new ChainFailure(LossReason.vastWrapperTimeout, `VAST wrapper chain timed out at depth ${depth}: ${fetched.reason}`);
        throw new ChainFailure(LossReason.vastWrapperFailed, `VAST wrapper at depth ${depth}: ${fetched.reason}`);
      }
      const problem = protocolProblem(fetched.doc, limits.protocols);
      if (problem) throw new ChainFailure(LossReason.incorrectCreativeFormat, `wrapped document at depth ${depth}: ${problem}`);
      return this.follow(fetched.doc, depth, [...path, uri], ad.followAdditionalWrappers, limits, budget);
    }));
    return Math.max(...depths);
  }

  /** A wrapped document, from the cache or the network (one request per URL at a time). */
  private fetch(url: string, signal: AbortSignal): Promise<Fetched> {
    const now = Date.now();
    const cached = this.cache.get(url);
    if (cached && cached.expires > now) return cached.result;
    const result = fetchVastDocument(url, this.dispatcher, this.options, signal).then((answer): Fetched => {
      if (!answer.ok) return answer;
      const reading = readVast(answer.text);
      return reading.ok ? { ok: true, doc: reading.doc } : { ok: false, kind: 'error', reason: `${url}: ${reading.reason}` };
    });
    if (this.options.cacheTtlMs <= 0) return result;
    this.remember(url, { expires: now + this.options.cacheTtlMs, result }, now);
    // Only documents are worth keeping: a failure is forgotten as soon as it is known.
    void result.then((fetched) => {
      if (!fetched.ok && this.cache.get(url)?.result === result) this.cache.delete(url);
    });
    return result;
  }

  private remember(url: string, entry: { expires: number; result: Promise<Fetched> }, now: number): void {
    if (this.cache.size >= this.options.maxCacheEntries) {
      for (const [key, value] of this.cache) if (value.expires <= now) this.cache.delete(key);
      while (this.cache.size >= this.options.maxCacheEntries) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(url, entry);
  }

  /** Forgets every cached document. */
  clear(): void {
    this.cache.clear();
  }

  /** On shutdown: forgets every cached document and closes the resolver's own connections. */
  async close(): Promise<void> {
    this.clear();
    await this.publicOnly?.close();
  }
}

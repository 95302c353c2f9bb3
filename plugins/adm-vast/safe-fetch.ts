import { isIP } from 'node:net';
import { request, type Dispatcher } from 'undici';
import { isPrivateAddress } from '../../core/index.js';

/** What a wrapped-document fetch may do. */
export interface FetchPolicy {
  /** Allow private, loopback and link-local addresses (tests, private ad servers); off by default (SSRF). */
  readonly allowPrivateNetworks: boolean;
  /** The largest document read; a bigger one is an error. */
  readonly maxBytes: number;
  /** Redirects followed (each hop checked like the first URL). */
  readonly maxRedirects: number;
}

/** A fetched document, or why there is none (`timeout` when the signal ended it). */
export type FetchResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly kind: 'timeout' | 'error'; readonly reason: string };

class Refused extends Error {}

/**
 * Throws {@link Refused} when `url` may not be fetched: not http(s), credentials in it, or (private networks not
 * allowed) an IP literal of a private, loopback or link-local address. A name is checked where it is connected to.
 */
function checkUrl(url: URL, policy: FetchPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Refused(`not an http(s) URL: ${url.protocol}`);
  if (url.username || url.password) throw new Refused('URL carries credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivateNetworks && isIP(host) && isPrivateAddress(host)) throw new Refused(`${url.host} is a private or loopback address (${host})`);
}

/**
 * GETs a wrapped VAST document through `dispatcher` (never global fetch), within `signal`: only http(s), at most
 * `maxBytes`, 2xx with a body, redirects checked like the first URL. Unless the policy allows private networks,
 * an IP literal of a private or loopback address is refused here, and `dispatcher` must refuse names that resolve
 * to one where it connects (`WrapperChainResolver` gives it an agent whose lookup is the core's
 * `publicOnlyLookup`). Never throws.
 */
export async function fetchVastDocument(rawUrl: string, dispatcher: Dispatcher, policy: FetchPolicy, signal: AbortSignal): Promise<FetchResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, kind: 'error', reason: `not a URL: ${rawUrl.slice(0, 200)}` };
  }
  try {
    for (let hop = 0; ; hop++) {
      checkUrl(url, policy);
      const answer = await request(url, { dispatcher, method: 'GET', signal, headers: { accept: 'application/xml, text/xml, */*' } });
      const location = answer.headers.location;
      if (answer.statusCode >= 300 && answer.statusCode < 400 && typeof location === 'string') {
        await answer.body.dump();
        if (hop >= policy.maxRedirects) return { ok: false, kind: 'error', reason: `more than ${policy.maxRedirects} redirects` };
        url = new URL(location, url);
        continue;
      }
      if (answer.statusCode < 200 || answer.statusCode >= 300) {
        await answer.body.dump();
        return { ok: false, kind: 'error', reason: `HTTP ${answer.statusCode} from ${url.href}` };
      }
      const declared = Number(answer.headers['content-length']);
      if (Number.isFinite(declared) && declared > policy.maxBytes) {
        answer.body.destroy();
        return { ok: false, kind: 'error', reason: `document of ${declared} bytes is over ${policy.maxBytes}` };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of answer.body) {
        size += (chunk as Buffer).length;
        if (size > policy.maxBytes) {
          answer.body.destroy();
          return { ok: false, kind: 'error', reason: `document is over ${policy.maxBytes} bytes` };
        }
        chunks.push(chunk as Buffer);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return { ok: false, kind: 'error', reason: `empty answer from ${url.href}` };
      return { ok: true, text };
    }
  } catch (error) {
    if (signal.aborted) return { ok: false, kind: 'timeout', reason: `no answer from ${url.href} in time` };
    if (error instanceof Refused) return { ok: false, kind: 'error', reason: error.message };
    return { ok: false, kind: 'error', reason: `fetch of ${url.href} failed: ${(error as Error).message}` };
  }
}

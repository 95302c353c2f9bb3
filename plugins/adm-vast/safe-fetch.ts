import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { request, type Dispatcher } from 'undici';
import { isPrivateAddress } from '../../core/private-address.js';

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

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, fail) => {
    if (signal.aborted) fail(signal.reason);
    else signal.addEventListener('abort', () => fail(signal.reason), { once: true });
  });
}

/**
 * Where to connect for `url`: the addresses it resolves to, once checked against the policy, each tried in turn
 * until one accepts the connection. Plain http connects to those very addresses (with the original Host header),
 * so a second DNS answer cannot swap in a private one; https connects by name, where the certificate binds
 * the name.
 */
async function targets(url: URL, policy: FetchPolicy, signal: AbortSignal): Promise<Array<{ connectUrl: string; host?: string }>> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Refused(`not an http(s) URL: ${url.protocol}`);
  if (url.username || url.password) throw new Refused('URL carries credentials');
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(hostname)
    ? [hostname]
    : (await Promise.race([lookup(hostname, { all: true, verbatim: true }), aborted(signal)])).map((entry) => entry.address);
  if (addresses.length === 0) throw new Refused(`${hostname} does not resolve`);
  if (!policy.allowPrivateNetworks) {
    const blocked = addresses.find(isPrivateAddress);
    if (blocked) throw new Refused(`${hostname} resolves to a private or loopback address (${blocked})`);
  }
  if (url.protocol === 'https:' || isIP(hostname)) return [{ connectUrl: url.href }];
  return addresses.map((address) => {
    const pinned = new URL(url.href);
    pinned.hostname = isIP(address) === 6 ? `[${address}]` : address;
    return { connectUrl: pinned.href, host: url.host };
  });
}

/** Errors that mean "this address did not take the connection": the next address of the name may. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** One GET to the first of `candidates` that accepts the connection. */
async function requestAny(candidates: Array<{ connectUrl: string; host?: string }>, dispatcher: Dispatcher, signal: AbortSignal) {
  for (let i = 0; ; i++) {
    const { connectUrl, host } = candidates[i];
    try {
      return await request(connectUrl, {
        dispatcher,
        method: 'GET',
        signal,
        headers: { accept: 'application/xml, text/xml, */*', ...(host ? { host } : {}) },
      });
    } catch (error) {
      if (i + 1 >= candidates.length || !UNREACHABLE.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
}

/**
 * GETs a wrapped VAST document over the exchange's shared dispatcher (never global fetch), within `signal`:
 * only http(s), never a private or loopback address unless the policy allows it (checked again at every
 * redirect), at most `maxBytes`, 2xx with a body. Never throws.
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
      const answer = await requestAny(await targets(url, policy, signal), dispatcher, signal);
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

// The parts of vast-client 3.2 (which ships no types) that the tests use.
declare module 'vast-client' {
  /** A URL template as vast-client reads it: the URL, or `{ id, url }`. */
  export type UrlTemplate = string | { readonly id?: string; readonly url: string };
  export interface VastCreative {
    readonly type: 'linear' | 'nonlinear' | 'companion';
    readonly videoClickTrackingURLTemplates: UrlTemplate[];
    readonly mediaFiles: Array<{ readonly fileURL: string }>;
  }
  export interface VastAd {
    readonly impressionURLTemplates: UrlTemplate[];
    readonly creatives: VastCreative[];
  }
  export interface VastResponse {
    readonly ads: VastAd[];
  }
  /** Fetches a VAST document and the wrapper chain under it, merging each chain into one ad. */
  export class VASTClient {
    get(url: string, options?: Record<string, unknown>): Promise<VastResponse>;
  }
}

/**
 * OpenRTB 2.6 objects: the canonical model inside the exchange. Dialects translate to and from these at
 * the edge; nothing else in the exchange knows a partner's wire format. Only the fields the exchange reads
 * or writes are typed; every object keeps the rest (`[field: string]: unknown`) so nothing a publisher or
 * a bidder sent is lost on the way through.
 */

/** Extension object, as in every OpenRTB object. */
export type Ext = Record<string, unknown>;

/** OpenRTB 2.6 §3.2.1 BidRequest. */
export interface BidRequest {
  id: string;
  imp: Imp[];
  site?: Site;
  app?: App;
  device?: Device;
  user?: User;
  test?: 0 | 1;
  /** Auction type: 1 first price, 2 second price plus. */
  at?: number;
  tmax?: number;
  cur?: string[];
  bcat?: string[];
  badv?: string[];
  source?: Source;
  regs?: Regs;
  ext?: Ext;
  [field: string]: unknown;
}

/** OpenRTB 2.6 §3.2.4 Imp. */
export interface Imp {
  id: string;
  banner?: Banner;
  video?: Video;
  audio?: Video;
  native?: Native;
  tagid?: string;
  bidfloor?: number;
  bidfloorcur?: string;
  secure?: 0 | 1;
  ext?: Ext;
  [field: string]: unknown;
}

/** OpenRTB 2.6 §3.2.10 Format. */
export interface Format { w?: number; h?: number; [field: string]: unknown }

/** OpenRTB 2.6 §3.2.6 Banner. */
export interface Banner { w?: number; h?: number; format?: Format[]; battr?: number[]; [field: string]: unknown }

/** OpenRTB 2.6 §3.2.7 Video (and §3.2.8 Audio, which shares the fields the exchange reads). */
export interface Video {
  mimes?: string[];
  protocols?: number[];
  w?: number;
  h?: number;
  minduration?: number;
  maxduration?: number;
  [field: string]: unknown;
}

/** OpenRTB 2.6 §3.2.9 Native: `request` is the Native Ads request, as a JSON string. */
export interface Native { request: string; ver?: string; [field: string]: unknown }

/** OpenRTB 2.6 §3.2.13 Site. */
export interface Site { id?: string; domain?: string; page?: string; ref?: string; publisher?: Publisher; [field: string]: unknown }

/** OpenRTB 2.6 §3.2.14 App. */
export interface App { id?: string; bundle?: string; publisher?: Publisher; [field: string]: unknown }

/** OpenRTB 2.6 §3.2.15 Publisher. */
export interface Publisher { id?: string; name?: string; [field: string]: unknown }

/** OpenRTB 2.6 §3.2.18 Device. */
export interface Device { ua?: string; ip?: string; ipv6?: string; language?: string; [field: string]: unknown }

/** OpenRTB 2.6 §3.2.20 User: `id` is the exchange's own id, `buyeruid` the bidder's bound id. */
export interface User { id?: string; buyeruid?: string; [field: string]: unknown }

/** OpenRTB 2.6 §3.2.2 Source. */
export interface Source { [field: string]: unknown }

/** OpenRTB 2.6 §3.2.3 Regs. */
export interface Regs { [field: string]: unknown }

/** OpenRTB 2.6 §4.2.1 BidResponse. */
export interface BidResponse {
  id: string;
  seatbid?: SeatBid[];
  bidid?: string;
  cur?: string;
  nbr?: number;
  ext?: Ext;
  [field: string]: unknown;
}

/** OpenRTB 2.6 §4.2.2 SeatBid. */
export interface SeatBid { bid: Bid[]; seat?: string; [field: string]: unknown }

/** OpenRTB 2.6 §4.2.3 Bid. `price` is on the wire only: inside, prices are integer micros. */
export interface Bid {
  id: string;
  impid: string;
  price: number;
  nurl?: string;
  burl?: string;
  lurl?: string;
  adm?: string;
  adid?: string;
  crid?: string;
  /** Markup type: 1 banner, 2 video, 3 audio, 4 native. */
  mtype?: number;
  w?: number;
  h?: number;
  attr?: number[];
  cat?: string[];
  adomain?: string[];
  ext?: Ext;
  [field: string]: unknown;
}

/** OpenRTB 2.6 §3.2.4 markup types (`bid.mtype`). */
export const MarkupType = { banner: 1, video: 2, audio: 3, native: 4 } as const;

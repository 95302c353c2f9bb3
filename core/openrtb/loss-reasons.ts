/**
 * OpenRTB loss reason codes (`${AUCTION_LOSS}`), the list OpenRTB 2.6 refers to. Every rejected or losing
 * bid carries one; codes of 1000 and above are this exchange's own and are documented in the README.
 */
export const LossReason = {
  won: 0,
  internalError: 1,
  impressionExpired: 2,
  invalidBidResponse: 3,
  missingMarkup: 7,
  missingPrice: 9,
  belowFloor: 100,
  lostToHigherBid: 102,
  creativeFiltered: 200,
  sizeNotAllowed: 203,
  incorrectCreativeFormat: 204,
  notSecure: 207,
  categoryExclusions: 209,
  creativeAttributeExclusions: 210,
  /** Exchange-specific: the bid's VAST wrapper chain has more Wrappers than `maxWrapperDepth` (VAST error 302). */
  vastWrapperTooDeep: 1001,
  /**
   * Exchange-specific: the bid's VAST wrapper chain ends in an error rather than an InLine ad: a loop, a
   * non-http(s) or private-network URL, an HTTP error, an oversized, malformed or empty wrapped document, or a
   * Wrapper where `followAdditionalWrappers` forbids one (VAST errors 300/303).
   */
  vastWrapperFailed: 1002,
  /** Exchange-specific: the bid's VAST wrapper chain did not resolve in time (VAST error 301). */
  vastWrapperTimeout: 1003,
} as const;

/** A loss reason code: one of {@link LossReason} or an exchange-specific code (1000+). */
export type LossReasonCode = number;

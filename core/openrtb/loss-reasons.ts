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
} as const;

/** A loss reason code: one of {@link LossReason} or an exchange-specific code (1000+). */
export type LossReasonCode = number;

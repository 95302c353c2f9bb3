import { decimalToMicros, definePlugin, LossReason, noop, reject, RtbStartupError } from 'rtb-exchange';

/**
 * `min-cpm`: a `bidValidate` plugin refusing bids under its own `minCpm` option (decimal CPM), with OpenRTB loss
 * reason 100 (below floor), whatever the auction's floor.
 */
export const MinCpm = definePlugin((scope) => {
  const minCpm = scope.options.minCpm;
  const minMicros = typeof minCpm === 'number' ? decimalToMicros(minCpm) : null;
  if (minMicros === null) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', [`plugins.${scope.name}.minCpm: must be a decimal CPM`]);
  return {
    bidValidate(_ctx, bid) {
      if (bid.priceMicros !== null && bid.priceMicros < minMicros) return reject(LossReason.belowFloor, `under min-cpm ${String(minCpm)}`);
      return noop();
    },
  };
});

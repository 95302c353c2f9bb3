/** The Node flags `rtb` runs with (see node-flags.mjs). */
export declare const RTB_NODE_FLAGS: readonly string[];

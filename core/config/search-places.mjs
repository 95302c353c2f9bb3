// The config files `rtb` looks for in the working directory, in order, when no --config is given. Plain
// JavaScript: core/bin.mjs reads it before any TypeScript can be loaded.
/** The config file names searched for, in order. */
export const CONFIG_SEARCH_PLACES = ['rtb.config.ts', 'rtb.config.js', 'rtb.config.mjs', 'rtb.config.json'];

/** The config file names `rtb` searches for in the working directory, in order, when no --config is given. */
export declare const CONFIG_SEARCH_PLACES: readonly string[];

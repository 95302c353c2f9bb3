/**
 * Compiles `entries` (absolute paths of TypeScript or JavaScript modules) into one ES-module bundle in the OS temp
 * directory, split so they share their modules, and returns each entry's bundled module URL, by entry path.
 */
export declare function bundle(entries: readonly string[]): Promise<Map<string, string>>;

/**
 * Compiles `entries` (absolute paths of TypeScript or JavaScript modules) into one ES-module bundle in the OS temp
 * directory, split so they share their modules, and returns each entry's bundled module URL, by entry path.
 * `from`: the folder output paths are relative to (default: the framework's root); `tsconfig`: the compiler
 * settings (default: the framework's; `null`: the tsconfig.json esbuild finds next to each file).
 */
export declare function bundle(entries: readonly string[], options?: { from?: string; tsconfig?: string | null }): Promise<Map<string, string>>;

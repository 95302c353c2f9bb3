import { readFileSync } from 'node:fs';
import { RtbStartupError } from '../../core/index.js';

/**
 * One of Google's AdX dictionary files (G4): lines of `<id> <name>`, the name running to the end of the line
 * and allowed to hold spaces. Blank lines are ignored; other lines that are not of that form (a non-numeric id,
 * an id out of int32 range, an id without a name) are skipped and reported.
 */
export interface AdxDictionary {
  /** Name by id. */
  readonly names: ReadonlyMap<number, string>;
  /** Line numbers (1-based) of non-blank lines that were not `<id> <name>`. */
  readonly skippedLines: readonly number[];
}

const LINE = /^(\d+)\s+(\S.*)$/;
const INT32_MAX = 2 ** 31 - 1;

/** Parses the text of a dictionary file. */
export function parseDictionary(text: string): AdxDictionary {
  const names = new Map<number, string>();
  const skippedLines: number[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const match = LINE.exec(line);
    const id = match ? Number(match[1]) : NaN;
    if (!match || !Number.isSafeInteger(id) || id > INT32_MAX) {
      skippedLines.push(index + 1);
      return;
    }
    names.set(id, match[2].trim());
  });
  return { names, skippedLines };
}

/** Reads a dictionary file at start-up; a missing or unreadable file is a start-up error naming `at`. */
export function loadDictionary(path: string, at: string): AdxDictionary {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', [`${at}: cannot read dictionary ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  return parseDictionary(text);
}

/**
 * Resolves config entries that name dictionary values by id (`7`) or by name (`"MraidType: Mraid 1.0"`) to
 * ids. A name needs the dictionary and matches every id of that name; an id must be in the dictionary when one
 * is loaded. Returns the ids, or the problems, one per bad entry.
 */
export function resolveDictionaryIds(
  entries: unknown,
  dictionary: AdxDictionary | undefined,
  at: string,
  dictionaryKey: string,
): { ids: number[]; problems: string[] } {
  if (entries === undefined) return { ids: [], problems: [] };
  if (!Array.isArray(entries)) return { ids: [], problems: [`${at}: must be an array of dictionary ids or names`] };
  const ids = new Set<number>();
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    if (typeof entry === 'number' && Number.isSafeInteger(entry) && entry >= 0 && entry <= INT32_MAX) {
      if (dictionary && !dictionary.names.has(entry)) problems.push(`${at}.${i}: id ${entry} is not in ${dictionaryKey}`);
      else ids.add(entry);
      return;
    }
    if (typeof entry === 'string') {
      if (!dictionary) {
        problems.push(`${at}.${i}: "${entry}" is a name; set ${dictionaryKey} to the dictionary file, or use its id`);
        return;
      }
      const matching = [...dictionary.names].filter(([, name]) => name === entry).map(([id]) => id);
      if (matching.length === 0) problems.push(`${at}.${i}: no entry named "${entry}" in ${dictionaryKey}`);
      for (const id of matching) ids.add(id);
      return;
    }
    problems.push(`${at}.${i}: must be a dictionary id (integer) or name (string)`);
  });
  return { ids: [...ids], problems };
}

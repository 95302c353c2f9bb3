import { type ConfigKeys, type RtbConfig, RtbStartupError, z } from '../../core/index.js';

/** The banner click strategies (T6), by the names config uses. */
export const CLICK_STRATEGIES = ['click-macro', 'redirect-wrap', 'html-wrap', 'none'] as const;

/** A banner click strategy's name. */
export type ClickStrategyName = (typeof CLICK_STRATEGIES)[number];

/**
 * How the exchange's click URL is written in place of a click macro: as is (`raw`, e.g. `%%CLICK_URL_UNESC%%`),
 * URL-encoded once (`url`, e.g. `${CLICK_URL}`, `%%CLICK_URL_ESC%%`) or twice (`url-twice`, e.g.
 * `%%CLICK_URL_ESC_ESC%%`, or a macro written percent-encoded inside an already encoded URL).
 */
export type MacroEncoding = 'raw' | 'url' | 'url-twice';

/** One click macro the `click-macro` strategy replaces, with the encoding its form requires. */
export interface ClickMacro {
  readonly macro: string;
  readonly encoding: MacroEncoding;
}

/** One bidder's resolved click settings: the strategies to try in order, and the click macros it uses. */
export interface ClickSettings {
  /** The configured strategy first, then its fallbacks; `none` always ends the chain. */
  readonly chain: readonly ClickStrategyName[];
  readonly macros: readonly ClickMacro[];
}

/** The click macros every bidder may use (the seeds' `${CLICK_URL}`, URL-encoded), plus its percent-encoded form. */
export const DEFAULT_CLICK_MACROS: readonly ClickMacro[] = [
  { macro: '${CLICK_URL}', encoding: 'url' },
  { macro: '%24%7BCLICK_URL%7D', encoding: 'url-twice' },
];

/**
 * The encoding a click macro's spelling asks for: `UNESC` raw, `ESC_ESC` twice, a macro written percent-encoded
 * (`%24%7B…%7D`) one level more than its plain form, anything else (`${CLICK_URL}`, `%%CLICK_URL_ESC%%`) once.
 */
export function encodingOf(macro: string): MacroEncoding {
  const upper = macro.toUpperCase();
  if (upper.includes('UNESC')) return 'raw';
  if (upper.includes('ESC_ESC') || upper.startsWith('%24%7B')) return 'url-twice';
  return 'url';
}

const strategy = z.enum(CLICK_STRATEGIES);
const macroEntry = z.union([
  z.string().min(3),
  z.strictObject({ macro: z.string().min(3), encoding: z.enum(['raw', 'url', 'url-twice']) }),
]);

/** The click keys, as plugin options (exchange-wide defaults) or on a bidder (`bidders.NAME.click`, …). */
const clickKeys = z.object({
  click: strategy.optional(),
  clickFallback: z.union([strategy, z.array(strategy)]).optional(),
  clickMacros: z.array(macroEntry).optional(),
});

type ClickKeys = z.output<typeof clickKeys>;

/** What `adm-banner` reads from config (declared to the core): the click keys, as its options and on each bidder. */
export const CLICK_CONFIG_KEYS = { options: clickKeys, bidder: clickKeys.shape } satisfies ConfigKeys;

/** The strategy every bidder starts from when neither the plugin options nor the bidder choose one. */
const DEFAULT_CLICK: ClickStrategyName = 'click-macro';
/** What a failed strategy falls back to when nothing is configured: the seeds' advice for DSPs without the macro. */
const DEFAULT_FALLBACK: readonly ClickStrategyName[] = ['redirect-wrap'];

function readKeys(value: unknown, at: string, problems: string[]): ClickKeys {
  const parsed = clickKeys.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) problems.push(`${[at, ...issue.path].filter(Boolean).join('.')}: ${issue.message}`);
  return {};
}

const asList = (value: ClickKeys['clickFallback']): readonly ClickStrategyName[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

const toMacro = (entry: NonNullable<ClickKeys['clickMacros']>[number]): ClickMacro =>
  typeof entry === 'string' ? { macro: entry, encoding: encodingOf(entry) } : entry;

/**
 * Reads the click keys of the plugin options (exchange-wide defaults) and of every enabled bidder, once at
 * start-up. A bidder's `click` and `clickFallback` replace the defaults; its `clickMacros` add to them. `at` is
 * where the options are written (`scope.optionsAt`). Throws {@link RtbStartupError} naming every bad key.
 */
export function resolveClickSettings(options: Readonly<Record<string, unknown>>, config: RtbConfig, at: string): Map<string, ClickSettings> {
  const problems: string[] = [];
  const defaults = readKeys(options, at, problems);
  const settings = new Map<string, ClickSettings>();
  for (const [name, bidder] of Object.entries(config.bidders)) {
    if (!bidder.enabled) continue;
    const own = readKeys({ click: bidder.click, clickFallback: bidder.clickFallback, clickMacros: bidder.clickMacros }, `bidders.${name}`, problems);
    const first = own.click ?? defaults.click ?? DEFAULT_CLICK;
    const fallbacks = asList(own.clickFallback) ?? asList(defaults.clickFallback) ?? DEFAULT_FALLBACK;
    const chain = [...new Set<ClickStrategyName>([first, ...fallbacks, 'none'])];
    const macros = [...DEFAULT_CLICK_MACROS, ...(defaults.clickMacros ?? []).map(toMacro), ...(own.clickMacros ?? []).map(toMacro)];
    const unique = new Map(macros.map((macro) => [macro.macro, macro]));
    settings.set(name, { chain: chain.slice(0, chain.indexOf('none') + 1), macros: [...unique.values()] });
  }
  if (problems.length) throw new RtbStartupError('RTB_ERR_CONFIG_INVALID', problems);
  return settings;
}

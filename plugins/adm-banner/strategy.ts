import type { HtmlBody } from './html-source.js';
import type { ClickMacro, ClickStrategyName } from './settings.js';

/** What a click strategy works on: the winner's markup (macros already expanded) and the exchange's click URLs. */
export interface ClickInput {
  readonly adm: string;
  /** `html` markup, or `javascript` (a tag dialect's script): only the click macro applies to the latter. */
  readonly format: 'html' | 'javascript';
  /** The bidder's click macros and their encodings. */
  readonly macros: readonly ClickMacro[];
  /**
   * The exchange's click URL for this won impression. With `destination` (an absolute http(s) URL, signed into
   * the URL) the exchange redirects there after recording the click; without it, it only records the click.
   */
  readonly clickUrl: (destination?: string) => string;
  /**
   * The exchange's click URLs for several destinations at once, one per entry, in order, as `clickUrl` makes them.
   * A strategy that knows all its clicks before writing any asks for them here, in one call before any other: the
   * exchange then lists them in the winner's one sealed token, and the click URLs need no cryptography of their own.
   */
  readonly clickUrls: (destinations: readonly (string | undefined)[]) => string[];
}

/** A strategy's answer: the rewritten markup, or why it cannot apply to this markup (the next one is tried). */
export type ClickOutcome =
  | {
      readonly applied: true;
      readonly adm: string;
      readonly detail: string;
      /**
       * When the strategy knows it: the `<body>` of `adm` as `htmlBody` reads it (`null`: none), so that the impression
       * pixel need not read the markup again.
       */
      readonly body?: HtmlBody | null;
    }
  | { readonly applied: false; readonly reason: string };

/** A banner click strategy (T6): one way of sending the banner's clicks through the exchange. */
export interface ClickStrategy {
  readonly name: ClickStrategyName;
  apply(input: ClickInput): ClickOutcome;
}

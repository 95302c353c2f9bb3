import { applySplices, type Splice } from '../../core/index.js';
import { escapeAttribute, isHttpUrl, readHtml, type HtmlBody } from './html-source.js';
import type { ClickInput, ClickOutcome, ClickStrategy } from './strategy.js';

/**
 * `redirect-wrap` (T6.2): every `<a href>` and `<area href>` holding an absolute http(s) URL becomes the
 * exchange's click URL carrying the original as its signed destination. Links are found with a real HTML
 * parser and only their `href` attributes are spliced, so every other byte of the markup is unchanged;
 * `javascript:`, `mailto:`, `#…`, relative and empty hrefs are left alone, and so are links written by
 * scripts. Click path: user → exchange → bidder's URL → landing page. Cannot apply to JavaScript markup or
 * to markup without such a link.
 */
export const redirectWrapStrategy: ClickStrategy = {
  name: 'redirect-wrap',
  apply(input: ClickInput): ClickOutcome {
    if (input.format !== 'html') return { applied: false, reason: 'JavaScript markup: its links are not in the source as HTML' };
    // The links, and a whole document's body for the impression pixel (when the tokenizer can tell), in one reading.
    const { links, body } = readHtml(input.adm);
    const wrapped = links.filter((link) => isHttpUrl(link.href));
    if (wrapped.length === 0) return { applied: false, reason: 'no http(s) link in the markup' };
    const urls = input.clickUrls(wrapped.map((link) => link.href));
    const splices: Splice[] = wrapped.map(({ attribute: { start, end, name } }, i) => ({ start, end, text: `${name}="${escapeAttribute(urls[i])}"` }));
    return { applied: true, adm: applySplices(input.adm, splices), detail: `${splices.length} link(s) wrapped`, body: body && shifted(body, splices) };
  },
};

/**
 * Where `body` is after `splices`: they rewrite `href` attributes inside link start tags only, so every other token
 * of the markup reads as before, and the body's start and end tags just move by the length the splices before
 * them added.
 */
function shifted(body: HtmlBody, splices: readonly Splice[]): HtmlBody {
  let contentStart = body.contentStart;
  let contentEnd = body.contentEnd;
  for (const splice of splices) {
    const grown = splice.text.length - (splice.end - splice.start);
    if (splice.start < body.contentStart) contentStart += grown;
    if (splice.start < body.contentEnd) contentEnd += grown;
  }
  return { contentStart, contentEnd };
}

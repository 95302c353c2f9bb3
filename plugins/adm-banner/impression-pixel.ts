import { escapeAttribute, htmlBody, type HtmlBody } from './html-source.js';

/**
 * Adds the exchange's impression tracker to banner markup, keeping the bidder's own pixels:
 * - HTML: a 1×1 `<img>` appended at the end of the markup, or just before `</body>` in a whole document;
 * - JavaScript (a tag dialect's script): a statement that loads the same URL as an image, on a line of its own
 *   so that a trailing `//` comment in the bidder's script cannot swallow it.
 * `body` is the HTML markup's `<body>` when already known (`null`: none), else it is read here.
 */
export function addImpressionPixel(adm: string, format: 'html' | 'javascript', url: string, body?: HtmlBody | null): string {
  if (format === 'javascript') return `${adm}\n;(function(){var i=new Image(1,1);i.src=${JSON.stringify(url)};})();\n`;
  const pixel = `<img src="${escapeAttribute(url)}" width="1" height="1" border="0" alt="" style="position:absolute;width:1px;height:1px;border:0;opacity:0">`;
  const end = (body === undefined ? htmlBody(adm) : body)?.contentEnd;
  return end === undefined ? adm + pixel : adm.slice(0, end) + pixel + adm.slice(end);
}

import type { Markup } from './bids.js';

/** JSON text that is also safe inside an inline `<script>` (no `</script>`, no line separators). */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * The JavaScript answer to a publisher tag (R7). JavaScript markup is sent as is. HTML markup becomes a
 * script that writes it in place while the page is loading (`document.write` from a synchronous tag), or
 * into a same-size iframe once the page has loaded. VAST and Native markup are handed to the page: the
 * script dispatches an `rtb:ad` event on `document` with `{ format, markup }` for the page's player or
 * renderer to take.
 */
export function tagScript(markup: Markup): string {
  if (markup.format === 'javascript') return markup.adm;
  if (markup.format === 'html') {
    return `(function(){var h=${scriptSafeJson(markup.adm)};var s=document.currentScript;` +
      `if(document.readyState==='loading'){document.write(h);return;}` +
      `var f=document.createElement('iframe');f.setAttribute('scrolling','no');f.style.border='0';f.srcdoc=h;` +
      `if(s&&s.parentNode){s.parentNode.insertBefore(f,s.nextSibling);}else{document.body.appendChild(f);}})();`;
  }
  return `document.dispatchEvent(new CustomEvent('rtb:ad',{detail:{format:${scriptSafeJson(markup.format)},markup:${scriptSafeJson(markup.adm)}}}));`;
}

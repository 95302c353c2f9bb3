import { randomBytes } from 'node:crypto';
import { htmlBody } from './html-source.js';
import type { ClickInput, ClickOutcome, ClickStrategy } from './strategy.js';

/** JSON text that is also safe inside an inline `<script>` (no `</script>`, no line separators). */
function scriptString(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * The click reporter: the first click inside the container (capture phase, so the markup's own handlers cannot
 * hide it), or the window losing focus to an iframe inside the container (a click into a cross-origin frame),
 * sends one GET to the exchange's click URL, with `keepalive` so it survives the navigation the click starts.
 */
function reporterScript(id: string, clickUrl: string): string {
  return `<script>(function(){var c=document.getElementById(${scriptString(id)}),u=${scriptString(clickUrl)},d=false;if(!c)return;` +
    `function r(){if(d)return;d=true;try{if(window.fetch){fetch(u,{mode:'no-cors',keepalive:true});return;}}catch(e){}(new Image()).src=u;}` +
    `c.addEventListener('click',r,true);` +
    `window.addEventListener('blur',function(){setTimeout(function(){var a=document.activeElement;if(a&&a.tagName==='IFRAME'&&c.contains(a))r();},0);});})();</script>`;
}

/**
 * `html-wrap` (T6.4, the last resort): the markup (or, for a whole document, the inside of its `<body>`) is
 * wrapped in a container followed by a small script that reports the first click to the exchange's click URL.
 * Lower accuracy than the other strategies: the click is reported by the page rather than by the navigation
 * itself, so blocked scripts, a navigation that wins the race against the report, or a click inside a
 * cross-origin iframe that does not take focus go uncounted. The landing page is reached as the bidder wrote
 * it. Cannot apply to JavaScript markup.
 */
export const htmlWrapStrategy: ClickStrategy = {
  name: 'html-wrap',
  apply(input: ClickInput): ClickOutcome {
    if (input.format !== 'html') return { applied: false, reason: 'JavaScript markup cannot be wrapped in HTML' };
    const id = `rtb-click-${randomBytes(6).toString('hex')}`;
    const open = `<div id="${id}" style="display:inline-block;position:relative">`;
    const [clickUrl] = input.clickUrls([undefined]);
    const close = `</div>${reporterScript(id, clickUrl)}`;
    const body = htmlBody(input.adm);
    const adm = body
      ? input.adm.slice(0, body.contentStart) + open + input.adm.slice(body.contentStart, body.contentEnd) + close + input.adm.slice(body.contentEnd)
      : open + input.adm + close;
    return { applied: true, adm, detail: body ? 'document body wrapped' : 'markup wrapped' };
  },
};

// Helpers for the notices plugin's own tests (not part of the plugin).
import { inject, injectable } from 'tsyringe';
import {
  builtinRegistry, type Markup, type Plugin, type RewriteContext, Tokens, type TrackerUrls, update,
} from '../../core/index.js';

/** The click destination the probe signs into its click tracker. */
export const PROBE_DESTINATION = 'https://advertiser.example/landing?x=1&y=%C3%A4#top';

/**
 * A test `admRewrite` plugin resolved through DI like any other (`@inject(Tokens.TrackerUrls)`): it appends the
 * exchange's tracker URLs to the markup as comments, where tests read them (see {@link trackersIn}).
 */
@injectable()
export class TrackerProbe implements Plugin {
  constructor(@inject(Tokens.TrackerUrls) private readonly trackers: TrackerUrls) {}

  admRewrite(ctx: RewriteContext, markup: Markup) {
    const impression = this.trackers.impression(ctx.auction, ctx.award);
    const click = this.trackers.click(ctx.auction, ctx.award, PROBE_DESTINATION);
    const bare = this.trackers.click(ctx.auction, ctx.award);
    return update({ ...markup, adm: `${markup.adm}<!--probe-imp ${impression} --><!--probe-click ${click} --><!--probe-bare ${bare} -->` });
  }
}

/** The built-in registry plus `tracker-probe`. */
export function probeRegistry() {
  return builtinRegistry().clone().plugin('tracker-probe', TrackerProbe);
}

/** The probe's tracker URLs found in a markup. */
export function trackersIn(adm: string): { impression: string; click: string; bare: string } {
  const find = (name: string) => {
    const match = new RegExp(`<!--probe-${name} (\\S+) -->`).exec(adm);
    if (!match) throw new Error(`no ${name} tracker in ${adm}`);
    return match[1];
  };
  return { impression: find('imp'), click: find('click'), bare: find('bare') };
}

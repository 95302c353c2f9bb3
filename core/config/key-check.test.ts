import pino from 'pino';
import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../plugins/builtin.js';
import { resolveExchange } from '../exchange-plan.js';
import { definePlugin } from '../plugin/define.js';
import { z } from 'zod';
import { RtbStartupError } from './errors.js';
import { parseConfig } from './load.js';
import { nearestKey } from './nearest-key.js';

const dispatcher = new Agent();
afterAll(() => dispatcher.close());
const silent = pino({ level: 'silent' });
const endpoint = 'http://127.0.0.1:9/bid';

/** The problem lines (with their codes) of resolving `input`'s plan with the built-ins (plus `extend`'s). */
function planProblems(input: Record<string, unknown>): string[] {
  try {
    resolveExchange(parseConfig(input), builtinRegistry(), silent, dispatcher);
  } catch (error) {
    if (!(error instanceof RtbStartupError)) throw error;
    return error.problems.map((problem, i) => `${error.codes[i]} ${problem}`);
  }
  return [];
}

describe('keys nobody reads are refused, with the nearest known key (issue 15)', () => {
  it('a misspelled site floor is refused: it would otherwise sell below the publisher\'s floor', () => {
    expect(planProblems({ sites: { h1: { banner: { w: 300, h: 250 }, flor: 0.5 } } })).toEqual([
      'RTB_ERR_CONFIG_INVALID sites.h1.flor: unknown key (did you mean floor?)',
    ]);
  });

  it('the issue\'s bidder keys: synctag, clickk and maxWrapperDept (each read by a plugin under another spelling)', () => {
    expect(planProblems({
      plugins: [{ name: 'user-sync', options: { cookieSecret: 'a cookie secret of 16+' } }],
      bidders: { d: { endpoint, synctag: 'd', clickk: 'none', maxWrapperDept: 3 } },
    })).toEqual([
      'RTB_ERR_CONFIG_INVALID bidders.d.synctag: unknown key (did you mean syncTag?)',
      'RTB_ERR_CONFIG_INVALID bidders.d.clickk: unknown key (did you mean click?)',
      'RTB_ERR_CONFIG_INVALID bidders.d.maxWrapperDept: unknown key (did you mean maxWrapperDepth?)',
    ]);
  });

  it('keys the selected plugins, dialects and pricing declare are accepted, and their values checked by their schemas', () => {
    expect(planProblems({
      plugins: [{ name: 'user-sync', options: { cookieSecret: 'a cookie secret of 16+' } }],
      sites: { h1: { banner: { w: 300, h: 250 }, floor: 0.5, maxWrapperDepth: 2 } },
      bidders: {
        d: { endpoint, syncTag: 'd', syncKey: 'a sync key', click: 'html-wrap', vast: { maxWrapperDepth: 3 } },
        c: { endpoint, dialect: 'rtb-host', units: 1 },
      },
    })).toEqual([]);
    expect(planProblems({ sites: { h1: { banner: { w: 300, h: 250 }, maxWrapperDepth: 21 } }, bidders: { d: { endpoint, click: 'nope' } } })).toEqual([
      'RTB_ERR_CONFIG_INVALID sites.h1.maxWrapperDepth: must be an integer from 0 to 20',
      expect.stringMatching(/^RTB_ERR_CONFIG_INVALID bidders\.d\.click: /),
    ]);
  });

  it('a key only another dialect reads is refused on this bidder (units is rtb-host\'s and chips\')', () => {
    expect(planProblems({ bidders: { d: { endpoint, units: 1 } } })).toEqual(['RTB_ERR_CONFIG_INVALID bidders.d.units: unknown key']);
  });

  it('a key of a registered plugin the config does not run says which plugin reads it', () => {
    expect(planProblems({ bidders: { d: { endpoint, syncTag: 'd', syncKey: 'a sync key' } } })).toEqual([
      'RTB_ERR_CONFIG_INVALID bidders.d.syncTag: read by the user-sync plugin, which this config does not run (list it in plugins)',
      'RTB_ERR_CONFIG_INVALID bidders.d.syncKey: read by the user-sync plugin, which this config does not run (list it in plugins)',
    ]);
  });

  it("a plugin's options are checked against its schema: an unknown option names the nearest", () => {
    expect(planProblems({ plugins: [{ name: 'user-sync', options: { cookieSecret: 'a cookie secret of 16+', cookieNmae: 'x' } }] })).toEqual([
      'RTB_ERR_CONFIG_INVALID plugins.0.options.cookieNmae: unknown key (did you mean cookieName?)',
    ]);
    expect(planProblems({ plugins: [{ name: 'second-price', options: { stpe: 0.1 } }] })).toEqual([
      'RTB_ERR_CONFIG_INVALID plugins.0.options.stpe: unknown key (did you mean step?)',
    ]);
  });

  it('an extension declares its own keys, and gets its options parsed by its schema (defaults filled in)', () => {
    let seen: unknown;
    const Marker = definePlugin((scope) => ((seen = scope.options), {}), {
      options: z.object({ label: z.string().default('none') }),
      bidder: { markerSeat: z.string() },
    });
    const input = { plugins: ['marker'], extensions: { plugins: { marker: Marker } }, bidders: { d: { endpoint, markerSeat: 'x' } } };
    expect(planProblems(input)).toEqual([]);
    expect(seen).toEqual({ label: 'none' });
    expect(planProblems({ ...input, bidders: { d: { endpoint, markerSeat: 7 } } })).toEqual([expect.stringMatching(/^RTB_ERR_CONFIG_INVALID bidders\.d\.markerSeat: /)]);
  });

  it("the core's own sections suggest the nearest key too", () => {
    expect(() => parseConfig({ auction: { tmaxMS: 100 } })).toThrow(expect.objectContaining({ problems: ['auction.tmaxMS: unknown key (did you mean tmaxMs?)'] }));
  });

  it('problems of several kinds keep their own codes', () => {
    expect(planProblems({ plugins: ['no-such-plugin'], bidders: { d: { endpoint, dialect: 'martian' } } })).toEqual([
      expect.stringMatching(/^RTB_ERR_UNKNOWN_NAME plugins\.0: unknown plugin "no-such-plugin"/),
      expect.stringMatching(/^RTB_ERR_UNKNOWN_NAME bidders\.d\.dialect: unknown dialect "martian"/),
    ]);
  });
});

describe('nearestKey', () => {
  it('suggests a key differing by case or a few edits, and nothing for a key unlike any', () => {
    expect(nearestKey('synctag', ['syncTag', 'syncKey'])).toBe('syncTag');
    expect(nearestKey('flor', ['floor', 'domain'])).toBe('floor');
    expect(nearestKey('tmxaMs', ['tmaxMs', 'step'])).toBe('tmaxMs');
    expect(nearestKey('banana', ['floor', 'domain', 'page'])).toBeUndefined();
  });
});

describe('sections a plugin owns (notices, vast) and top-level keys', () => {
  it('a section is checked by its plugin\'s schema, with the nearest key, and reaches the plugin as its options', () => {
    expect(planProblems({ notices: { journalDri: '/tmp/x' }, vast: { maxWrapperDepth: 30 } })).toEqual([
      'RTB_ERR_CONFIG_INVALID notices.journalDri: unknown key (did you mean journalDir?)',
      expect.stringMatching(/^RTB_ERR_CONFIG_INVALID vast\.maxWrapperDepth: /),
    ]);
  });

  it('a section is read even when it turns its plugin off, and a plugin that reads a section takes no plugins[].options', () => {
    expect(planProblems({ notices: { enabled: false } })).toEqual([]);
    expect(planProblems({ plugins: [{ name: 'notices', options: { journalDir: '/tmp/x' } }] })).toEqual([
      'RTB_ERR_CONFIG_INVALID plugins.0.options: the notices plugin takes its options from the top-level "notices" section',
    ]);
  });

  it('a top-level key nobody owns is refused with the nearest, by the plan and, when the core\'s own checks fail first, by the same run', () => {
    expect(planProblems({ auctoin: { type: 'first-price' } })).toEqual(['RTB_ERR_CONFIG_INVALID auctoin: unknown key (did you mean auction?)']);
    expect(() => parseConfig({ currency: 'dollars', notice: {} }, builtinRegistry())).toThrow(expect.objectContaining({
      problems: [expect.stringMatching(/^currency: /), 'notice: unknown key (did you mean notices?)'],
    }));
  });

  it('when the core\'s own checks fail first, the same run also names the site and bidder keys nothing registered reads', () => {
    const input = {
      server: { port: 'x' },
      sites: { s: { banner: { w: 1, h: 1 }, flor: 1, maxWrapperDepth: 2 } },
      bidders: { a: { endpoint: 'http://127.0.0.1:1/bid', syncTagg: 'x', syncTag: 'a', units: 'chips' } },
    };
    expect(() => parseConfig(input, builtinRegistry())).toThrow(expect.objectContaining({
      problems: [
        expect.stringMatching(/^server\.port: /),
        'sites.s.flor: unknown key (did you mean floor?)',
        'bidders.a.syncTagg: unknown key (did you mean syncTag?)',
      ],
    }));
  });
});

import { describe, expect, it } from 'vitest';
import { buildTagRequest } from './tag-request.js';

const site = { banner: { w: 300, h: 250 }, floor: 0 };

describe('buildTagRequest', () => {
  it.each([
    ['203.0.113.7', { ip: '203.0.113.7' }],
    ['::ffff:203.0.113.7', { ip: '203.0.113.7' }],
    ['::FFFF:10.1.2.3', { ip: '10.1.2.3' }],
    ['2001:db8::1', { ipv6: '2001:db8::1' }],
    ['::ffff:2001:db8', { ipv6: '::ffff:2001:db8' }],
  ])('client %s → device %j', (ip, device) => {
    expect(buildTagRequest(site, { siteId: 's', ip }).device).toEqual(device);
  });

  it('takes the page and domain from the Referer, the browser from User-Agent, the exchange user id as user.id', () => {
    const request = buildTagRequest(site, { siteId: 's', referer: 'https://news.example/a?b=1', userAgent: 'UA/1', userId: 'u-1', language: 'ko' });
    expect(request).toMatchObject({
      imp: [{ id: '1', banner: { w: 300, h: 250, format: [{ w: 300, h: 250 }] } }],
      site: { id: 's', page: 'https://news.example/a?b=1', domain: 'news.example' },
      device: { ua: 'UA/1', language: 'ko' },
      user: { id: 'u-1' },
    });
  });

  it('a video or native site becomes a video or native imp', () => {
    expect(buildTagRequest({ video: { mimes: ['video/mp4'], protocols: [2, 3], w: 640, h: 360 }, floor: 0 }, { siteId: 'v' }).imp[0].video).toEqual({ mimes: ['video/mp4'], protocols: [2, 3], w: 640, h: 360 });
    expect(buildTagRequest({ native: { request: { ver: '1.2', assets: [] } }, floor: 0 }, { siteId: 'n' }).imp[0].native).toEqual({ request: '{"ver":"1.2","assets":[]}', ver: '1.2' });
  });
});

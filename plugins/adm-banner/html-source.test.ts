import { parse, type DefaultTreeAdapterTypes } from 'parse5';
import { describe, expect, it } from 'vitest';
import { htmlBody, htmlLinks, type HtmlLink } from './html-source.js';

/** [href as read, the attribute as written] of every link `htmlLinks` finds. */
const linksOf = (html: string) => htmlLinks(html).map((link) => [link.href, html.slice(link.attribute.start, link.attribute.end)]);

/**
 * The reference: the links of the document parse5's full WHATWG tree builder makes of `html` (HTML-namespace
 * `<a>`/`<area>` elements, `<template>` contents included), one per `href` attribute written.
 */
function treeLinks(html: string): HtmlLink[] {
  const links = new Map<number, HtmlLink>();
  const visit = (node: DefaultTreeAdapterTypes.Node): void => {
    if ('tagName' in node) {
      const location = node.sourceCodeLocation?.attrs?.href;
      const href = node.attrs.find((attr) => attr.name === 'href');
      if ((node.tagName === 'a' || node.tagName === 'area') && node.namespaceURI === 'http://www.w3.org/1999/xhtml' && href && location) {
        const name = html.slice(location.startOffset, location.startOffset + 4);
        links.set(location.startOffset, { tag: node.tagName, href: href.value.trim(), attribute: { start: location.startOffset, end: location.endOffset, name } });
      }
      const { content } = node as Partial<DefaultTreeAdapterTypes.Template>;
      if (content) visit(content);
    }
    if ('childNodes' in node) for (const child of node.childNodes) visit(child);
  };
  visit(parse(html, { sourceCodeLocationInfo: true, scriptingEnabled: false }));
  return [...links.values()].sort((a, b) => a.attribute.start - b.attribute.start);
}

describe('htmlLinks', () => {
  it('reads each href as a browser does, with the exact source span of its attribute', () => {
    const html = [
      '<A HREF=\'https://dsp.example/c?a=1&amp;b=2&#38;c=3&lt;\'>x</A>',
      '<a title=x href=http://unquoted.example/?a=1&b=2&amp;c>y</a>',
      '<a  hReF = "  https://spaces.example/  " >z</a>',
      '<a/href="https://slash.example/">s</a>',
      '<a href="https://first.example/" href="https://second.example/">dup</a>',
      '<map><area shape=rect href="https://area.example/?x=%C3%A4&amp;y"></map>',
      '<a href="javascript:void(0)">j</a><a href="">e</a><a>none</a>',
    ].join('\n');
    expect(linksOf(html)).toEqual([
      ['https://dsp.example/c?a=1&b=2&c=3<', 'HREF=\'https://dsp.example/c?a=1&amp;b=2&#38;c=3&lt;\''],
      ['http://unquoted.example/?a=1&b=2&c', 'href=http://unquoted.example/?a=1&b=2&amp;c'],
      ['https://spaces.example/', 'hReF = "  https://spaces.example/  "'],
      ['https://slash.example/', 'href="https://slash.example/"'],
      ['https://first.example/', 'href="https://first.example/"'],
      ['https://area.example/?x=%C3%A4&y', 'href="https://area.example/?x=%C3%A4&amp;y"'],
      ['javascript:void(0)', 'href="javascript:void(0)"'],
      ['', 'href=""'],
    ]);
    expect(htmlLinks(html).map((link) => [link.tag, link.attribute.name])).toEqual([
      ['a', 'HREF'], ['a', 'href'], ['a', 'hReF'], ['a', 'href'], ['a', 'href'], ['area', 'href'], ['a', 'href'], ['a', 'href'],
    ]);
  });

  it.each([
    ['script', '<script>var s = "<a href=\'https://in.example/\'>";</script>'],
    ['upper-case script, end tag with a space', '<SCRIPT>document.write("<a href=\\"https://in.example/\\">")</SCRIPT >'],
    ['escaped script', '<script><!--<script></script><a href="https://in.example/">--></script>'],
    ['style', '<style>/* <a href="https://in.example/"> */</style>'],
    ['textarea', '<textarea><a href="https://in.example/"></textarea>'],
    ['title', '<title><a href="https://in.example/"></title>'],
    ['xmp', '<xmp><a href="https://in.example/"></xmp>'],
    ['iframe', '<iframe><a href="https://in.example/"></iframe>'],
    ['noembed', '<noembed><a href="https://in.example/"></noembed>'],
    ['noframes', '<noframes><a href="https://in.example/"></noframes>'],
    ['comment', '<!-- <a href="https://in.example/"> -->'],
  ])('a link written inside %s is text, not a link', (_name, raw) => {
    const html = `<div>${raw}<a href="https://out.example/">out</a></div>`;
    expect(linksOf(html)).toEqual([['https://out.example/', 'href="https://out.example/"']]);
  });

  it('everything after <plaintext> is text', () => {
    expect(linksOf('<a href="https://a.example/">a</a><plaintext><a href="https://in.example/">')).toEqual([['https://a.example/', 'href="https://a.example/"']]);
  });

  it('finds links in tables (fostered ones too), <noscript> and <template>', () => {
    const html = [
      '<table><tr><td><a href="https://cell.example/">c</a></td></tr><a href="https://fostered.example/">f</a></table>',
      '<noscript><a href="https://noscript.example/">n</a></noscript>',
      '<template><a href="https://template.example/">t</a></template>',
    ].join('');
    expect(htmlLinks(html).map((link) => link.href)).toEqual(['https://cell.example/', 'https://fostered.example/', 'https://noscript.example/', 'https://template.example/']);
  });

  it.each([
    ['an SVG <a>', '<svg><a href="https://in.example/">s</a></svg>'],
    ['a MathML <a>', '<math><a href="https://in.example/">m</a></math>'],
    ['an <a> in <select>', '<select><option><a href="https://in.example/">x</a></option></select>'],
    ['an <a> in <frameset>', '<frameset><a href="https://in.example/">x</a></frameset>'],
    ['an <a> in a <template> of columns', '<template><col><a href="https://in.example/">x</a></template>'],
  ])('%s is no HTML link (the tree builder decides)', (_name, html) => {
    expect(htmlLinks(html)).toEqual([]);
  });

  it('an <a> in an SVG <foreignObject> is an HTML link', () => {
    expect(linksOf('<svg><foreignObject><a href="https://fo.example/">o</a></foreignObject></svg>')).toEqual([['https://fo.example/', 'href="https://fo.example/"']]);
  });

  it('one link per attribute written, though the tree builder clones a misnested <a>', () => {
    expect(linksOf('<p><a href="https://l.example/">x</p>y</a>')).toEqual([['https://l.example/', 'href="https://l.example/"']]);
    expect(linksOf('<svg><p><a href="https://l.example/">x</p>y</a>')).toEqual([['https://l.example/', 'href="https://l.example/"']]);
  });

  it('an SVG or MathML template (no contents) is read without error', () => {
    expect(linksOf('<svg><template></template></svg><math><template></template></math><a href="https://l.example/">x</a>'))
      .toEqual([['https://l.example/', 'href="https://l.example/"']]);
  });

  it('markup without "<a" has no link', () => {
    expect(htmlLinks('<div><img src="https://cdn.example/a.png" alt="a href"><script>x = "<area"</script></div>')).toEqual([]);
  });

  it('finds exactly the links of the WHATWG tree builder, on generated markup', () => {
    const fragments = [
      '<a href="https://x.example/1">', "<A HREF='https://y.example/?a=1&amp;b=2'>", '<a href=http://u.example/?a=1&b=2&amp;c>', '<area href="https://area.example/">',
      '<a/href="https://slash.example/">', '<a href="https://d1/" href="https://d2/">', '<a href="&#104;ttps://ent.example/&lt;x&gt;">', '<a href="https://x/?q=&notin;&not">',
      '<a>', '</a>', '<p>', '</p>', '<div>', '</div>', '<b>', '</b>', '<table>', '<tr>', '<td>', '</td>', '</table>', '<caption>', '<colgroup>', '<col>',
      '<script>', '</script>', '</SCRIPT >', '<style>', '</style>', '<textarea>', '</textarea>', '<title>', '</title>', '<xmp>', '</xmp>', '<iframe>', '</iframe>',
      '<noembed>', '</noembed>', '<noframes>', '</noframes>', '<noscript>', '</noscript>', '<plaintext>', '<template>', '</template>',
      '<!--', '-->', '<!-- c -->', '<![CDATA[', ']]>', '<!DOCTYPE html>', '<html>', '<head>', '</head>', '<body>', '</body>', '</html>',
      '<svg>', '</svg>', '<math>', '</math>', '<foreignObject>', '<select>', '</select>', '<option>', '<frameset>', '<object>', '</object>',
      'text', ' ', '\r\n', '&amp;', '&', '<', '>', '"', "'", '=', '/', '\0', '<br/>', '<img src=x>', '<input type=hidden>', '<form>', '<li>', '<h1>', '</h2>',
      '<a href="https://open/', '<a href=', '<meta charset=utf-8>', '<a href="https://ü.example/👍">', '<?x?>', '</>', '</ a>',
    ];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 1500; i++) {
      const html = Array.from({ length: 1 + random(40) }, () => fragments[random(fragments.length)]).join('');
      expect(htmlLinks(html), html).toEqual(treeLinks(html));
    }
  });
});

describe('htmlBody', () => {
  it('is the inside of an explicit <body>…</body>', () => {
    const html = '<!DOCTYPE html><html><head><title>&lt;body&gt;</title><script>"</body>"</script></head><BODY class=b>\n<p>x</p>\n</BODY ></html>';
    const body = htmlBody(html)!;
    expect(html.slice(body.contentStart, body.contentEnd)).toBe('\n<p>x</p>\n');
  });

  it('is absent from a fragment, and when the tree builder does not take the tags written as the body\'s', () => {
    expect(htmlBody('<div>x</div>')).toBeUndefined();
    expect(htmlBody('<div>x</div><body>y</body>')).toBeUndefined();
    expect(htmlBody('<script>"<body></body>"</script>')).toBeUndefined();
  });
});

import { parse, type DefaultTreeAdapterTypes } from 'parse5';
import { describe, expect, it } from 'vitest';
import { bodyFromTokens, htmlBody, htmlLinks, readHtml, type HtmlBody, type HtmlLink } from './html-source.js';

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
      expect(readHtml(html).links, html).toEqual(treeLinks(html));
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

/** The reference: the body parse5's full tree builder makes, when its start and end tags are both written. */
function treeBody(html: string): HtmlBody | undefined {
  const visit = (node: DefaultTreeAdapterTypes.Node): HtmlBody | undefined => {
    const location = 'tagName' in node ? node.sourceCodeLocation : undefined;
    if ('tagName' in node && node.tagName === 'body' && location?.startTag && location.endTag) {
      return { contentStart: location.startTag.endOffset, contentEnd: location.endTag.startOffset };
    }
    if ('childNodes' in node) for (const child of node.childNodes) {
      const found = visit(child);
      if (found) return found;
    }
    return undefined;
  };
  return visit(parse(html, { sourceCodeLocationInfo: true, scriptingEnabled: false }));
}

describe('htmlBody read with the tokenizer', () => {
  it('finds the body of a usual creative document without the full parser, as the tree builder does', () => {
    const html = [
      '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Ad &amp; co</title>',
      '<style>body{margin:0} /* </body> */</style><script>var s = "<body></body>";</script><link rel="preload" href="x.css">',
      '</head>\n<body class="ad"><div><a href="https://l.example/">x</a><script>document.write("</body>")</script></div>',
      '<noscript><img src="https://p.example/ns"></noscript>\n</body>\n</html>',
    ].join('');
    const found = bodyFromTokens(html);
    expect(found).toEqual(treeBody(html));
    expect(found).not.toBe('needs-tree');
    const body = found as HtmlBody;
    expect(html.slice(body.contentStart - 12, body.contentStart)).toBe('<body class="ad">'.slice(-12));
    expect(html.slice(body.contentEnd, body.contentEnd + 7)).toBe('</body>');
  });

  it.each([
    ['text before <body>', 'x<body>y</body>'],
    ['a tag before <body>', '<div></div><body>y</body>'],
    ['</br> before <body>', '<head></br></head><body>y</body>'],
    ['<noscript> in the head', '<head><noscript><link></noscript></head><body>y</body>'],
    ['a table in the body', '<body><table><tr><td></body></td></tr></table></body>'],
    ['an <object> in the body', '<body><object></body></object></body>'],
  ])('leaves it to the full parser when only the tree builder can tell: %s', (_name, html) => {
    expect(bodyFromTokens(html)).toBe('needs-tree');
    expect(htmlBody(html)).toEqual(treeBody(html));
  });

  it('takes the last </body> the tree builder takes (after </html> too)', () => {
    const html = '<html><body>a</body>b</body>c</html></body>d';
    expect(bodyFromTokens(html)).toEqual(treeBody(html));
    expect(treeBody(html)!.contentEnd).toBe(html.lastIndexOf('</body>'));
  });

  it('agrees with the WHATWG tree builder on generated documents, and decides most of them alone', () => {
    const head = [
      '<!DOCTYPE html>', '<html>', '<html lang=en>', '<head>', '</head>', '<head/>', '<meta charset=utf-8>', '<link rel=x>', '<base href=x>',
      '<title>', '</title>', '<script>', '</script>', '<style>', '</style>', '<noframes>', '</noframes>', '<!-- c -->', ' ', '\n', '\t',
      '</p>', '</div>', 'text', '<div>', '</br>', '</html>', '<noscript>', '</noscript>', '&amp;', '\0', '"</body>"', '<body', '<![CDATA[x]]>',
    ];
    const inside = [
      '<div>', '</div>', '<p>', '</p>', 'text', ' ', '\n', '<a href="https://x.example/">', '</a>', '<img src=x>', '<br>', '</br>', '<body>',
      '<BODY class=x>', '<html>', '</html>', '</body>', '</BODY >', '<script>', '</script>', '<style>', '</style>', '<textarea>', '</textarea>',
      '<title>', '</title>', '<xmp>', '</xmp>', '<iframe>', '</iframe>', '<noembed>', '</noembed>', '<noframes>', '</noframes>', '<noscript>',
      '</noscript>', '<plaintext>', '<!-- </body> -->', '<!--', '-->', '<table>', '</table>', '<td>', '<object>', '</object>', '<button>',
      '</button>', '<form>', '</form>', '<li>', '<b>', '</b>', '<frame>', '<head>', '"', "'", '<', '>', '&', '\0', '<?x?>', '</>', '<body/>',
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = (list: string[], most: number) => Array.from({ length: random(most) }, () => list[random(list.length)]).join('');
    let decided = 0;
    const runs = 2000;
    for (let i = 0; i < runs; i++) {
      // A head-ish prefix, an explicit <body>, body content with a </body> somewhere, and a tail.
      const html = `${pick(head, 6)}<body>${pick(inside, 12)}</body>${pick(inside, 4)}`;
      const found = bodyFromTokens(html);
      if (found !== 'needs-tree') {
        decided++;
        expect(found, html).toEqual(treeBody(html));
      }
      expect(htmlBody(html), html).toEqual(treeBody(html));
      // One reading for links and body: the same links, and the body unless only the full parser can tell.
      const reading = readHtml(html);
      expect(reading.links, html).toEqual(treeLinks(html));
      expect(reading.body, html).toEqual(found === 'needs-tree' && !/<(?:svg|math|select|frameset|template)/i.test(html) ? undefined : treeBody(html) ?? null);
    }
    expect(decided).toBeGreaterThan(runs / 4);
  });
});


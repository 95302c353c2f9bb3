import { Tokenizer, type Token, type TokenHandler } from 'parse5';
import { describe, expect, it } from 'vitest';
import type { HtmlLink } from './html-source.js';
import { plainLinks } from './plain-links.js';

/** The reference: the `<a href>` / `<area href>` start tags parse5's WHATWG tokenizer emits, with its attribute spans. */
function tokenizerLinks(html: string): HtmlLink[] {
  const links: HtmlLink[] = [];
  const ignore = () => {};
  const handler: TokenHandler = {
    onStartTag(token: Token.TagToken) {
      const href = token.attrs.find((attr) => attr.name === 'href');
      const location = token.location?.attrs?.href;
      if ((token.tagName === 'a' || token.tagName === 'area') && href && location) {
        links.push({ tag: token.tagName, href: href.value.trim(), attribute: { start: location.startOffset, end: location.endOffset, name: html.slice(location.startOffset, location.startOffset + 4) } });
      }
    },
    onEndTag: ignore, onCharacter: ignore, onNullCharacter: ignore, onWhitespaceCharacter: ignore, onComment: ignore, onDoctype: ignore, onEof: ignore,
  };
  new Tokenizer({ sourceCodeLocationInfo: true }, handler).write(html, true);
  return links;
}

describe('plainLinks', () => {
  it('reads tags and attributes as the tokenizer does', () => {
    const html = [
      '<A HREF=\'https://a.example/\'>', '<a title="x > y" href=http://u.example/?a=1>', '<a  hReF = "  https://s.example/  " >',
      '<a/href="https://slash.example/"/>', '<a href="https://first/" HREF="https://second/">', '<area href=x/>', '<a href>', '<a href=>',
      '</a href="https://end-tag.example/">', '<div title="<a href=\'https://in-value.example/\'>">', '<a x=y/href=z>', '<a"href="q">',
      '<a =href="q">', '<a href=x"y\'<=`z>', '<a\fhref=f>', '<a\vhref=v>', '<abbr href=x>', '<ahref=x>', '<a href="https://ü.example/👍">',
      '<a href="1"href="2">', '< a href=x>',
    ].join('\n');
    expect(plainLinks(html)).toEqual(tokenizerLinks(html));
    expect(plainLinks(html)!.map((link) => link.href)).toEqual([
      'https://a.example/', 'http://u.example/?a=1', 'https://s.example/', 'https://slash.example/', 'https://first/', 'x/', '', '', 'x"y\'<=`z', 'f',
      'https://ü.example/👍', '1',
    ]);
  });

  it.each([
    ['a tag cut off by the end', '<a href="https://a.example/">x</a><a href="https://cut.example/"'],
    ['an open quote', '<a href="https://open.example/>x</a>'],
    ['a name at the end', '<a href'],
    ['a "</" at the end', '<a href=x></'],
  ])('%s: no tag, as for the tokenizer', (_name, html) => {
    expect(plainLinks(html)).toEqual(tokenizerLinks(html));
  });

  it.each([
    ['an entity', '<a href="https://a.example/?a=1&amp;b=2">'],
    ['a comment', '<!-- <a href="https://in.example/"> --><a href=x>'],
    ['a doctype', '<!DOCTYPE html><a href=x>'],
    ['a processing instruction', '<?x <a href="https://in.example/"> ?><a href=x>'],
    ['a bogus end tag', '</ <a href="https://in.example/">><a href=x>'],
    ['a script', '<script>"<a href=\'https://in.example/\'>"</script><a href=x>'],
    ['a textarea', '<TEXTAREA><a href="https://in.example/"></TEXTAREA><a href=x>'],
    ['a carriage return', '<a\rhref=x>'],
    ['a NUL', '<a href=x\0>'],
  ])('leaves markup with %s to the tokenizer', (_name, html) => {
    expect(plainLinks(html)).toBeUndefined();
  });

  it('agrees with the tokenizer on generated plain markup', () => {
    const fragments = [
      '<a href="https://x.example/1">', "<A HREF='https://y.example/'>", '<a href=http://u.example/?a=1>', '<area href="https://area.example/">',
      '<a/href="https://slash.example/">', '<a href="https://d1/" href="https://d2/">', '<a href>', '<a href=>', '<a href', '<a', '</a>', '</a href=x>',
      '<p>', '</p>', '<div title="', '<div title=\'', '">', "'>", '<b/>', '<img src=x>', '<br/>', '<noscript>', '</noscript>', '<table>', '<td>',
      'text', ' ', '\n', '\t', '\f', '<', '>', '"', "'", '=', '/', '`', '<a title=x', ' href="https://h.example/"', ' HREF=h', '/>', ' =x', '"y',
      '<a href="https://ü.example/👍">', '</', '<body>', '</body>',
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let plain = 0;
    for (let i = 0; i < 3000; i++) {
      const html = Array.from({ length: 1 + random(30) }, () => fragments[random(fragments.length)]).join('');
      const links = plainLinks(html);
      if (links === undefined) continue;
      plain++;
      expect(links, html).toEqual(tokenizerLinks(html));
    }
    expect(plain).toBeGreaterThan(2_000);
  });
});

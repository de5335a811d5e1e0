import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unacceptedTextOf } from '../../src/domain/event-text.js';
import { MAX_URL_LENGTH, recordableUrl, recordedUrlFault, textFault } from '../../src/domain/text.js';

/*
 * The one rule of what text and a source's URL may hold (src/domain/text.ts): what it accepts
 * can be hashed (RFC 8785), and a URL it records is a URI by the same validator the response
 * schema's `format: uri` is checked with, and comes back unchanged.
 */

const ajv = new Ajv2020({ strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const isUri = ajv.compile({ type: 'string', format: 'uri' });

/** The rule, written again by code point, independently of the regular expressions in src/. */
function outsideText(s: string, line = false): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) return true;
    if (c <= 0x1f && (line || (c !== 0x09 && c !== 0x0a && c !== 0x0d))) return true;
    if (c >= 0x7f && c <= 0x9f) return true;
  }
  return false;
}

/** Strings rich in what the rule is about: controls, lone and paired surrogates, emoji, RTL, combining marks. */
const EDGE = [
  '\u0000',
  '\u0001',
  '\t',
  '\n',
  '\r',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009f',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\ud83d\ude00',
  '\u200f',
  '\u0301',
  '\ufeff',
  '\uffff',
  ' ',
  '%',
  '%zz',
  '%41',
  '#',
  '?',
  '[',
  ']',
  '{',
  '|',
  '^',
  '`',
  '<',
  '"',
  '\\',
  'é',
  'я',
];
const edgy = fc
  .array(fc.oneof(fc.constantFrom(...EDGE), fc.string({ unit: 'binary', maxLength: 4 }), fc.string({ maxLength: 6 })), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

describe('the text rule', () => {
  it.each([
    ['plain', 'Istanbul talks, 16 May 2025'],
    ['emoji (a surrogate pair)', 'ok \u{1F600}'],
    ['tab, LF, CR', 'a\tb\nc\r\nd'],
    ['Cyrillic, Arabic, RTL mark', 'Україна — روسيا \u200f'],
  ])('accepts %s', (_name, s) => expect(textFault(s)).toBeNull());

  it.each([
    ['a lone high surrogate', 'P\ud800', /lone UTF-16 surrogate \(U\+D800 at character 2\)/],
    ['a lone low surrogate after an emoji', '\u{1F600}\udc00', /lone UTF-16 surrogate \(U\+DC00 at character 2\)/],
    ['NUL', 'a\u0000', /control character U\+0000 \(at character 2\)/],
    ['DEL', '\u007f', /U\+007F/],
    ['a C1 control', 'x\u0085', /U\+0085/],
    ['escape', 'x\u001b[31m', /U\+001B/],
  ])('refuses %s, saying what and where', (_name, s, message) => expect(textFault(s)).toMatch(message));

  it('accepts exactly what the rule says, and what it accepts can be hashed', () => {
    fc.assert(
      fc.property(edgy, (s) => {
        expect(textFault(s) === null).toBe(!outsideText(s));
        if (textFault(s) === null) expect(() => canonicalize({ s })).not.toThrow();
      }),
      { seed: 16, numRuns: 2000 },
    );
  });
});

describe('a source URL', () => {
  it.each([
    ['https://example.org/a b', 'https://example.org/a%20b'],
    [
      'https://example.org/\u{1F600}?q=\u{1F600}#\u{1F600}',
      'https://example.org/%F0%9F%98%80?q=%F0%9F%98%80#%F0%9F%98%80',
    ],
    ['https://example.org/<script>', 'https://example.org/%3Cscript%3E'],
    ['  https://EXAMPLE.org  ', 'https://example.org/'],
    ['https://мвс.гов.укр/новини', 'https://xn--b1atq.xn--b1ab7a.xn--j1amh/%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8'],
    [
      'https://example.org/a|b^c[d]{e}`f%zz?x={y}|^[]`#f#g{}',
      'https://example.org/a%7Cb%5Ec%5Bd%5D%7Be%7D%60f%25zz?x=%7By%7D%7C%5E%5B%5D%60#f%23g%7B%7D',
    ],
    ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
  ])('%j is recorded as %j', (sent, url) => {
    expect(recordableUrl(sent)).toEqual({ ok: true, url });
    expect(isUri(url)).toBe(true);
  });

  it.each([
    ['https://<script>', /not a URL/],
    ['https://example.org/\u0000', /U\+0000/],
    ['https://exa\tmple.org/', /U\+0009/],
    ['https://example.org/\ud800', /lone UTF-16 surrogate/],
    ['javascript:alert(1)', /http or https/],
    ['ftp://example.org/', /http or https/],
    ['https://user:secret@example.org/', /user name or password/],
    ['https://a{b.com/', /host/],
    ['https://example.org:99999/', /not a URL/],
    [`https://example.org/${'\u{1F600}'.repeat(200)}`, /at most 2000 characters once normalised/],
  ])('%j is refused', (sent, message) => {
    const verdict = recordableUrl(sent);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.message).toMatch(message);
  });

  it('is recorded as a URI, at most 2000 characters, that comes back unchanged and shows as it is', () => {
    const url = fc
      .tuple(
        fc.webUrl({ withQueryParameters: true, withFragments: true, validSchemes: ['http', 'https'] }),
        edgy,
        edgy,
        fc.nat(),
      )
      .map(([u, a, b, at]) => `${u.slice(0, at % (u.length + 1))}${a}${u.slice(at % (u.length + 1))}${b}`);
    let recorded = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          url,
          edgy.map((s) => `https://${s}`),
        ),
        (sent) => {
          const verdict = recordableUrl(sent);
          if (!verdict.ok) return;
          recorded += 1;
          expect(isUri(verdict.url), verdict.url).toBe(true);
          expect(verdict.url.length).toBeLessThanOrEqual(MAX_URL_LENGTH);
          expect(recordableUrl(verdict.url)).toEqual(verdict);
          expect(recordedUrlFault(verdict.url)).toBeNull();
        },
      ),
      { seed: 16, numRuns: 3000 },
    );
    // The property said something: a good part of these are URLs (the rest are refused).
    expect(recorded).toBeGreaterThan(300);
  });

  it('found in the ledger, is shown as it is only when every validator of `format: uri` takes it', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.webUrl({ validSchemes: ['http', 'https'] }),
          edgy.map((s) => `https://example.org/${s}`),
        ),
        (url) => {
          if (recordedUrlFault(url) === null) expect(isUri(url), url).toBe(true);
        },
      ),
      { seed: 16, numRuns: 2000 },
    );
    // An earlier build recorded URLs as sent: not normalised is no fault.
    expect(recordedUrlFault('https://EXAMPLE.org')).toBeNull();
    expect(recordedUrlFault('https://example.org/a b')).toMatch(/not an RFC 3986 URI/);
  });
});

describe('an event’s text', () => {
  it('is every string of its data, source and note, each named by its path', () => {
    const found = unacceptedTextOf({
      data: { exchangeId: 'x', title: 'a\u0000', sides: [{ party: 'UA\ud800' }] } as never,
      source: { title: 'ok', url: 'https://example.org/a b', publishedAt: '2025\u0007' },
      note: 'fine',
    });
    expect(found.map((f) => f.path)).toEqual(['data.title', 'data.sides.0.party', 'source.publishedAt', 'source.url']);
    expect(
      unacceptedTextOf({
        data: { title: 'x' } as never,
        source: { title: 't', url: 'https://example.org/' },
        note: null,
      }),
    ).toEqual([]);
  });
});

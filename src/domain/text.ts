/**
 * What the ledger's text may hold: one rule, used to refuse a request (http/schemas), to find
 * an event an earlier build wrote outside it (verify) and to show such an event safely (the
 * read routes). Whatever passes it can be hashed (RFC 8785 refuses lone surrogates), stored,
 * exported and read back through the published response schemas.
 */

/** The rule in words, for the OpenAPI document. */
export const TEXT_RULE =
  'Unicode text: no lone UTF-16 surrogates, no control characters but tab, line feed and carriage return.';

/** Half of a surrogate pair without its other half: no character, and no text (RFC 8785 refuses it). */
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
/** Code points a text may not hold: C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates. */
const OUTSIDE_TEXT = new RegExp(`[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]|${LONE_SURROGATE}`);
/** The same, and no tab, LF or CR either: a URL is one line, and the URL parser would silently drop them. */
const OUTSIDE_LINE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f]|${LONE_SURROGATE}`);

const hex = (unit: number) => `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;

function fault(value: string, outside: RegExp): string | null {
  const found = outside.exec(value);
  if (!found) return null;
  const unit = found[0].charCodeAt(0);
  // Counted in characters (code points), as a person counts them.
  const at = [...value.slice(0, found.index)].length + 1;
  return unit >= 0xd800 && unit <= 0xdfff
    ? `must not hold a lone UTF-16 surrogate (${hex(unit)} at character ${at}): half a character is not text`
    : `must not hold the control character ${hex(unit)} (at character ${at})`;
}

/** null when `value` is text the ledger accepts; otherwise why not. */
export const textFault = (value: string): string | null => fault(value, OUTSIDE_TEXT);

export const MAX_URL_LENGTH = 2000;

/** The rule for a source's URL in words, for the OpenAPI document. */
export const URL_RULE =
  'An http or https URL, normalised before it is recorded: parsed by the WHATWG URL Standard and ' +
  'stored as its serialisation, with the characters RFC 3986 does not allow there percent-encoded, so that what is ' +
  'recorded is always an RFC 3986 URI (`https://example.org/a b` is recorded as `https://example.org/a%20b`, an ' +
  'internationalised domain name in its `xn--` form). Refused (400): what the parser refuses, another scheme, a user ' +
  `name or password (it would be published), control characters, more than ${MAX_URL_LENGTH} characters once normalised.`;

export type UrlVerdict = { ok: true; url: string } | { ok: false; message: string };

/** RFC 3986 reg-name, or an IP literal as the WHATWG parser writes one; then an optional port. */
const HOST = /^(?:[a-z0-9\-._~!$&'()*+,;=]+|\[[0-9a-f:.]+\])(?::\d+)?$/;
/** Characters RFC 3986 allows in a path (besides percent-encodings), and in a query or fragment. */
const PATH_CHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
const QUERY_CHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@/?]/;

/**
 * Percent-encodes what RFC 3986 does not allow in this part (a `%` not followed by two hex
 * digits included); `lead` is the character that opens the part (a second `#` is encoded).
 */
function strictly(part: string, allowed: RegExp, lead: string): string {
  let out = '';
  for (let i = 0; i < part.length; i += 1) {
    const c = part[i]!;
    if ((i === 0 && c === lead) || allowed.test(c) || (c === '%' && /^[0-9A-Fa-f]{2}$/.test(part.slice(i + 1, i + 3))))
      out += c;
    else out += encodeURIComponent(c);
  }
  return out;
}

/**
 * The form in which a source's URL is recorded, or why it cannot be. Only ASCII is left
 * to encode once the WHATWG parser has serialised it, so each character is one code unit.
 * Idempotent: a recorded URL comes back unchanged.
 */
export function recordableUrl(input: string): UrlVerdict {
  const refuse = (message: string): UrlVerdict => ({ ok: false, message });
  const bad = fault(input, OUTSIDE_LINE);
  if (bad) return refuse(bad);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse('is not a URL (the WHATWG URL Standard cannot parse it)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('must be an http or https URL');
  if (url.username !== '' || url.password !== '')
    return refuse('must not hold a user name or password: it would be published with the record');
  if (!HOST.test(url.host)) return refuse('must name its host by a domain name or an IP address');
  const recorded = `${url.protocol}//${url.host}${strictly(url.pathname, PATH_CHAR, '/')}${strictly(url.search, QUERY_CHAR, '?')}${strictly(url.hash, QUERY_CHAR, '#')}`;
  if (recorded.length > MAX_URL_LENGTH)
    return refuse(`must be at most ${MAX_URL_LENGTH} characters once normalised (this one has ${recorded.length})`);
  return { ok: true, url: recorded };
}

/**
 * An http(s) URI as RFC 3986 writes one, without user information: what the response schema
 * promises (`format: uri`). Narrower than the RFC's grammar, never wider, so that a URL it
 * passes is one every validator of that format passes too.
 */
const RECORDED_URL = new RegExp(
  "^https?://(?:(?:[a-z0-9\\-._~!$&'()*+,;=]|%[0-9a-f]{2})*|\\[[0-9a-f:.]+\\])(?::\\d{0,5})?" +
    "(?:/(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*" +
    "(?:\\?(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?" +
    "(?:#(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$",
  'i',
);

/**
 * null when a URL found in the ledger is one this build would accept and can show as it is
 * (it need not be in the normalised form: an earlier build recorded URLs as they were sent,
 * and `https://EXAMPLE.org` is as good a URI as `https://example.org/`); otherwise why not.
 */
export function recordedUrlFault(url: string): string | null {
  let fault = judged.get(url);
  if (fault === undefined) {
    const verdict = recordableUrl(url);
    fault = !verdict.ok
      ? verdict.message
      : url.length > MAX_URL_LENGTH || !RECORDED_URL.test(url)
        ? 'is not an RFC 3986 URI as recorded'
        : null;
    // Verify asks this of every source in the ledger, and a ledger cites the same report many
    // times over: the URLs met last are remembered, in bounded memory.
    if (judged.size >= 10_000) judged.clear();
    judged.set(url, fault);
  }
  return fault;
}

const judged = new Map<string, string | null>();

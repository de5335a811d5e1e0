/**
 * What every answer of the page carries. The page runs only its own script and style, talks
 * only to this service, and builds its DOM without HTML strings (Trusted Types enforced), so
 * the ledger's own text (titles, sources, notes) can never run as code in a reader's browser.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // A source's link leads off the ledger: it learns nothing of what the reader was looking at.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** index.html is looked at again on every load (cheaply: ETag); assets are named by their content. */
export const CACHE_INDEX = 'no-cache';
export const CACHE_ASSET = 'public, max-age=31536000, immutable';

/** Whether the client takes gzip (RFC 9110 §12.5.3: a token, or `*`, with a q-value above 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (coding.trim() === 'gzip') gzip = Number.isFinite(q) ? q : 0;
    else if (coding.trim() === '*') any = Number.isFinite(q) ? q : 0;
  }
  return (gzip ?? any ?? 0) > 0;
}

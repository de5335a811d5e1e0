/**
 * Content negotiation by the Accept header (RFC 9110 §12.5.1), for the media types a route
 * offers. Each offered type takes the quality of the most specific range that matches it
 * (`text/csv;q=0` refuses CSV even beside `*\/*`); the best quality wins, ties going to the
 * route's own order (its first type is the one it prefers). Parameters other than `q` are
 * not compared: `application/json; charset=utf-8` asks for JSON.
 */

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

const PROBLEM_JSON = 'application/problem+json';

function parseRanges(header: string): MediaRange[] {
  return header.split(',').flatMap((part) => {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const slash = range.indexOf('/');
    if (slash <= 0 || slash === range.length - 1) return [];
    const qParam = params.find((p) => p.startsWith('q='));
    // A quality that is not a qvalue (0 to 1, three decimals at most) makes the range unusable.
    const q =
      qParam === undefined ? 1 : /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(qParam.slice(2)) ? Number(qParam.slice(2)) : 0;
    return [{ type: range.slice(0, slash), subtype: range.slice(slash + 1), q }];
  });
}

/** How specifically `range` names `type/subtype`: 2 exactly, 1 by `type/*`, 0 by `*\/*`, -1 not at all. */
function specificity(range: MediaRange, type: string, subtype: string): number {
  if (range.type === type && range.subtype === subtype) return 2;
  if (range.type === type && range.subtype === '*') return 1;
  return range.type === '*' && range.subtype === '*' ? 0 : -1;
}

function qualityOf(ranges: readonly MediaRange[], offered: string, preferred: boolean): number {
  const [type = '', subtype = ''] = offered.split('/');
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    // A client that names only problem+json reads JSON: it gets the route's usual answer.
    const s = preferred && `${range.type}/${range.subtype}` === PROBLEM_JSON ? 2 : specificity(range, type, subtype);
    if (s > best || (s === best && range.q > q)) {
      best = s;
      q = range.q;
    }
  }
  return best < 0 ? 0 : q;
}

/**
 * The offered media type to answer with, or null when the header allows none of them. No
 * header (or an empty one) allows anything.
 */
export function negotiate(accept: string | undefined, offered: readonly [string, ...string[]]): string | null {
  if (accept === undefined || accept.trim() === '' || accept === '*/*') return offered[0];
  const ranges = parseRanges(accept);
  let chosen: string | null = null;
  let chosenQ = 0;
  offered.forEach((type, i) => {
    const q = qualityOf(ranges, type, i === 0);
    if (q > chosenQ) {
      chosen = type;
      chosenQ = q;
    }
  });
  return chosen;
}

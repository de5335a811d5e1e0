/**
 * The page's only way of making DOM: elements and text nodes, never HTML strings, so that
 * text from the ledger (titles, sources, notes) is always shown as text. The CSP enforces it
 * (Trusted Types with no policy: any HTML-string sink throws).
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces what an element shows. */
export function show(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A link to a source, only for http(s) addresses (the API allows no other, but the page checks again). */
export function sourceLink(url: string | undefined, text: string): Node {
  if (url === undefined) return document.createTextNode(text);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return document.createTextNode(text);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return document.createTextNode(text);
  return h(
    'a',
    { href: parsed.href, rel: 'noopener noreferrer external', target: '_blank', class: 'source-link' },
    text,
  );
}

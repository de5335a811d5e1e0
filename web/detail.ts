import { type Api, mapLimit } from './api.js';
import { h, show, sourceLink, type Child } from './dom.js';
import { behind, FIGURE_TEXT, mayAdd, type Behind } from './figures.js';
import { count, KIND_NAMES, statusBadge, worldTime } from './format.js';
import { monthBounds, monthLabel } from './months.js';
import type { Exchange, Figure, Kind, LedgerEvent } from './types.js';

export interface FigureRoute {
  party: string;
  kind: Kind;
  figure: Figure;
  /** A month of the chart ('YYYY-MM'): the stages of that month only. */
  month?: string;
}

const PAGE = 25;

/**
 * A figure and what is behind it: the party's exchanges of the kind, each with its stages and
 * their sources, and the sum of what they add, checked against the figure the totals give.
 */
export async function figureView(
  app: HTMLElement,
  api: Api,
  r: FigureRoute,
  stillCurrent: () => boolean,
): Promise<void> {
  const bounds = r.month ? monthBounds(r.month) : {};
  const [row] = await api.totals({ party: r.party, kind: r.kind, ...bounds });
  if (!stillCurrent()) return;
  const figure = row?.[r.figure] ?? 0;
  const text = FIGURE_TEXT[r.figure];
  const list = h('div', { class: 'exchanges' });
  const tally = h('p', { class: 'check', id: 'figure-check', 'aria-live': 'polite' });
  const more = h('div', { class: 'more' });
  show(
    app,
    h(
      'section',
      { class: 'panel figure-panel' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← All totals')),
      h('h2', {}, `${r.party} · ${KIND_NAMES[r.kind]} · ${text.label}${r.month ? ` · ${monthLabel(r.month)}` : ''}`),
      h(
        'p',
        { class: 'figure-value' },
        h('span', { id: 'figure-value', 'data-value': figure }, count(figure)),
        r.figure === 'agreedOutstanding' &&
          row &&
          row.unspecifiedSides > 0 &&
          h('span', { class: 'unspecified' }, ` + ${row.unspecifiedSides} side(s) without a number`),
      ),
      h(
        'p',
        { class: 'lede' },
        `Counts ${text.counts(r.party, KIND_NAMES[r.kind].toLowerCase())}` +
          `${r.month ? `, in ${monthLabel(r.month)} (UTC)` : ''}.`,
      ),
      tally,
    ),
    list,
    more,
  );

  // Read page after page of the party's exchanges, in full only those that can add to the figure,
  // until what is listed makes up the figure: no exchange left can add to it then (nothing
  // counts below 0), and reading the rest is left to the reader.
  const wanted = { value: figure, unspecified: r.figure === 'agreedOutstanding' ? (row?.unspecifiedSides ?? 0) : 0 };
  const got = { value: 0, unspecified: 0, shown: 0, read: 0 };
  let cursor: string | undefined;
  const readPage = async (): Promise<boolean> => {
    const page = await api.exchanges({
      party: r.party,
      kind: r.kind,
      limit: PAGE,
      cursor,
      ...(text.status && { status: text.status }),
      // A stage of a month cannot precede its exchange's proposal.
      ...(r.month && { to: monthBounds(r.month).to }),
    });
    const candidates = page.data.filter((e) => mayAdd(r.figure, e, r.party, r.month));
    const read = await mapLimit(candidates, 4, async (e) => {
      const [exchange, history] = await Promise.all([api.exchange(e.id), api.history(e.id)]);
      return { exchange, history, part: behind(r.figure, exchange, r.party, r.month) };
    });
    if (!stillCurrent()) return true;
    got.read += page.data.length;
    for (const { exchange, history, part } of read) {
      if (!part.relevant) continue;
      got.value += part.value;
      got.unspecified += part.unspecified;
      got.shown += 1;
      list.append(exchangeCard(exchange, history, part, r));
    }
    cursor = page.nextCursor ?? undefined;
    return page.nextCursor === null;
  };
  const readOn = async (all: boolean): Promise<void> => {
    show(more, null);
    let complete = false;
    for (let pages = 0; pages < AUTO_PAGES; pages++) {
      complete = await readPage();
      if (!stillCurrent()) return;
      const madeUp = got.value === wanted.value && got.unspecified === wanted.unspecified;
      if (complete || (madeUp && !all)) break;
    }
    const madeUp = got.value === wanted.value && got.unspecified === wanted.unspecified;
    show(tally, tallyText(got, wanted.value, complete, madeUp));
    tally.className = `check ${madeUp ? 'check-ok' : complete ? 'check-off' : ''}`;
    if (!complete) {
      show(
        more,
        h(
          'button',
          { type: 'button', id: 'load-more', onclick: () => void readOn(madeUp) },
          madeUp ? 'Read the remaining exchanges too' : 'Read more exchanges',
        ),
      );
    }
    if (complete && got.shown === 0)
      list.append(h('p', { class: 'panel muted' }, 'No exchange is behind this figure.'));
  };
  await readOn(false);
}

/** Pages read in one go (25 exchanges each) before the reader is asked to go on. */
const AUTO_PAGES = 20;

function tallyText(
  got: { value: number; shown: number; read: number },
  figure: number,
  complete: boolean,
  madeUp: boolean,
): Child[] {
  const one = got.shown === 1;
  const listed = `${got.shown} exchange${one ? '' : 's'} listed below add${one ? 's' : ''} up to ${count(got.value)}`;
  const rest = got.read - got.shown;
  const others =
    rest > 0
      ? ` (${rest} more of the party’s exchange${rest === 1 ? '' : 's'} of this kind ` +
        `add${rest === 1 ? 's' : ''} nothing to it)`
      : '';
  if (madeUp)
    return [
      `${listed}: the figure${others}.` +
        (complete ? '' : ' The exchanges not read yet cannot add to it: nothing counts below 0.'),
    ];
  if (!complete) return [`${listed} so far, of ${count(figure)}${others}; more remain to be read.`];
  return [
    `${listed}, but the figure is ${count(figure)}: ` +
      'the ledger may have changed while the page was reading it. Reload to read it again.',
  ];
}

const EVENT_WORDS: Record<string, string> = {
  ExchangeProposed: 'Proposed',
  ExchangeCountered: 'Countered',
  ExchangeAgreed: 'Agreed',
  ExchangeRejected: 'Rejected',
  ExchangeWithdrawn: 'Withdrawn',
  ExchangeCancelled: 'Cancelled',
  ExchangeCompleted: 'Completed',
  StageRecorded: 'Stage recorded',
  StageVoided: 'Stage voided',
};

const sourceOf = (e: LedgerEvent | undefined): Child =>
  e?.source
    ? [
        sourceLink(e.source.url, e.source.title),
        e.source.publishedAt ? h('span', { class: 'muted' }, ` (published ${worldTime(e.source.publishedAt)})`) : null,
      ]
    : h('span', { class: 'muted' }, 'no source given');

function exchangeCard(exchange: Exchange, history: readonly LedgerEvent[], part: Behind, r: FigureRoute): HTMLElement {
  const other = exchange.sides.find((s) => s.party !== r.party)?.party ?? '';
  const stageEvent = new Map<string, LedgerEvent>();
  const voidEvent = new Map<string, LedgerEvent>();
  for (const e of history) {
    const d = e.data as { stageId?: string; finalStageId?: string | null };
    if (e.type === 'StageRecorded' && d.stageId) stageEvent.set(d.stageId, e);
    if (e.type === 'ExchangeCompleted' && d.finalStageId) stageEvent.set(d.finalStageId, e);
    if (e.type === 'StageVoided' && d.stageId) voidEvent.set(d.stageId, e);
  }
  const isStageFigure = r.figure === 'handedOver' || r.figure === 'received';
  return h(
    'article',
    { class: 'panel exchange', 'data-exchange': exchange.id },
    h(
      'header',
      { class: 'exchange-head' },
      h('h3', {}, exchange.title ?? `${KIND_NAMES[exchange.kind]} exchange`),
      statusBadge(exchange.status),
      h(
        'span',
        { class: 'exchange-adds' },
        'adds ',
        h('strong', { 'data-adds': part.value }, count(part.value)),
        part.unspecified > 0 ? ` + ${part.unspecified} side without a number` : '',
      ),
    ),
    h(
      'p',
      { class: 'meta' },
      `Proposed ${worldTime(exchange.occurredAt)}`,
      exchange.agreedAt && ` · agreed ${worldTime(exchange.agreedAt)}`,
      exchange.mediator && ` · mediator ${exchange.mediator}`,
      ' · ',
      h('code', { class: 'id' }, exchange.id),
    ),
    h(
      'table',
      { class: 'figures sides-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Party'),
          h('th', { scope: 'col', class: 'num' }, 'Terms: hands over'),
          h('th', { scope: 'col', class: 'num' }, 'Delivered'),
          h('th', { scope: 'col', class: 'num' }, 'Variance'),
        ),
      ),
      h(
        'tbody',
        {},
        exchange.sides.map((s) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, s.party),
            h('td', { class: 'num' }, s.handsOver === null ? 'not specified' : count(s.handsOver)),
            h('td', { class: 'num' }, count(s.delivered)),
            h('td', { class: 'num' }, s.variance === null ? '—' : `${s.variance > 0 ? '+' : ''}${count(s.variance)}`),
          ),
        ),
      ),
    ),
    part.stages.length > 0 &&
      h(
        'table',
        { class: 'figures stages-table' },
        h('caption', {}, r.month ? `Stages in ${monthLabel(r.month)}` : 'Stages'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Carried out'),
            h('th', { scope: 'col', class: 'num' }, `${r.party} handed over`),
            h('th', { scope: 'col', class: 'num' }, `${other} handed over`),
            isStageFigure && h('th', { scope: 'col', class: 'num' }, 'Counted'),
            h('th', { scope: 'col' }, 'Source'),
            h('th', { scope: 'col' }, 'Recorded'),
          ),
        ),
        h(
          'tbody',
          {},
          part.stages.map(({ stage, own, other: theirs, counted }) => {
            const voided = stage.voided;
            return [
              h(
                'tr',
                {
                  class: voided ? 'stage voided' : 'stage',
                  'data-stage': stage.id,
                  'data-voided': voided ? 'true' : 'false',
                },
                h('td', {}, worldTime(stage.occurredAt)),
                h('td', { class: 'num' }, count(own)),
                h('td', { class: 'num' }, count(theirs)),
                isStageFigure && h('td', { class: 'num counted' }, counted === null ? '—' : count(counted)),
                h('td', { class: 'source' }, sourceOf(stageEvent.get(stage.id))),
                h('td', { class: 'muted' }, worldTime(stage.recordedAt)),
              ),
              voided &&
                h(
                  'tr',
                  { class: 'void-note' },
                  h(
                    'td',
                    { colspan: isStageFigure ? 6 : 5 },
                    h('strong', {}, 'Voided'),
                    ` (${worldTime(voided.occurredAt)}): ${voided.reason}. `,
                    'Source: ',
                    sourceOf(voidEvent.get(stage.id)),
                  ),
                ),
            ];
          }),
        ),
      ),
    h(
      'details',
      { class: 'history' },
      h('summary', {}, `History and sources (${history.length} events)`),
      h(
        'ol',
        {},
        history.map((e) =>
          h(
            'li',
            {},
            h('span', { class: 'event-type' }, EVENT_WORDS[e.type] ?? e.type),
            ' ',
            h('span', { class: 'muted' }, worldTime(e.occurredAt)),
            ' — ',
            sourceOf(e),
            e.note && h('span', { class: 'note' }, ` — ${e.note}`),
          ),
        ),
      ),
    ),
  );
}

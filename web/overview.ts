import { type Api, mapLimit } from './api.js';
import { handoverChart } from './chart.js';
import { h, show } from './dom.js';
import { count, figureHref, KIND_NAMES, worldTime } from './format.js';
import {
  lastPossibleMonth,
  monthBounds,
  monthLabel,
  monthlyHandovers,
  monthOf,
  monthsFromTo,
  narrowed,
  type Monthly,
} from './months.js';
import { FIGURE_TEXT } from './figures.js';
import { KINDS } from '../src/domain/vocabulary.js';
import { FIGURES, type Head, type Kind, type Party, type Totals } from './types.js';

/** The overview: totals by party and kind, handovers by month, the ledger's head and how to check it. */
export async function overview(app: HTMLElement, api: Api, stillCurrent: () => boolean): Promise<void> {
  const [head, totals, parties, first] = await Promise.all([
    api.head(),
    api.totals(),
    api.parties(),
    api.exchanges({ limit: 1 }),
  ]);
  if (!stillCurrent()) return;
  const chartBox = h('div', { class: 'chart-box' }, h('p', { class: 'loading' }, 'Reading the months…'));
  show(
    app,
    totalsSection(totals, parties),
    h(
      'section',
      { class: 'panel', id: 'monthly', 'aria-labelledby': 'monthly-title' },
      h('h2', { id: 'monthly-title' }, 'Handovers by month'),
      h(
        'p',
        { class: 'lede' },
        'Persons handed over each month, one bar per party that handed them over, stacked by kind. ' +
          'Voided stages are left out. Click a bar for the stages behind it and their sources; ' +
          'click a legend entry to hide or show its bars.',
      ),
      chartBox,
    ),
    headSection(head),
  );

  // The earliest stage cannot precede its exchange's proposal (the list is oldest proposal first),
  // nor lie more than a day past the last recording: those months bound the chart.
  const firstProposal = first.data[0]?.occurredAt;
  const lastMonth = lastPossibleMonth(head);
  const months = firstProposal && lastMonth ? monthsFromTo(monthOf(firstProposal), lastMonth) : [];
  const progress = chartBox.querySelector('.loading')!;
  let read = 0;
  const perMonth = await mapLimit(months, 4, async (m) => {
    const rows = await api.totals(monthBounds(m));
    progress.textContent = `Reading the months… ${++read} of ${months.length}`;
    return rows;
  });
  if (!stillCurrent()) return;
  const all = monthlyHandovers(months, perMonth);
  if (all.months.length === 0) {
    show(chartBox, h('p', { class: 'muted' }, 'No stage has been recorded yet.'));
    return;
  }
  const partyChoice = choice(
    'chart-party',
    'Party',
    'All parties',
    [...new Set(all.series.map((s) => s.party))].map((p) => [p, p]),
  );
  const kindChoice = choice(
    'chart-kind',
    'Kind',
    'All kinds',
    KINDS.filter((k) => all.series.some((s) => s.kind === k)).map((k) => [k, KIND_NAMES[k]]),
  );
  const holder = h('div', { class: 'chart-canvas' });
  const note = h('p', { class: 'muted chart-note' });
  const table = h('div', { class: 'table-scroll' });
  let chart: { destroy(): void } | null = null;
  const draw = () => {
    const view = narrowed(all, partyChoice.select.value || null, (kindChoice.select.value || null) as Kind | null);
    chart?.destroy();
    const canvas = h('canvas', {
      id: 'handover-chart',
      role: 'img',
      'aria-label': 'Persons handed over per month, by party and kind; the same figures are in the table below',
    });
    show(holder, canvas);
    const drawn = handoverChart(canvas, view, (party, kind, month) => {
      location.hash = figureHref(party, kind, 'handedOver', month);
    });
    chart = drawn.chart;
    const parties = new Set(view.series.map((s) => s.party)).size;
    show(
      note,
      drawn.byParty
        ? null
        : `The ${parties} parties are added up, by kind: choose a party to see its own bars and open their stages.`,
    );
    show(table, monthlyTable(view));
  };
  partyChoice.select.addEventListener('change', draw);
  kindChoice.select.addEventListener('change', draw);
  show(
    chartBox,
    h('div', { class: 'chart-controls' }, partyChoice.label, kindChoice.label),
    holder,
    note,
    reconciliation(all, totals),
    h('details', { class: 'monthly-details' }, h('summary', {}, 'The chart’s figures, month by month'), table),
  );
  draw();
}

function choice(id: string, label: string, all: string, options: [string, string][]) {
  const select = h(
    'select',
    { id },
    h('option', { value: '' }, all),
    options.map(([value, text]) => h('option', { value }, text)),
  );
  return { select, label: h('label', { for: id }, label, ' ', select) };
}

function totalsSection(unordered: readonly Totals[], parties: readonly Party[]): HTMLElement {
  const nameOf = new Map(parties.map((p) => [p.id, p.name]));
  // Parties as the API orders them; within a party, the kinds in the ledger's own order.
  const totals = [...unordered].sort((a, b) =>
    a.party === b.party ? KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) : a.party < b.party ? -1 : 1,
  );
  const section = h(
    'section',
    { class: 'panel', id: 'totals', 'aria-labelledby': 'totals-title' },
    h('h2', { id: 'totals-title' }, 'Totals by party and kind'),
    h(
      'p',
      { class: 'lede' },
      'Persons each party has handed over and received in the stages recorded so far, what it has agreed ' +
        'to hand over and not yet delivered, and what is still only proposed. ' +
        'Every figure opens the exchanges, stages and sources behind it.',
    ),
  );
  if (totals.length === 0) {
    section.append(h('p', { class: 'muted' }, 'The ledger holds no exchange yet.'));
    return section;
  }
  const rows: HTMLElement[] = [];
  totals.forEach((row, i) => {
    const firstOfParty = i === 0 || totals[i - 1]!.party !== row.party;
    const span = totals.filter((r) => r.party === row.party).length;
    rows.push(
      h(
        'tr',
        { class: firstOfParty ? 'party-first' : '', 'data-party': row.party, 'data-kind': row.kind },
        firstOfParty &&
          h(
            'th',
            { scope: 'rowgroup', rowspan: span, class: 'party-cell' },
            h('span', { class: 'party-id' }, row.party),
            h('span', { class: 'party-name' }, nameOf.get(row.party) ?? ''),
          ),
        h('th', { scope: 'row', class: 'kind-cell' }, KIND_NAMES[row.kind]),
        FIGURES.map((f) =>
          h(
            'td',
            { class: `num${row[f] === 0 ? ' zero' : ''}` },
            h(
              'a',
              {
                href: figureHref(row.party, row.kind, f),
                'data-figure': f,
                title: `${FIGURE_TEXT[f].label}: the exchanges and stages behind it`,
              },
              count(row[f]),
            ),
            f === 'agreedOutstanding' &&
              row.unspecifiedSides > 0 &&
              h(
                'span',
                { class: 'unspecified', 'data-unspecified': row.unspecifiedSides },
                `+ ${row.unspecifiedSides} side${row.unspecifiedSides === 1 ? '' : 's'} without a number`,
              ),
          ),
        ),
      ),
    );
  });
  section.append(
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'figures totals-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Party'),
            h('th', { scope: 'col' }, 'Kind'),
            FIGURES.map((f) => h('th', { scope: 'col', class: 'num' }, FIGURE_TEXT[f].label)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
  );
  return section;
}

/** Whether the months add up to the totals (they must: both are read from the same stages). */
function reconciliation(monthly: Monthly, totals: readonly Totals[]): HTMLElement {
  const off = totals.filter((row) => {
    const series = monthly.series.find((s) => s.party === row.party && s.kind === row.kind);
    return (series?.values.reduce((a, b) => a + b, 0) ?? 0) !== row.handedOver;
  });
  return off.length === 0
    ? h(
        'p',
        { class: 'check check-ok', id: 'months-check' },
        'The months add up to the “handed over” totals above ' +
          `(${monthLabel(monthly.months[0]!)} to ${monthLabel(monthly.months.at(-1)!)}).`,
      )
    : h(
        'p',
        { class: 'check check-off', id: 'months-check', role: 'alert' },
        `The months do not add up to the totals for ${off.map((r) => `${r.party} · ${r.kind}`).join(', ')}: ` +
          'the ledger may have changed while the page was reading it. Reload to read it again.',
      );
}

function monthlyTable(monthly: Monthly): HTMLElement {
  return h(
    'table',
    { class: 'figures monthly-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Month'),
        monthly.series.map((s) => h('th', { scope: 'col', class: 'num' }, `${s.party} · ${s.kind}`)),
      ),
    ),
    h(
      'tbody',
      {},
      monthly.months.map((m, i) =>
        h(
          'tr',
          { 'data-month': m },
          h('th', { scope: 'row' }, monthLabel(m)),
          monthly.series.map((s) =>
            h(
              'td',
              { class: `num${s.values[i] === 0 ? ' zero' : ''}` },
              s.values[i] === 0
                ? '0'
                : h(
                    'a',
                    {
                      href: figureHref(s.party, s.kind, 'handedOver', m),
                      'data-party': s.party,
                      'data-kind': s.kind,
                      'data-month': m,
                    },
                    count(s.values[i]!),
                  ),
            ),
          ),
        ),
      ),
    ),
  );
}

function headSection(head: Head): HTMLElement {
  const origin = location.origin;
  // The clipboard is there in secure contexts only (https, or this machine).
  const copy = navigator.clipboard
    ? h(
        'button',
        {
          type: 'button',
          class: 'link-button',
          onclick: () =>
            void navigator.clipboard.writeText(head.hash).then(() => {
              copy!.textContent = 'Copied';
            }),
        },
        'Copy',
      )
    : null;
  return h(
    'section',
    { class: 'panel', id: 'head', 'aria-labelledby': 'head-title' },
    h('h2', { id: 'head-title' }, 'The ledger’s head'),
    h(
      'p',
      { class: 'lede' },
      'Every event is chained to the one before it by SHA-256; the head is the hash of the last one. ' +
        'It commits to the whole ledger before it: publish it, and anyone can later check that no earlier event ' +
        'was rewritten.',
    ),
    h(
      'dl',
      { class: 'head-facts' },
      h('dt', {}, 'Events'),
      h('dd', { id: 'head-sequence' }, count(head.sequence)),
      h('dt', {}, 'Head hash'),
      h('dd', {}, h('code', { id: 'head-hash', class: 'hash' }, head.hash), ' ', copy),
      h('dt', {}, 'Last recorded'),
      h('dd', {}, head.recordedAt ? worldTime(head.recordedAt) : 'nothing yet'),
    ),
    h('h3', {}, 'How to check it'),
    h(
      'ol',
      { class: 'steps' },
      h(
        'li',
        {},
        'Where the ledger is kept, the operator runs ',
        h('code', {}, 'npm run verify'),
        ': it re-folds every event through the ledger’s rules, checks the chain and compares every figure; ' +
          'it names the first event that differs.',
      ),
      h(
        'li',
        {},
        'Anyone holding an export checks it with Node.js alone, without the service ' +
          '(an export taken later ends in a later head; reload this page to compare):',
        h(
          'pre',
          { class: 'command' },
          h(
            'code',
            {},
            "curl -H 'Accept: application/x-ndjson' -H 'Authorization: Bearer <key>' " +
              `${origin}/v1/events > ledger.ndjson\n` +
              `node scripts/verify-export.mjs ledger.ndjson --head ${head.hash}`,
          ),
        ),
      ),
    ),
  );
}

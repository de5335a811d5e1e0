import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import { KINDS } from '../src/domain/vocabulary.js';
import { KIND_NAMES } from './format.js';
import { monthLabel, type Monthly } from './months.js';
import type { Kind } from './types.js';

// Only what a bar chart needs: the bundle stays small.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family =
  getComputedStyle(document.documentElement).getPropertyValue('--font').trim() || 'system-ui, sans-serif';
Chart.defaults.color = '#3d4752';

/** One hue per kind; each party a shade of it, so that a bar's colour says both. */
const KIND_HUES: Record<Kind, [number, number]> = {
  pow: [212, 55],
  remains: [28, 12],
  medical: [160, 45],
  civilians: [35, 70],
  children: [280, 35],
};

function colourOf(kind: Kind, partyIndex: number): string {
  const [hue, saturation] = KIND_HUES[kind];
  const lightness = [34, 60, 47, 72][partyIndex % 4]!;
  return `hsl(${hue} ${saturation}% ${lightness}%)`;
}

/** Past this many parties, side-by-side bars per month turn into hairlines: the parties are then added up. */
export const MAX_PARTY_BARS = 4;

const number = new Intl.NumberFormat('en-GB');

type Bar = ChartDataset<'bar', number[]> & { party: string | null; kind: Kind };

/** One bar per party in each month, stacked by kind; or, for many parties, one bar for all of them. */
function barsOf(data: Monthly): { bars: Bar[]; byParty: boolean } {
  const parties = [...new Set(data.series.map((s) => s.party))];
  if (parties.length <= MAX_PARTY_BARS) {
    const bars = data.series.map(
      (s): Bar => ({
        party: s.party,
        kind: s.kind,
        label: `${s.party} · ${s.kind}`,
        data: s.values,
        stack: s.party,
        backgroundColor: colourOf(s.kind, parties.indexOf(s.party)),
      }),
    );
    return { bars, byParty: true };
  }
  const bars = KINDS.filter((k) => data.series.some((s) => s.kind === k)).map(
    (kind): Bar => ({
      party: null,
      kind,
      label: `${KIND_NAMES[kind]}, all parties`,
      stack: 'all',
      backgroundColor: colourOf(kind, 0),
      data: data.months.map((_, i) => data.series.filter((s) => s.kind === kind).reduce((n, s) => n + s.values[i]!, 0)),
    }),
  );
  return { bars, byParty: false };
}

/**
 * Handovers per month. Clicking a party's segment opens the stages behind it
 * (`open(party, kind, month)`); `byParty` false says the parties were added up (choose one to open its stages).
 */
export function handoverChart(
  canvas: HTMLCanvasElement,
  data: Monthly,
  open: (party: string, kind: Kind, month: string) => void,
): { chart: Chart<'bar', number[]>; byParty: boolean } {
  const { bars, byParty } = barsOf(data);
  const chart = new Chart<'bar', number[]>(canvas, {
    type: 'bar',
    data: {
      labels: data.months.map(monthLabel),
      datasets: bars.map((b) => ({ ...b, borderColor: '#ffffff', borderWidth: { top: 1 }, maxBarThickness: 42 })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: { stacked: true, grid: { display: false } },
        y: {
          stacked: true,
          beginAtZero: true,
          title: { display: true, text: 'persons handed over' },
          ticks: { precision: 0, callback: (v) => number.format(Number(v)) },
          grid: { color: '#e4e7eb' },
        },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12, padding: 14 } },
        tooltip: {
          callbacks: {
            title: (items) => {
              const month = items[0] && data.months[items[0].dataIndex];
              return month ? monthLabel(month) : '';
            },
            label: (item) => `${item.dataset.label}: ${number.format(Number(item.raw))} handed over`,
            footer: () => (byParty ? 'Click for the stages behind it' : 'Choose a party to open the stages'),
          },
        },
      },
      onHover: (event, elements) => {
        const target = event.native?.target;
        if (target instanceof HTMLElement) target.style.cursor = byParty && elements.length > 0 ? 'pointer' : 'default';
      },
      onClick: (_event, elements) => {
        const hit = elements[0];
        const bar = hit && bars[hit.datasetIndex];
        const month = hit && data.months[hit.index];
        if (bar?.party && month && bar.data[hit.index]! > 0) open(bar.party, bar.kind, month);
      },
    },
  });
  return { chart, byParty };
}

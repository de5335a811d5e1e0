import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { monthLabel, type Monthly } from './months.js';
import type { Kind } from './types.js';

// Only what a bar chart needs: the bundle stays small.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = getComputedStyle(document.documentElement).getPropertyValue('--font').trim() || 'system-ui, sans-serif';
Chart.defaults.color = '#3d4752';

/** One hue per kind; each party a shade of it, so that a bar's colour says both. */
const KIND_HUES: Record<Kind, [number, number]> = {
  pow: [212, 55],
  remains: [28, 10],
  medical: [160, 45],
  civilians: [35, 70],
  children: [280, 35],
};

function colourOf(kind: Kind, partyIndex: number): string {
  const [hue, saturation] = KIND_HUES[kind];
  const lightness = [34, 58, 72, 45, 64][partyIndex % 5]!;
  return `hsl(${hue} ${saturation}% ${lightness}%)`;
}

const number = new Intl.NumberFormat('en-GB');

/**
 * Handovers per month: one bar per party in each month, stacked by kind. Clicking a segment
 * opens the stages behind it (`open(party, kind, month)`).
 */
export function handoverChart(canvas: HTMLCanvasElement, data: Monthly, open: (party: string, kind: Kind, month: string) => void): Chart<'bar'> {
  const parties = [...new Set(data.series.map((s) => s.party))];
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.months.map(monthLabel),
      datasets: data.series.map((s) => ({
        label: `${s.party} · ${s.kind}`,
        data: s.values,
        stack: s.party,
        backgroundColor: colourOf(s.kind, parties.indexOf(s.party)),
        borderColor: '#ffffff',
        borderWidth: { top: 1 },
        maxBarThickness: 42,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: { stacked: true, grid: { display: false } },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: 'persons handed over' }, ticks: { precision: 0, callback: (v) => number.format(Number(v)) }, grid: { color: '#e4e7eb' } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12, padding: 14 } },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? data.months[items[0].dataIndex] && monthLabel(data.months[items[0].dataIndex]!) : ''),
            label: (item) => `${item.dataset.label}: ${number.format(Number(item.raw))} handed over`,
            footer: () => 'Click for the stages behind it',
          },
        },
      },
      onHover: (event, elements) => {
        const target = event.native?.target;
        if (target instanceof HTMLElement) target.style.cursor = elements.length > 0 ? 'pointer' : 'default';
      },
      onClick: (_event, elements) => {
        const hit = elements[0];
        if (!hit) return;
        const series = data.series[hit.datasetIndex];
        const month = data.months[hit.index];
        if (series && month && series.values[hit.index]! > 0) open(series.party, series.kind, month);
      },
    },
  });
}

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from '../../scripts/build-page.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { launchBrowser, type Browser, type WatchedPage } from '../support/browser.js';
import { bearer, createKey, MASTER_KEY } from '../security/helpers.js';
import { seedLedger, type Seeded } from './seed.js';

/*
 * The page at / in a real browser (Debian's chromium through playwright-core), against a
 * seeded ledger served on a real port: the figures it shows are the API's, the chart is drawn,
 * a figure opens its stages and their sources, the head is the ledger's, and the page asks
 * nothing of any other origin. Screenshots go to test/artifacts/ (git-ignored).
 */

// What the functions run in the page touch of the browser (this program has no DOM library).
declare const sessionStorage: { length: number };
type Canvas = {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
};

const ARTIFACTS = join(PROJECT_ROOT, 'test', 'artifacts');
const FIGURES = ['handedOver', 'received', 'agreedOutstanding', 'proposed'] as const;
type Row = Record<(typeof FIGURES)[number] | 'unspecifiedSides', number> & { party: string; kind: string };

const figureOf = (text: string) => Number(text.replaceAll(',', ''));

let pageDir: string;
let browser: Browser;

beforeAll(async () => {
  pageDir = mkdtempSync(join(tmpdir(), 'ledger-page-'));
  [browser] = await Promise.all([launchBrowser(), buildPage(pageDir)]);
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  rmSync(pageDir, { recursive: true, force: true });
});

/** A ledger on a real port, with its page; the harness's contract check on every answer. */
async function serve(env: Record<string, string>): Promise<{ t: TestLedger; origin: string }> {
  const t = await startLedger(env, { pageDir });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { t, origin: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}` };
}

/** Off-contract answers that are the described behaviour: a HEAD is not an operation of the document. */
const offContract = (t: TestLedger) =>
  t.contractViolations.filter((v) => !/^HEAD \S+ → \d{3}: operation not in openapi\.json$/.test(v));

async function settled(w: WatchedPage): Promise<void> {
  await w.page.waitForSelector('main[aria-busy="false"]', { timeout: 15_000 });
}

describe('with keys required', () => {
  let t: TestLedger;
  let origin: string;
  let seeded: Seeded;
  let readerKey: string;
  let w: WatchedPage;
  let totals: Row[];

  beforeAll(async () => {
    ({ t, origin } = await serve({ LEDGER_MASTER_KEY: MASTER_KEY }));
    seeded = await seedLedger(t, bearer(MASTER_KEY));
    readerKey = (await createKey(t, 'reader')).secret;
    const res = await t.http().get('/v1/totals').set('authorization', bearer(readerKey));
    expect(res.status).toBe(200);
    totals = res.body.data as Row[];
    w = await browser.open(origin);
  });

  afterAll(async () => {
    await w?.page.close();
    const violations = t ? offContract(t) : [];
    await t?.close();
    expect(violations, 'every response matches openapi/openapi.json').toEqual([]);
  });

  it('asks for a key, refuses a wrong one, and reads the ledger with a reader key', async () => {
    await w.page.goto(origin);
    await settled(w);
    expect(await w.page.isVisible('#api-key'), 'the key field').toBe(true);
    await w.page.fill('#api-key', 'lgr_not-a-key');
    await w.page.click('.key-form button[type=submit]');
    await w.page.waitForSelector('.key-panel >> text=refused');
    await w.page.fill('#api-key', readerKey);
    await w.page.click('.key-form button[type=submit]');
    await w.page.waitForSelector('#months-check');
    await settled(w);
    expect(await w.page.textContent('#access')).toContain('Reading with your API key');
    expect(await w.page.evaluate(() => sessionStorage.length), 'the key is kept for the tab').toBe(1);
  });

  it('shows exactly the figures of GET /v1/totals, each linking to what is behind it', async () => {
    const shown = await w.page.$$eval('#totals tbody tr', (trs) =>
      trs.map((tr) => ({
        party: tr.getAttribute('data-party'),
        kind: tr.getAttribute('data-kind'),
        figures: Object.fromEntries(
          [...tr.querySelectorAll('a[data-figure]')].map((a) => [
            a.getAttribute('data-figure'),
            { text: a.textContent, href: a.getAttribute('href') },
          ]),
        ),
        unspecified: tr.querySelector('[data-unspecified]')?.getAttribute('data-unspecified') ?? '0',
      })),
    );
    expect(shown.length).toBe(totals.length);
    expect(totals.length).toBeGreaterThanOrEqual(8);
    for (const row of totals) {
      const tr = shown.find((s) => s.party === row.party && s.kind === row.kind);
      expect(tr, `${row.party}/${row.kind} is shown`).toBeDefined();
      for (const f of FIGURES) {
        expect(figureOf(tr!.figures[f]!.text!), `${row.party}/${row.kind} ${f}`).toBe(row[f]);
        expect(tr!.figures[f]!.href).toBe(`#/figure?party=${row.party}&kind=${row.kind}&figure=${f}`);
      }
      expect(Number(tr!.unspecified), `${row.party}/${row.kind} unspecified sides`).toBe(row.unspecifiedSides);
    }
    // The seeded figures, worked out by hand, so that the comparison above cannot pass on two empty sets.
    const ru = totals.find((r) => r.party === 'RU' && r.kind === 'remains')!;
    expect([ru.handedOver, ru.agreedOutstanding]).toEqual([3612, 2388]);
  });

  it('draws handovers by month, and the months add up to the totals', async () => {
    const drawn = await w.page.$eval('#handover-chart', (c) => {
      const canvas = c as unknown as Canvas;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked += 1;
      return { width: canvas.width, height: canvas.height, inked };
    });
    expect(drawn.width).toBeGreaterThan(300);
    expect(drawn.height).toBeGreaterThan(200);
    expect(drawn.inked, 'pixels drawn on the chart').toBeGreaterThan(5000);
    expect(await w.page.getAttribute('#months-check', 'class')).toContain('check-ok');

    const cells = await w.page.$$eval('.monthly-table a[data-month]', (as) =>
      as.map((a) => ({
        party: a.getAttribute('data-party')!,
        kind: a.getAttribute('data-kind')!,
        month: a.getAttribute('data-month')!,
        n: Number(a.textContent!.replaceAll(',', '')),
      })),
    );
    const at = (party: string, kind: string, month: string) =>
      cells.find((c) => c.party === party && c.kind === kind && c.month === month)?.n ?? 0;
    expect(at('RU', 'remains', '2025-06')).toBe(3612);
    expect(at('UA', 'pow', '2025-05')).toBe(1000);
    // 30 June 23:30 at UTC−2 is 1 July in UTC, where the API's month bounds put it.
    expect([at('UA', 'medical', '2025-06'), at('UA', 'medical', '2025-07'), at('UA', 'medical', '2025-08')]).toEqual([
      0, 12, 8,
    ]);
    for (const row of totals) {
      const sum = cells.filter((c) => c.party === row.party && c.kind === row.kind).reduce((n, c) => n + c.n, 0);
      expect(sum, `${row.party}/${row.kind}: months add up to handedOver`).toBe(row.handedOver);
    }
    for (const [party, kind, month] of [
      ['RU', 'remains', '2025-06'],
      ['UA', 'medical', '2025-07'],
    ] as const) {
      const res = await t
        .http()
        .get('/v1/totals')
        .query({ party, kind, ...monthOf(month) })
        .set('authorization', bearer(readerKey));
      expect(res.body.data[0].handedOver, `${party}/${kind} in ${month} per the API`).toBe(at(party, kind, month));
    }
  });

  it('shows the head hash and how to verify it', async () => {
    const head = (await t.http().get('/v1/ledger/head').set('authorization', bearer(readerKey))).body as {
      sequence: number;
      hash: string;
    };
    expect(await w.page.textContent('#head-hash')).toBe(head.hash);
    expect(figureOf((await w.page.textContent('#head-sequence'))!)).toBe(head.sequence);
    const how = (await w.page.textContent('#head'))!;
    expect(how).toContain('npm run verify');
    expect(how).toContain(`node scripts/verify-export.mjs ledger.ndjson --head ${head.hash}`);
    expect(how).toContain(`${origin}/v1/events`);
    await w.page.click('.monthly-details summary');
    await w.page.screenshot({ path: join(ARTIFACTS, 'page.png'), fullPage: true });
  });

  it('opens a figure on its exchanges, its stages (the voided one shown, not counted) and their sources', async () => {
    await w.page.click('#totals tr[data-party="RU"][data-kind="remains"] a[data-figure="handedOver"]');
    await w.page.waitForSelector('#figure-check.check-ok');
    await settled(w);
    expect(figureOf((await w.page.textContent('#figure-value'))!)).toBe(3612);
    const card = `article[data-exchange="${seeded.remainsId}"]`;
    const stages = await w.page.$$eval(`${card} tr.stage`, (trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-stage'),
        voided: tr.getAttribute('data-voided') === 'true',
        counted: tr.querySelector('.counted')!.textContent,
        sources: [...tr.querySelectorAll('td.source a')].map((a) => ({
          title: a.textContent,
          href: a.getAttribute('href'),
        })),
        source: tr.querySelector('td.source')!.textContent,
      })),
    );
    expect(stages.map((s) => s.counted)).toEqual(['1,212', '1,200', '1,200', '—']);
    expect(stages.filter((s) => s.voided).map((s) => s.id)).toEqual([seeded.voidedStageId]);
    expect(stages[1]!.sources).toEqual([
      { title: seeded.remainsStageSource.title, href: seeded.remainsStageSource.url },
    ]);
    expect(stages[3]!.source).toContain('Press report of the 14 June repatriation');
    const voidNote = (await w.page.textContent(`${card} tr.void-note`))!;
    expect(voidNote).toContain('recorded twice from two reports of the same tranche');
    expect(voidNote).toContain('Correction by the recorder');
    expect(await w.page.getAttribute(`${card} [data-adds]`, 'data-adds')).toBe('3612');
    await w.page.click(`${card} .history summary`);
    expect(
      await w.page.getAttribute(`${card} .history a:text("Istanbul talks, 2 June 2025")`, 'href'),
      'the proposal’s source',
    ).toBe('https://example.org/istanbul-2');
    await w.page.screenshot({ path: join(ARTIFACTS, 'page-figure.png'), fullPage: true });
  });

  it('opens the stages behind a bar of the chart when it is clicked', async () => {
    await w.page.goto(origin);
    await w.page.waitForSelector('#months-check');
    await w.page.locator('#handover-chart').scrollIntoViewIfNeeded();
    // The one bar reaching the upper part of the plot is RU's remains in June (3,612): find its coloured pixels.
    const box = (await w.page.$eval('#handover-chart', (c) => {
      const canvas = c as unknown as Canvas & { getBoundingClientRect(): { left: number; top: number; width: number } };
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let [sx, sy, n] = [0, 0, 0];
      for (let y = 0; y < canvas.height * 0.4; y++) {
        for (let x = Math.floor(canvas.width * 0.1); x < canvas.width; x++) {
          const i = (y * canvas.width + x) * 4;
          const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
          if (a === 255 && Math.max(r, g, b) - Math.min(r, g, b) > 12) [sx, sy, n] = [sx + x, sy + y, n + 1];
        }
      }
      const rect = canvas.getBoundingClientRect();
      const scale = rect.width / canvas.width;
      return n === 0 ? null : { x: rect.left + (sx / n) * scale, y: rect.top + (sy / n) * scale, n };
    }))!;
    expect(box, 'the tallest bar is drawn').not.toBeNull();
    expect(box.n).toBeGreaterThan(200);
    await w.page.mouse.click(box.x, box.y);
    await w.page.waitForSelector('#figure-check.check-ok');
    expect(new URL(w.page.url()).hash).toBe('#/figure?party=RU&kind=remains&figure=handedOver&month=2025-06');
    expect(figureOf((await w.page.textContent('#figure-value'))!)).toBe(3612);
  });

  it('opens a month of the chart on that month’s stages only', async () => {
    await w.page.goto(`${origin}/#/figure?party=UA&kind=medical&figure=handedOver&month=2025-07`);
    await w.page.waitForSelector('#figure-check.check-ok');
    expect(figureOf((await w.page.textContent('#figure-value'))!)).toBe(12);
    const rows = await w.page.$$eval('tr.stage', (trs) => trs.map((tr) => tr.querySelector('td')!.textContent));
    expect(rows).toEqual(['1 Jul 2025, 01:30 UTC']);
  });

  it('forgets the key when asked', async () => {
    await w.page.goto(origin);
    await settled(w);
    await w.page.click('#forget-key');
    await w.page.waitForSelector('#api-key');
    expect(await w.page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('asked nothing of any other origin, broke no CSP rule and threw no error', async () => {
    expect(w.requests.length).toBeGreaterThan(10);
    expect(w.offOrigin).toEqual([]);
    expect(await w.cspViolations()).toEqual([]);
    expect(w.errors).toEqual([]);
  });
});

describe('in development mode', () => {
  let t: TestLedger;
  let origin: string;

  beforeAll(async () => {
    ({ t, origin } = await serve({}));
  });

  afterAll(async () => {
    const violations = t ? offContract(t) : [];
    await t?.close();
    expect(violations).toEqual([]);
  });

  it('says so when the ledger is empty', async () => {
    const w = await browser.open(origin);
    await w.page.goto(origin);
    await w.page.waitForSelector('#monthly >> text=No stage has been recorded yet');
    expect(await w.page.textContent('#totals')).toContain('The ledger holds no exchange yet');
    expect(await w.page.textContent('#head-hash')).toBe('0'.repeat(64));
    expect(w.errors).toEqual([]);
    await w.page.close();
  });

  it('reads the ledger without a key', async () => {
    await seedLedger(t, null);
    const w = await browser.open(origin);
    await w.page.goto(origin);
    await w.page.waitForSelector('#months-check');
    await settled(w);
    expect(await w.page.isVisible('#api-key')).toBe(false);
    expect(await w.page.textContent('#access')).toContain('no key needed');
    const ua = await w.page.textContent('#totals tr[data-party="UA"][data-kind="pow"] a[data-figure="handedOver"]');
    expect(figureOf(ua!)).toBe(1000);
    expect(w.offOrigin).toEqual([]);
    expect(w.errors).toEqual([]);
    await w.page.close();
  });
});

function monthOf(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { from: `${month}-01`, to: `${month}-${new Date(Date.UTC(y, m, 0)).getUTCDate()}` };
}

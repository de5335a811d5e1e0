import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger, type TestLedger } from '../support/app.js';
import { agreed, propose, registerParties, stage } from '../support/scenario.js';

/* The read side: parties, exchanges, histories, the whole ledger, health, the API document. */

interface LedgerEvent {
  sequence: number;
  id: string;
  streamId: string;
  version: number;
  type: string;
  occurredAt: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
  [k: string]: unknown;
}

async function allEvents(t: TestLedger): Promise<LedgerEvent[]> {
  const res = await t.http().get('/v1/events?limit=1000');
  expect(res.status).toBe(200);
  expect(res.body.nextCursor).toBeNull();
  return res.body.data;
}

function expectProblem(
  res: {
    status: number;
    headers: Record<string, string>;
    body: { type: string; status: number; title: string; detail: string };
  },
  status: number,
  type: string,
) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(type);
  expect(res.body.status).toBe(status);
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
}

const MISSING = '0196e5a4-8f00-7000-8000-0000000000aa';

describe('reads', () => {
  const t = useLedger();
  let e1 = '';
  let e2 = '';

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU');
    const res = await t()
      .http()
      .post('/v1/parties')
      .send({ id: 'AM', name: 'Armenia', occurredAt: '2022-02-24', note: 'registered for the tests' });
    expect(res.status).toBe(201);
    await registerParties(t(), 'AZ');
    // Interleave two exchanges so that their events are not contiguous in the ledger.
    e1 = await agreed(t());
    e2 = await propose(t(), {
      kind: 'civilians',
      proposedBy: 'AM',
      sides: [
        { party: 'AM', handsOver: 30 },
        { party: 'AZ', handsOver: 30 },
      ],
      occurredAt: '2025-04-01',
    });
    await stage(t(), e1, { UA: 390, RU: 390 }, '2025-05-23');
    await t()
      .http()
      .post(`/v1/exchanges/${e2}/counter`)
      .send({
        by: 'AZ',
        sides: [
          { party: 'AM', handsOver: 25 },
          { party: 'AZ', handsOver: 25 },
        ],
        occurredAt: '2025-04-02',
      })
      .expect(200);
    const s = await stage(t(), e1, { UA: 307, RU: 307 }, '2025-05-24');
    await t().http().post(`/v1/exchanges/${e2}/agree`).send({ by: 'AM', occurredAt: '2025-04-03' }).expect(200);
    await t()
      .http()
      .post(`/v1/exchanges/${e1}/stages/${s}/void`)
      .send({ occurredAt: '2025-05-24', reason: 'duplicate' })
      .expect(200);
    await t()
      .http()
      .post(`/v1/exchanges/${e1}/complete`)
      .send({
        occurredAt: '2025-05-25',
        sides: [
          { party: 'UA', count: 610 },
          { party: 'RU', count: 610 },
        ],
      })
      .expect(200);
  });

  describe('parties', () => {
    it('lists every registered party with its name and registration date', async () => {
      const res = await t().http().get('/v1/parties');
      expect(res.status).toBe(200);
      const ids = res.body.data.map((p: { id: string }) => p.id);
      expect([...ids].sort()).toEqual(['AM', 'AZ', 'RU', 'UA']);
      const am = res.body.data.find((p: { id: string }) => p.id === 'AM');
      expect(am).toEqual({ id: 'AM', name: 'Armenia', registeredAt: '2022-02-24' });
      const ua = res.body.data.find((p: { id: string }) => p.id === 'UA');
      expect(ua.name).toBe('Party UA');
      // Without occurredAt, the registration is dated when it was recorded.
      expect(Math.abs(Date.parse(ua.registeredAt) - Date.now())).toBeLessThan(5 * 60_000);
    });

    it('reads one party', async () => {
      const res = await t().http().get('/v1/parties/AM');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: 'AM', name: 'Armenia', registeredAt: '2022-02-24' });
    });

    it('answers 404 problem+json for an unknown party', async () => {
      const res = await t().http().get('/v1/parties/XX');
      expectProblem(res, 404, '/problems/not-found');
    });

    it('answers a problem for a party id that cannot exist', async () => {
      const res = await t().http().get('/v1/parties/not.a.party');
      expect([400, 404]).toContain(res.status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('refuses a duplicate party with 409, keeping the first registration and writing nothing', async () => {
      const before = await allEvents(t());
      const res = await t().http().post('/v1/parties').send({ id: 'AM', name: 'Someone else' });
      expectProblem(res, 409, '/problems/already-exists');
      expect((await t().http().get('/v1/parties/AM')).body.name).toBe('Armenia');
      expect(await allEvents(t())).toEqual(before);
    });

    it('answers a registration with 201, Location and the party', async () => {
      const res = await t()
        .http()
        .post('/v1/parties')
        .send({ id: 'ua-ombudsman', name: 'Ukrainian Parliament Commissioner for Human Rights' });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe('/v1/parties/ua-ombudsman');
      const read = await t().http().get(res.headers.location!);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(res.body);
      const ev = (await allEvents(t())).at(-1)!;
      expect(ev.type).toBe('PartyRegistered');
    });
  });

  describe('exchanges', () => {
    it('reads an exchange with the fields of the design', async () => {
      const res = await t().http().get(`/v1/exchanges/${e1}`);
      expect(res.status).toBe(200);
      for (const f of [
        'id',
        'kind',
        'status',
        'proposedBy',
        'sides',
        'stages',
        'mediator',
        'title',
        'occurredAt',
        'createdAt',
        'updatedAt',
        'version',
      ]) {
        expect(res.body, f).toHaveProperty(f);
      }
      expect(res.body.id).toBe(e1);
      expect(res.body.status).toBe('completed');
      expect(res.body.sides).toEqual([
        expect.objectContaining({ party: 'UA', handsOver: 1000, delivered: 1000 }),
        expect.objectContaining({ party: 'RU', handsOver: 1000, delivered: 1000 }),
      ]);
      // The voided stage stays in the history of stages, marked.
      expect(res.body.stages).toHaveLength(3);
      expect(res.body.stages.filter((s: { voided: unknown }) => s.voided !== null)).toHaveLength(1);
    });

    it('answers 404 problem+json for an unknown exchange and its history', async () => {
      expectProblem(await t().http().get(`/v1/exchanges/${MISSING}`), 404, '/problems/not-found');
      expectProblem(await t().http().get(`/v1/exchanges/${MISSING}/events`), 404, '/problems/not-found');
    });

    it('answers 404 for a transition on a missing exchange', async () => {
      const before = await allEvents(t());
      for (const [path, body] of [
        ['agree', { by: 'RU', occurredAt: '2025-05-16' }],
        ['cancel', { by: 'RU', occurredAt: '2025-05-16' }],
        ['complete', { occurredAt: '2025-05-16' }],
      ] as const) {
        expectProblem(await t().http().post(`/v1/exchanges/${MISSING}/${path}`).send(body), 404, '/problems/not-found');
      }
      expect(await allEvents(t())).toEqual(before);
    });

    it('has no way to update or delete an exchange (append-only)', async () => {
      const before = (await t().http().get(`/v1/exchanges/${e2}`)).body;
      for (const method of ['delete', 'put', 'patch'] as const) {
        const res = await t().http()[method](`/v1/exchanges/${e2}`).send({ status: 'withdrawn' });
        expect([404, 405]).toContain(res.status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      expect((await t().http().get(`/v1/exchanges/${e2}`)).body).toEqual(before);
    });

    it('gives an exchange’s history oldest first, chained into the whole ledger', async () => {
      const ledger = await allEvents(t());
      const bySequence = new Map(ledger.map((e) => [e.sequence, e]));
      const res = await t().http().get(`/v1/exchanges/${e1}/events`);
      expect(res.status).toBe(200);
      const history = res.body.data as LedgerEvent[];
      expect(history.map((e) => e.type)).toEqual([
        'ExchangeProposed',
        'ExchangeAgreed',
        'StageRecorded',
        'StageRecorded',
        'StageVoided',
        'StageRecorded',
        'ExchangeCompleted',
      ]);
      expect(history.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(history.every((e) => e.streamId === e1)).toBe(true);
      for (let i = 1; i < history.length; i++) expect(history[i]!.sequence).toBeGreaterThan(history[i - 1]!.sequence);
      // The interleaved exchange makes gaps in e1's sequences: the chain runs through the ledger.
      expect(history.some((e, i) => i > 0 && e.sequence !== history[i - 1]!.sequence + 1)).toBe(true);
      for (const e of history) {
        expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(bySequence.get(e.sequence)).toEqual(e);
        const previous = bySequence.get(e.sequence - 1);
        if (previous) expect(e.prevHash).toBe(previous.hash);
      }
      expect((await t().http().get(`/v1/exchanges/${e2}/events`)).body.data.map((e: LedgerEvent) => e.type)).toEqual([
        'ExchangeProposed',
        'ExchangeCountered',
        'ExchangeAgreed',
      ]);
    });
  });

  describe('the whole ledger', () => {
    it('chains every event to the one before it, and each hash can be recomputed offline', async () => {
      const ledger = await allEvents(t());
      expect(ledger.length).toBeGreaterThan(10);
      expect(ledger.map((e) => e.sequence)).toEqual(ledger.map((_, i) => i + 1));
      expect(new Set(ledger.map((e) => e.hash)).size).toBe(ledger.length);
      expect(new Set(ledger.map((e) => e.id)).size).toBe(ledger.length);
      for (let i = 1; i < ledger.length; i++) expect(ledger[i]!.prevHash).toBe(ledger[i - 1]!.hash);
      for (const e of ledger) {
        // hash = SHA-256(prevHash ‖ RFC 8785 canonical JSON of the event without its hash)
        const { hash, ...rest } = e;
        const recomputed = createHash('sha256')
          .update(e.prevHash)
          .update(canonicalize(rest) ?? '')
          .digest('hex');
        expect(recomputed, `event ${e.sequence}`).toBe(hash);
      }
      // Registrations are streams of their own.
      expect(ledger.filter((e) => e.type === 'PartyRegistered').map((e) => e.streamId)).toEqual(
        expect.arrayContaining(['party:UA', 'party:RU', 'party:AM', 'party:AZ']),
      );
    });

    it.each([1, 2, 3, 5, 1000])('pages with after= covering everything exactly once (limit %i)', async (limit) => {
      const ledger = await allEvents(t());
      const seen: LedgerEvent[] = [];
      let after = '0';
      for (let guard = 0; guard < 1000; guard++) {
        const res = await t().http().get(`/v1/events?after=${after}&limit=${limit}`);
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(limit);
        seen.push(...res.body.data);
        if (res.body.nextCursor === null) break;
        expect(res.body.nextCursor).toBe(String(res.body.data.at(-1).sequence));
        after = res.body.nextCursor;
      }
      expect(seen).toEqual(ledger);
    });

    it('starts after any sequence and is empty past the end', async () => {
      const ledger = await allEvents(t());
      const mid = ledger[4]!.sequence;
      const res = await t().http().get(`/v1/events?after=${mid}&limit=1000`);
      expect(res.body.data).toEqual(ledger.slice(5));
      const end = await t()
        .http()
        .get(`/v1/events?after=${ledger.at(-1)!.sequence}`);
      expect(end.status).toBe(200);
      expect(end.body).toEqual({ data: [], nextCursor: null });
      const past = await t().http().get('/v1/events?after=999999');
      expect(past.body).toEqual({ data: [], nextCursor: null });
    });

    it('lets a reader at the end pick up what is written later', async () => {
      const ledger = await allEvents(t());
      const head = ledger.at(-1)!.sequence;
      await registerParties(t(), 'GE');
      const res = await t().http().get(`/v1/events?after=${head}`);
      expect(res.body.data).toHaveLength(1);
      expect(res.body.data[0]).toMatchObject({
        sequence: head + 1,
        type: 'PartyRegistered',
        streamId: 'party:GE',
        prevHash: ledger.at(-1)!.hash,
      });
    });
  });

  describe('health, errors and documents', () => {
    it('answers /healthz and /readyz with 200', async () => {
      const live = await t().http().get('/healthz');
      expect(live.status).toBe(200);
      expect(live.body).toEqual({ status: 'ok' });
      const ready = await t().http().get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready' });
    });

    it('answers an unknown route with a 404 problem', async () => {
      for (const [method, url] of [
        ['get', '/v1/nothing-here'],
        ['post', '/v1/exchanges/x/y/z'],
        ['get', '/v2/exchanges'],
      ] as const) {
        const res = await t().http()[method](url);
        expectProblem(res, 404, '/problems/not-found');
        expect(res.text).not.toMatch(/\.ts:\d+|node_modules|\bat \S+ \(/);
      }
    });

    it('makes problem types dereferenceable', async () => {
      const res = await t().http().get('/problems/validation-failed');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ type: '/problems/validation-failed', status: 400 });
    });

    it('serves an OpenAPI 3.1 document with every route of the design', async () => {
      const res = await t().http().get('/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/json/);
      const doc = res.body;
      expect(doc.openapi).toMatch(/^3\.1\./);
      expect(typeof doc.info?.title).toBe('string');
      expect(typeof doc.info?.version).toBe('string');
      const routes: [string, string][] = [
        ['post', '/v1/parties'],
        ['get', '/v1/parties'],
        ['get', '/v1/parties/{id}'],
        ['post', '/v1/exchanges'],
        ['get', '/v1/exchanges'],
        ['get', '/v1/exchanges/{id}'],
        ['post', '/v1/exchanges/{id}/counter'],
        ['post', '/v1/exchanges/{id}/agree'],
        ['post', '/v1/exchanges/{id}/reject'],
        ['post', '/v1/exchanges/{id}/withdraw'],
        ['post', '/v1/exchanges/{id}/cancel'],
        ['post', '/v1/exchanges/{id}/stages'],
        ['post', '/v1/exchanges/{id}/stages/{stageId}/void'],
        ['post', '/v1/exchanges/{id}/complete'],
        ['get', '/v1/exchanges/{id}/events'],
        ['get', '/v1/events'],
        ['get', '/v1/totals'],
        ['get', '/healthz'],
        ['get', '/readyz'],
      ];
      for (const [method, path] of routes) {
        const op = doc.paths?.[path]?.[method];
        expect(op, `${method.toUpperCase()} ${path}`).toBeDefined();
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path} responses`).toBeGreaterThan(0);
      }
      const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((p) =>
        Object.values(p),
      );
      const ids = ops.map((o) => o.operationId).filter(Boolean);
      expect(new Set(ids).size).toBe(ids.length);
      // The documented request body of a propose refuses unknown fields, as the service does.
      const propose = doc.paths['/v1/exchanges'].post.requestBody?.content?.['application/json']?.schema;
      expect(propose).toBeDefined();
    });

    it('serves the interactive documentation as HTML', async () => {
      let url = new URL('http://localhost/docs');
      let res = await t().http().get(url.pathname);
      for (let hops = 0; hops < 3 && res.status >= 300 && res.status < 400; hops++) {
        url = new URL(res.headers.location!, url);
        res = await t()
          .http()
          .get(url.pathname + url.search);
      }
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/<html/i);
    });
  });
});

describe('one stage', () => {
  const t = useLedger();

  it('is read by its id, as the exchange shows it, voided or not; another exchange’s stage id is 404', async () => {
    await registerParties(t(), 'UA', 'RU');
    const a = await agreed(t());
    const b = await agreed(t());
    const first = await stage(t(), a, { UA: 390, RU: 390 }, '2025-05-23');
    const second = await stage(t(), a, { UA: 307 }, '2025-05-24');
    const other = await stage(t(), b, { RU: 5 }, '2025-05-24');
    await t()
      .http()
      .post(`/v1/exchanges/${a}/stages/${first}/void`)
      .send({ occurredAt: '2025-05-25', reason: 'duplicate' })
      .expect(200);
    const exchange = (await t().http().get(`/v1/exchanges/${a}`).expect(200)).body;
    for (const [id, i] of [
      [first, 0],
      [second, 1],
    ] as const) {
      const res = await t().http().get(`/v1/exchanges/${a}/stages/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(exchange.stages[i]);
    }
    expect(exchange.stages[0].voided).toMatchObject({ occurredAt: '2025-05-25', reason: 'duplicate' });
    // The figures under the default reading: the stage's one (unattributed) account, a party left out at 0.
    const figure = (party: string, count: number) => ({ party, count, approximate: false, breakdown: null });
    expect(exchange.stages[1].sides).toEqual([
      { ...figure('UA', 307), reportedBy: null },
      { ...figure('RU', 0), reportedBy: null },
    ]);
    expect(exchange.stages[1].accounts).toEqual([
      expect.objectContaining({ reportedBy: null, sides: [figure('UA', 307), figure('RU', 0)] }),
    ]);
    expect((await t().http().get(`/v1/exchanges/${a}/stages/${other}`)).status).toBe(404);
    expect((await t().http().get(`/v1/exchanges/${a}/stages/${MISSING}`)).status).toBe(404);
    expect((await t().http().get(`/v1/exchanges/${MISSING}/stages/${first}`)).status).toBe(404);
  });
});

describe('figures that add up stages', () => {
  const t = useLedger();

  it('delivered and the totals may pass the bound of a single count (10⁷), and still match the published document', async () => {
    await registerParties(t(), 'UA', 'RU');
    const id = await agreed(t(), {
      kind: 'medical',
      sides: [
        { party: 'UA', handsOver: null },
        { party: 'RU', handsOver: null },
      ],
    });
    await stage(t(), id, { UA: 9_999_999 }, '2025-05-20');
    await stage(t(), id, { UA: 9_999_999, RU: 1 }, '2025-05-21');
    const res = await t().http().get(`/v1/exchanges/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.sides.map((s: { delivered: number }) => s.delivered)).toEqual([19_999_998, 1]);
    const totals = await t().http().get('/v1/totals?kind=medical&party=UA');
    expect(totals.body.data[0]).toMatchObject({ handedOver: 19_999_998, received: 1 });
    // useLedger's afterAll fails the file if any of these responses broke openapi/openapi.json.
  });
});

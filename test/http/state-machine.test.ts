import type { Response } from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';

/*
 * The state machine of DESIGN.md, through the HTTP API. The expected table is written out
 * here from the design (not imported from src/) so that a change to the service's table
 * makes these tests fail.
 */

type Status = 'proposed' | 'agreed' | 'completed' | 'rejected' | 'withdrawn' | 'cancelled';
type Action = 'counter' | 'agree' | 'reject' | 'withdraw' | 'cancel' | 'recordStage' | 'voidStage' | 'complete';

const STATUSES: Status[] = ['proposed', 'agreed', 'completed', 'rejected', 'withdrawn', 'cancelled'];
const ACTIONS: Action[] = ['counter', 'agree', 'reject', 'withdraw', 'cancel', 'recordStage', 'voidStage', 'complete'];

/** DESIGN.md "State machine": what each status allows and where it leads. */
const DESIGN_TABLE: Record<Status, Partial<Record<Action, Status>>> = {
  proposed: { counter: 'proposed', agree: 'agreed', reject: 'rejected', withdraw: 'withdrawn' },
  // stages (0..n, agreed only), complete, cancel, and corrections (void: agreed or completed)
  agreed: { recordStage: 'agreed', voidStage: 'agreed', complete: 'completed', cancel: 'cancelled' },
  // Wave 2, "Late handovers": a stage may still be recorded on a completed exchange; the status stays.
  completed: { voidStage: 'completed', recordStage: 'completed' },
  rejected: {},
  withdrawn: {},
  cancelled: {},
};

const EVENT_OF: Record<Action, string> = {
  counter: 'ExchangeCountered',
  agree: 'ExchangeAgreed',
  reject: 'ExchangeRejected',
  withdraw: 'ExchangeWithdrawn',
  cancel: 'ExchangeCancelled',
  recordStage: 'StageRecorded',
  voidStage: 'StageVoided',
  complete: 'ExchangeCompleted',
};

/** A stage on a completed exchange is a late handover, recorded by the event that can mark it so. */
const eventOf = (status: Status, action: Action) =>
  status === 'completed' && action === 'recordStage' ? 'StageReported' : EVENT_OF[action];

const PROBLEM_JSON = /^application\/problem\+json/;
/** A well-formed id that no exchange or stage has. */
const MISSING_ID = '01900000-0000-7000-8000-00000000dead';

// The proposer is always A; B is "the other party".
const A = 'UA';
const B = 'RU';
const STRANGER = 'PL';

const D = {
  propose: '2025-05-16',
  agree: '2025-05-17',
  stage: '2025-05-18',
  close: '2025-05-19',
  action: '2025-05-20',
};

describe('the state machine over HTTP', () => {
  const t = useLedger();
  const http = () => t().http();
  const post = (path: string, body: unknown) =>
    http()
      .post(path)
      .send(body as object);

  function expectOk(res: Response, status = 200): void {
    expect(res.status, `${res.status} ${JSON.stringify(res.body)}`).toBe(status);
  }

  async function proposeBetween(
    a: string,
    b: string,
    o: { kind?: string; handsOver?: [number | null, number | null]; at?: string } = {},
  ): Promise<string> {
    const [ha, hb] = o.handsOver ?? [1000, 1000];
    const res = await post('/v1/exchanges', {
      kind: o.kind ?? 'pow',
      proposedBy: a,
      sides: [
        { party: a, handsOver: ha },
        { party: b, handsOver: hb },
      ],
      occurredAt: o.at ?? D.propose,
    });
    expectOk(res, 201);
    expect(res.body.status).toBe('proposed');
    return res.body.id as string;
  }

  async function agreeBetween(
    a: string,
    b: string,
    o: { kind?: string; handsOver?: [number | null, number | null] } = {},
  ): Promise<string> {
    const id = await proposeBetween(a, b, o);
    expectOk(await post(`/v1/exchanges/${id}/agree`, { by: b, occurredAt: D.agree }));
    return id;
  }

  async function recordStage(id: string, counts: Record<string, number>, occurredAt: string): Promise<string> {
    const res = await post(`/v1/exchanges/${id}/stages`, {
      sides: Object.entries(counts).map(([party, count]) => ({ party, count })),
      occurredAt,
    });
    expectOk(res, 201);
    return res.body.stage.id as string;
  }

  /** An exchange between A and B in the given status, built through the API; with a stage where the status can have one. */
  async function exchangeIn(status: Status): Promise<{ id: string; stageId: string | null }> {
    const id = await proposeBetween(A, B);
    let stageId: string | null = null;
    if (['agreed', 'completed', 'cancelled'].includes(status)) {
      expectOk(await post(`/v1/exchanges/${id}/agree`, { by: B, occurredAt: D.agree }));
      stageId = await recordStage(id, { [A]: 100, [B]: 90 }, D.stage);
    }
    if (status === 'completed') expectOk(await post(`/v1/exchanges/${id}/complete`, { occurredAt: D.close }));
    if (status === 'cancelled')
      expectOk(await post(`/v1/exchanges/${id}/cancel`, { by: B, occurredAt: D.close, reason: 'talks broke down' }));
    if (status === 'rejected')
      expectOk(await post(`/v1/exchanges/${id}/reject`, { by: B, occurredAt: D.close, reason: 'no' }));
    if (status === 'withdrawn') expectOk(await post(`/v1/exchanges/${id}/withdraw`, { by: A, occurredAt: D.close }));
    const now = await http().get(`/v1/exchanges/${id}`);
    expect(now.body.status).toBe(status);
    return { id, stageId };
  }

  /** A valid request for the action, by a party the actor rule allows (A proposed, B is the other). */
  function requestFor(
    action: Action,
    id: string,
    stageId: string | null,
  ): { path: string; body: Record<string, unknown> } {
    const at = D.action;
    switch (action) {
      case 'counter':
        return {
          path: `/v1/exchanges/${id}/counter`,
          body: {
            by: B,
            sides: [
              { party: A, handsOver: 1200 },
              { party: B, handsOver: 1100 },
            ],
            occurredAt: at,
          },
        };
      case 'agree':
        return { path: `/v1/exchanges/${id}/agree`, body: { by: B, occurredAt: at } };
      case 'reject':
        return { path: `/v1/exchanges/${id}/reject`, body: { by: B, occurredAt: at, reason: 'terms not acceptable' } };
      case 'withdraw':
        return { path: `/v1/exchanges/${id}/withdraw`, body: { by: A, occurredAt: at, reason: 'superseded' } };
      case 'cancel':
        return { path: `/v1/exchanges/${id}/cancel`, body: { by: A, occurredAt: at, reason: 'called off' } };
      case 'recordStage':
        return {
          path: `/v1/exchanges/${id}/stages`,
          body: {
            sides: [
              { party: A, count: 10 },
              { party: B, count: 10 },
            ],
            occurredAt: at,
          },
        };
      case 'voidStage':
        return {
          path: `/v1/exchanges/${id}/stages/${stageId ?? MISSING_ID}/void`,
          body: { occurredAt: at, reason: 'recorded in error' },
        };
      case 'complete':
        return { path: `/v1/exchanges/${id}/complete`, body: { occurredAt: at } };
    }
  }

  /** Sequence of the last event in the whole ledger. */
  async function ledgerHead(): Promise<number> {
    let after = 0;
    for (;;) {
      const res = await http().get(`/v1/events?after=${after}&limit=1000`);
      expectOk(res);
      const data = res.body.data as { sequence: number }[];
      if (data.length) after = data.at(-1)!.sequence;
      if (res.body.nextCursor === null) return after;
    }
  }

  interface Snapshot {
    etag: string;
    exchange: Record<string, unknown>;
    events: { type: string; data: Record<string, unknown> }[];
    totals: unknown;
    head: number;
  }

  async function snapshot(id: string): Promise<Snapshot> {
    const ex = await http().get(`/v1/exchanges/${id}`);
    expectOk(ex);
    const ev = await http().get(`/v1/exchanges/${id}/events`);
    expectOk(ev);
    const totals = await http().get('/v1/totals');
    expectOk(totals);
    return {
      etag: ex.headers.etag as string,
      exchange: ex.body,
      events: ev.body.data,
      totals: totals.body,
      head: await ledgerHead(),
    };
  }

  /** Nothing was written: same exchange and ETag, same history, same totals, same ledger head. */
  async function expectNothingWritten(id: string, before: Snapshot): Promise<void> {
    const after = await snapshot(id);
    expect(after.etag).toBe(before.etag);
    expect(after.exchange.version).toBe(before.exchange.version);
    expect(after.exchange).toEqual(before.exchange);
    expect(after.events).toHaveLength(before.events.length);
    expect(after.totals).toEqual(before.totals);
    expect(after.head).toBe(before.head);
  }

  function expectProblem(res: Response, status: number, type: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body.type).toBe(type);
    expect(res.body.status).toBe(status);
    expect(typeof res.body.detail).toBe('string');
  }

  beforeAll(async () => {
    await registerParties(t(), A, B, STRANGER);
  });

  describe('every status × every action', () => {
    const cells = STATUSES.flatMap((status) =>
      ACTIONS.map((action) => ({ status, action, to: DESIGN_TABLE[status][action] })),
    );

    it.each(cells.filter((c) => c.to !== undefined))('$status --$action--> $to', async ({ status, action, to }) => {
      const { id, stageId } = await exchangeIn(status);
      const before = await snapshot(id);
      const { path, body } = requestFor(action, id, stageId);
      const res = await post(path, body);

      expectOk(res, action === 'recordStage' ? 201 : 200);
      const view = action === 'recordStage' ? res.body.exchange : res.body;
      expect(view.status).toBe(to);
      const version = (before.exchange.version as number) + 1;
      expect(view.version).toBe(version);
      expect(res.headers.etag).toBe(`"${version}"`);

      const after = await snapshot(id);
      expect(after.exchange.status).toBe(to);
      expect(after.exchange.version).toBe(version);
      expect(after.etag).toBe(`"${version}"`);
      expect(after.events).toHaveLength(before.events.length + 1);
      expect(after.events.at(-1)!.type).toBe(eventOf(status, action));
      expect(after.head).toBe(before.head + 1);
    });

    it.each(cells.filter((c) => c.to === undefined))(
      '$status refuses $action with 409, writing nothing',
      async ({ status, action }) => {
        const { id, stageId } = await exchangeIn(status);
        const before = await snapshot(id);
        const { path, body } = requestFor(action, id, stageId);
        const res = await post(path, body);

        expectProblem(res, 409, '/problems/transition-not-allowed');
        expect(res.body.currentStatus).toBe(status);
        const allowed = Object.keys(DESIGN_TABLE[status]).sort();
        expect([...(res.body.allowedTransitions as string[])].sort()).toEqual(allowed);
        expect(res.body.allowedTransitions).toHaveLength(allowed.length);

        await expectNothingWritten(id, before);
      },
    );

    it('covers all 48 cells', () => {
      expect(cells).toHaveLength(48);
      expect(cells.filter((c) => c.to !== undefined)).toHaveLength(10);
    });
  });

  describe('actor rules', () => {
    it.each([
      { action: 'agree', body: { by: A, occurredAt: D.action } },
      { action: 'reject', body: { by: A, occurredAt: D.action, reason: 'changed our mind' } },
      {
        action: 'counter',
        body: {
          by: A,
          sides: [
            { party: A, handsOver: 5 },
            { party: B, handsOver: 5 },
          ],
          occurredAt: D.action,
        },
      },
    ])('$action by the proposer is refused with 409 party-not-allowed, writing nothing', async ({ action, body }) => {
      const id = await proposeBetween(A, B);
      const before = await snapshot(id);
      const res = await post(`/v1/exchanges/${id}/${action}`, body);
      expectProblem(res, 409, '/problems/party-not-allowed');
      await expectNothingWritten(id, before);
    });

    it('withdraw by the party that did not propose is refused with 409 party-not-allowed, writing nothing', async () => {
      const id = await proposeBetween(A, B);
      const before = await snapshot(id);
      const res = await post(`/v1/exchanges/${id}/withdraw`, { by: B, occurredAt: D.action });
      expectProblem(res, 409, '/problems/party-not-allowed');
      await expectNothingWritten(id, before);
    });

    it('cancel may be sent by either party', async () => {
      for (const by of [A, B]) {
        const id = await agreeBetween(A, B);
        const res = await post(`/v1/exchanges/${id}/cancel`, { by, occurredAt: D.action });
        expectOk(res);
        expect(res.body.status).toBe('cancelled');
      }
    });

    it('a counter switches the proposer: the original proposer may then agree, the counterer may not', async () => {
      const id = await proposeBetween(A, B);
      const countered = await post(`/v1/exchanges/${id}/counter`, {
        by: B,
        sides: [
          { party: A, handsOver: 1200 },
          { party: B, handsOver: 1100 },
        ],
        occurredAt: '2025-05-18',
      });
      expectOk(countered);
      expect(countered.body.status).toBe('proposed');
      expect(countered.body.proposedBy).toBe(B);
      expect(countered.body.sides.map((s: { party: string; handsOver: number }) => [s.party, s.handsOver])).toEqual([
        [A, 1200],
        [B, 1100],
      ]);

      // Now B made the standing proposal: B may neither agree, reject nor counter; A may not withdraw.
      let before = await snapshot(id);
      expectProblem(
        await post(`/v1/exchanges/${id}/agree`, { by: B, occurredAt: D.action }),
        409,
        '/problems/party-not-allowed',
      );
      expectProblem(
        await post(`/v1/exchanges/${id}/reject`, { by: B, occurredAt: D.action }),
        409,
        '/problems/party-not-allowed',
      );
      expectProblem(
        await post(`/v1/exchanges/${id}/counter`, {
          by: B,
          sides: [
            { party: A, handsOver: 1 },
            { party: B, handsOver: 1 },
          ],
          occurredAt: D.action,
        }),
        409,
        '/problems/party-not-allowed',
      );
      expectProblem(
        await post(`/v1/exchanges/${id}/withdraw`, { by: A, occurredAt: D.action }),
        409,
        '/problems/party-not-allowed',
      );
      await expectNothingWritten(id, before);

      // A counters back: the proposer switches again, then B agrees to A's terms.
      const back = await post(`/v1/exchanges/${id}/counter`, {
        by: A,
        sides: [
          { party: A, handsOver: 1150 },
          { party: B, handsOver: 1150 },
        ],
        occurredAt: '2025-05-19',
      });
      expectOk(back);
      expect(back.body.proposedBy).toBe(A);
      before = await snapshot(id);
      expectProblem(
        await post(`/v1/exchanges/${id}/agree`, { by: A, occurredAt: D.action }),
        409,
        '/problems/party-not-allowed',
      );
      await expectNothingWritten(id, before);

      const agreed = await post(`/v1/exchanges/${id}/agree`, { by: B, occurredAt: D.action });
      expectOk(agreed);
      expect(agreed.body.status).toBe('agreed');
      expect(agreed.body.sides.map((s: { handsOver: number }) => s.handsOver)).toEqual([1150, 1150]);
    });

    it('after a counter the original proposer may agree', async () => {
      const id = await proposeBetween(A, B);
      expectOk(
        await post(`/v1/exchanges/${id}/counter`, {
          by: B,
          sides: [
            { party: A, handsOver: 1200 },
            { party: B, handsOver: 1100 },
          ],
          occurredAt: '2025-05-18',
        }),
      );
      const agreed = await post(`/v1/exchanges/${id}/agree`, { by: A, occurredAt: D.action });
      expectOk(agreed);
      expect(agreed.body.status).toBe('agreed');
      expect(agreed.body.sides.map((s: { party: string; handsOver: number }) => [s.party, s.handsOver])).toEqual([
        [A, 1200],
        [B, 1100],
      ]);
    });

    it('after a counter the counterer may withdraw (and the original proposer may reject another)', async () => {
      const id = await proposeBetween(A, B);
      expectOk(
        await post(`/v1/exchanges/${id}/counter`, {
          by: B,
          sides: [
            { party: A, handsOver: 1200 },
            { party: B, handsOver: 1100 },
          ],
          occurredAt: '2025-05-18',
        }),
      );
      const withdrawn = await post(`/v1/exchanges/${id}/withdraw`, {
        by: B,
        occurredAt: D.action,
        reason: 'no answer',
      });
      expectOk(withdrawn);
      expect(withdrawn.body.status).toBe('withdrawn');

      const other = await proposeBetween(A, B);
      expectOk(
        await post(`/v1/exchanges/${other}/counter`, {
          by: B,
          sides: [
            { party: A, handsOver: 1200 },
            { party: B, handsOver: 1100 },
          ],
          occurredAt: '2025-05-18',
        }),
      );
      const rejected = await post(`/v1/exchanges/${other}/reject`, { by: A, occurredAt: D.action });
      expectOk(rejected);
      expect(rejected.body.status).toBe('rejected');
    });

    const strangerCases: { action: string; status: Status; body: Record<string, unknown> }[] = [
      {
        action: 'counter',
        status: 'proposed',
        body: {
          sides: [
            { party: A, handsOver: 1 },
            { party: B, handsOver: 1 },
          ],
        },
      },
      { action: 'agree', status: 'proposed', body: {} },
      { action: 'reject', status: 'proposed', body: {} },
      { action: 'withdraw', status: 'proposed', body: {} },
      { action: 'cancel', status: 'agreed', body: {} },
    ];

    it.each(strangerCases)(
      '$action by a registered party that is not a party of the exchange → 422 naming by, writing nothing',
      async ({ action, status, body }) => {
        const { id } = await exchangeIn(status);
        const before = await snapshot(id);
        const res = await post(`/v1/exchanges/${id}/${action}`, { ...body, by: STRANGER, occurredAt: D.action });
        expectProblem(res, 422, '/problems/unprocessable');
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'by' })]));
        await expectNothingWritten(id, before);
      },
    );

    it.each(strangerCases)(
      '$action by an unregistered party → 422 naming by, writing nothing',
      async ({ action, status, body }) => {
        const { id } = await exchangeIn(status);
        const before = await snapshot(id);
        const res = await post(`/v1/exchanges/${id}/${action}`, { ...body, by: 'ZZ-nobody', occurredAt: D.action });
        expectProblem(res, 422, '/problems/unprocessable');
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'by' })]));
        await expectNothingWritten(id, before);
      },
    );
  });

  describe('missing exchanges and stages', () => {
    it.each(ACTIONS)('%s on a missing exchange → 404, writing nothing', async (action) => {
      const head = await ledgerHead();
      const { path, body } = requestFor(action, MISSING_ID, MISSING_ID);
      const res = await post(path, body);
      expectProblem(res, 404, '/problems/not-found');
      expect(await ledgerHead()).toBe(head);
      expectProblem(await http().get(`/v1/exchanges/${MISSING_ID}`), 404, '/problems/not-found');
    });

    it('void of an unknown stage → 404, writing nothing', async () => {
      const { id } = await exchangeIn('agreed');
      const before = await snapshot(id);
      const res = await post(`/v1/exchanges/${id}/stages/${MISSING_ID}/void`, {
        occurredAt: D.action,
        reason: 'no such stage',
      });
      expectProblem(res, 404, '/problems/not-found');
      await expectNothingWritten(id, before);
    });

    it('void of a stage of another exchange → 404, writing nothing', async () => {
      const { stageId: foreign } = await exchangeIn('agreed');
      const { id } = await exchangeIn('agreed');
      const before = await snapshot(id);
      const res = await post(`/v1/exchanges/${id}/stages/${foreign!}/void`, {
        occurredAt: D.action,
        reason: 'wrong exchange',
      });
      expectProblem(res, 404, '/problems/not-found');
      await expectNothingWritten(id, before);
    });

    it('void of a voided stage → 409 stage-already-voided, writing nothing', async () => {
      const { id, stageId } = await exchangeIn('agreed');
      expectOk(
        await post(`/v1/exchanges/${id}/stages/${stageId!}/void`, { occurredAt: D.action, reason: 'duplicate report' }),
      );
      const before = await snapshot(id);
      const res = await post(`/v1/exchanges/${id}/stages/${stageId!}/void`, {
        occurredAt: '2025-05-21',
        reason: 'again',
      });
      expectProblem(res, 409, '/problems/stage-already-voided');
      await expectNothingWritten(id, before);
    });
  });

  describe('stages, completion, variance and totals', () => {
    /** Two fresh parties, so the totals of a scenario are its own. */
    async function freshPair(tag: string): Promise<[string, string]> {
      const pair: [string, string] = [`${tag}-a`, `${tag}-b`];
      await registerParties(t(), ...pair);
      return pair;
    }

    async function totalsOf(party: string, kind: string): Promise<Record<string, number | string> | undefined> {
      const res = await http().get(`/v1/totals?party=${party}&kind=${kind}`);
      expectOk(res);
      return (res.body.data as Record<string, number | string>[])[0];
    }

    it('complete with a last tranche records it as a final stage', async () => {
      const [a, b] = await freshPair('final');
      const id = await agreeBetween(a, b, { handsOver: [100, 100] });
      await recordStage(id, { [a]: 60, [b]: 60 }, '2025-05-20');
      const done = await post(`/v1/exchanges/${id}/complete`, {
        occurredAt: '2025-05-21',
        sides: [
          { party: a, count: 40 },
          { party: b, count: 40 },
        ],
      });
      expectOk(done);
      expect(done.body.status).toBe('completed');
      expect(done.body.stages).toHaveLength(2);
      const last = done.body.stages[1];
      expect(last).toMatchObject({
        sides: [
          { party: a, count: 40 },
          { party: b, count: 40 },
        ],
        occurredAt: '2025-05-21',
        voided: null,
      });
      expect(done.body.sides).toEqual([
        { party: a, handsOver: 100, delivered: 100, undisclosedStages: 0, approximate: 0, variance: 0 },
        { party: b, handsOver: 100, delivered: 100, undisclosedStages: 0, approximate: 0, variance: 0 },
      ]);

      expectOk(await http().get(`/v1/exchanges/${id}/stages/${last.id}`));
      const history = await http().get(`/v1/exchanges/${id}/events`);
      expect(history.body.data.map((e: { type: string }) => e.type)).toEqual([
        'ExchangeProposed',
        'ExchangeAgreed',
        'StageRecorded',
        'StageRecorded',
        'ExchangeCompleted',
      ]);
      expect(history.body.data[3].data.stageId).toBe(last.id);
      expect(await totalsOf(a, 'pow')).toMatchObject({ handedOver: 100, received: 100, agreedOutstanding: 0 });
    });

    it('complete without a tranche records no stage', async () => {
      const [a, b] = await freshPair('plain');
      const id = await agreeBetween(a, b, { handsOver: [100, 100] });
      await recordStage(id, { [a]: 100, [b]: 100 }, '2025-05-20');
      const done = await post(`/v1/exchanges/${id}/complete`, { occurredAt: '2025-05-21' });
      expectOk(done);
      expect(done.body.stages).toHaveLength(1);
      const history = await http().get(`/v1/exchanges/${id}/events`);
      expect(history.body.data.map((e: { type: string }) => e.type)).toEqual([
        'ExchangeProposed',
        'ExchangeAgreed',
        'StageRecorded',
        'ExchangeCompleted',
      ]);
    });

    it('an overshoot (6,000 agreed, 6,060 delivered across stages) is recorded with variance 60', async () => {
      const [a, b] = await freshPair('remains');
      // One-way: b hands over 6,000 bodies, a nobody.
      const id = await agreeBetween(a, b, { kind: 'remains', handsOver: [0, 6000] });
      await recordStage(id, { [b]: 3000 }, '2025-05-20');
      await recordStage(id, { [b]: 1500 }, '2025-05-21');
      await recordStage(id, { [b]: 1560 }, '2025-05-22');
      const done = await post(`/v1/exchanges/${id}/complete`, { occurredAt: '2025-05-23' });
      expectOk(done);
      expect(done.body.status).toBe('completed');
      expect(done.body.sides).toEqual([
        { party: a, handsOver: 0, delivered: 0, undisclosedStages: 0, approximate: 0, variance: 0 },
        { party: b, handsOver: 6000, delivered: 6060, undisclosedStages: 0, approximate: 0, variance: 60 },
      ]);
      const view = await http().get(`/v1/exchanges/${id}`);
      expect(view.body.sides[1]).toEqual({
        party: b,
        handsOver: 6000,
        delivered: 6060,
        undisclosedStages: 0,
        approximate: 0,
        variance: 60,
      });
      expect(await totalsOf(b, 'remains')).toMatchObject({ handedOver: 6060, received: 0, agreedOutstanding: 0 });
      expect(await totalsOf(a, 'remains')).toMatchObject({ handedOver: 0, received: 6060, agreedOutstanding: 0 });
    });

    it('an overshoot may also come in the last tranche of complete', async () => {
      const [a, b] = await freshPair('remains2');
      const id = await agreeBetween(a, b, { kind: 'remains', handsOver: [0, 6000] });
      await recordStage(id, { [b]: 3000 }, '2025-05-20');
      const done = await post(`/v1/exchanges/${id}/complete`, {
        occurredAt: '2025-05-23',
        sides: [{ party: b, count: 3060 }],
      });
      expectOk(done);
      expect(done.body.sides[1]).toEqual({
        party: b,
        handsOver: 6000,
        delivered: 6060,
        undisclosedStages: 0,
        approximate: 0,
        variance: 60,
      });
    });

    it('a medical exchange with unspecified numbers stays agreed through many stages', async () => {
      const [a, b] = await freshPair('medical');
      const id = await agreeBetween(a, b, { kind: 'medical', handsOver: [null, null] });
      const tranches: [number, number, string][] = [
        [5, 3, '2025-05-20'],
        [0, 7, '2025-06-02'],
        [12, 12, '2025-07-15'],
        [1, 0, '2025-09-01'],
        [8, 9, '2025-12-24'],
        [4, 4, '2026-03-01'],
      ];
      for (const [ca, cb, day] of tranches) {
        const res = await post(`/v1/exchanges/${id}/stages`, {
          sides: [
            { party: a, count: ca },
            { party: b, count: cb },
          ],
          occurredAt: day,
        });
        expectOk(res, 201);
        expect(res.body.exchange.status).toBe('agreed');
      }
      const view = await http().get(`/v1/exchanges/${id}`);
      expect(view.body.status).toBe('agreed');
      expect(view.body.stages).toHaveLength(tranches.length);
      expect(view.body.sides).toEqual([
        { party: a, handsOver: null, delivered: 30, undisclosedStages: 0, approximate: 0, variance: null },
        { party: b, handsOver: null, delivered: 35, undisclosedStages: 0, approximate: 0, variance: null },
      ]);
      expect(await totalsOf(a, 'medical')).toMatchObject({
        handedOver: 30,
        received: 35,
        agreedOutstanding: 0,
        unspecifiedSides: 1,
        proposed: 0,
      });
      expect(await totalsOf(b, 'medical')).toMatchObject({
        handedOver: 35,
        received: 30,
        agreedOutstanding: 0,
        unspecifiedSides: 1,
        proposed: 0,
      });
    });

    it('cancel keeps the stages already delivered in the totals', async () => {
      const [a, b] = await freshPair('cancel');
      const id = await agreeBetween(a, b, { handsOver: [100, 100] });
      await recordStage(id, { [a]: 30, [b]: 25 }, '2025-05-20');
      expect(await totalsOf(a, 'pow')).toMatchObject({ handedOver: 30, received: 25, agreedOutstanding: 70 });
      const cancelled = await post(`/v1/exchanges/${id}/cancel`, {
        by: b,
        occurredAt: '2025-05-21',
        reason: 'talks broke down',
      });
      expectOk(cancelled);
      expect(cancelled.body.status).toBe('cancelled');
      expect(cancelled.body.sides.map((s: { delivered: number }) => s.delivered)).toEqual([30, 25]);
      expect(cancelled.body.stages).toHaveLength(1);
      expect(await totalsOf(a, 'pow')).toMatchObject({ handedOver: 30, received: 25, agreedOutstanding: 0 });
      expect(await totalsOf(b, 'pow')).toMatchObject({ handedOver: 25, received: 30, agreedOutstanding: 0 });
    });

    it('a void after completion takes the stage out of delivered and totals; stage and void stay in the history', async () => {
      const [a, b] = await freshPair('void');
      const id = await agreeBetween(a, b, { handsOver: [100, 100] });
      await recordStage(id, { [a]: 60, [b]: 60 }, '2025-05-20');
      await recordStage(id, { [a]: 40, [b]: 40 }, '2025-05-21');
      const duplicate = await recordStage(id, { [a]: 40, [b]: 40 }, '2025-05-21');
      expectOk(await post(`/v1/exchanges/${id}/complete`, { occurredAt: '2025-05-22' }));
      expect(await totalsOf(a, 'pow')).toMatchObject({ handedOver: 140, received: 140 });

      const voided = await post(`/v1/exchanges/${id}/stages/${duplicate}/void`, {
        occurredAt: '2025-05-26',
        reason: 'the same tranche reported twice',
      });
      expectOk(voided);
      expect(voided.body.status).toBe('completed');
      expect(voided.body.sides).toEqual([
        { party: a, handsOver: 100, delivered: 100, undisclosedStages: 0, approximate: 0, variance: 0 },
        { party: b, handsOver: 100, delivered: 100, undisclosedStages: 0, approximate: 0, variance: 0 },
      ]);
      const stage = voided.body.stages.find((s: { id: string }) => s.id === duplicate);
      expect(stage.voided).toMatchObject({ occurredAt: '2025-05-26', reason: 'the same tranche reported twice' });
      expect(await totalsOf(a, 'pow')).toMatchObject({ handedOver: 100, received: 100, agreedOutstanding: 0 });
      expect(await totalsOf(b, 'pow')).toMatchObject({ handedOver: 100, received: 100, agreedOutstanding: 0 });

      const history = await http().get(`/v1/exchanges/${id}/events`);
      const events = history.body.data as { type: string; data: { stageId?: string } }[];
      expect(events.map((e) => e.type)).toEqual([
        'ExchangeProposed',
        'ExchangeAgreed',
        'StageRecorded',
        'StageRecorded',
        'StageRecorded',
        'ExchangeCompleted',
        'StageVoided',
      ]);
      expect(events.filter((e) => e.data.stageId === duplicate).map((e) => e.type)).toEqual([
        'StageRecorded',
        'StageVoided',
      ]);
    });
  });
});

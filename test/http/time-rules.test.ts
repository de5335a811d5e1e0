import type { Response } from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';

/*
 * The time rules of DESIGN.md ("State machine" and "Time and provenance"), through the API:
 * - no occurredAt more than a day in the future (every command);
 * - a transition (counter, agree, reject, withdraw, cancel, complete) may not precede the
 *   latest transition of its exchange, and complete not its latest (non-voided) stage;
 * - a stage may not precede the agreement, but stages come in any order among themselves;
 * - a date-only time on the same day as an instant is not "before" it;
 * - date-times with offsets are normalised to UTC;
 * - every refusal is 422 naming the bound, and writes nothing.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const A = 'UA'; // always the proposer
const B = 'RU'; // the other party

type Body = Record<string, unknown>;

describe('time rules over HTTP', () => {
  const t = useLedger();
  const http = () => t().http();
  const post = (path: string, body: Body) => http().post(path).send(body);

  beforeAll(async () => {
    await registerParties(t(), A, B);
  });

  function expectOk(res: Response, status = 200): void {
    expect(res.status, `${res.status} ${JSON.stringify(res.body)}`).toBe(status);
  }

  async function proposeAt(at: string, o: { handsOver?: [number | null, number | null] } = {}): Promise<Response> {
    const [ha, hb] = o.handsOver ?? [100, 100];
    return post('/v1/exchanges', {
      kind: 'pow',
      proposedBy: A,
      sides: [
        { party: A, handsOver: ha },
        { party: B, handsOver: hb },
      ],
      occurredAt: at,
    });
  }

  async function proposed(at = '2025-05-16'): Promise<string> {
    const res = await proposeAt(at);
    expectOk(res, 201);
    return res.body.id as string;
  }

  async function agreed(proposedAt = '2025-05-16', agreedAt = proposedAt): Promise<string> {
    const id = await proposed(proposedAt);
    expectOk(await post(`/v1/exchanges/${id}/agree`, { by: B, occurredAt: agreedAt }));
    return id;
  }

  async function stage(id: string, count: number, occurredAt: string): Promise<Response> {
    return post(`/v1/exchanges/${id}/stages`, {
      sides: [
        { party: A, count },
        { party: B, count },
      ],
      occurredAt,
    });
  }

  async function staged(id: string, count: number, occurredAt: string): Promise<string> {
    const res = await stage(id, count, occurredAt);
    expectOk(res, 201);
    return res.body.stage.id as string;
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
    etag: string | undefined;
    exchange: unknown;
    events: unknown[];
    totals: unknown;
    head: number;
  }

  async function snapshot(id: string | null): Promise<Snapshot> {
    const totals = await http().get('/v1/totals');
    expectOk(totals);
    if (id === null)
      return { etag: undefined, exchange: null, events: [], totals: totals.body, head: await ledgerHead() };
    const ex = await http().get(`/v1/exchanges/${id}`);
    expectOk(ex);
    const ev = await http().get(`/v1/exchanges/${id}/events`);
    expectOk(ev);
    return {
      etag: ex.headers.etag as string,
      exchange: ex.body,
      events: ev.body.data,
      totals: totals.body,
      head: await ledgerHead(),
    };
  }

  async function expectNothingWritten(id: string | null, before: Snapshot): Promise<void> {
    const after = await snapshot(id);
    expect(after.etag).toBe(before.etag);
    expect(after.exchange).toEqual(before.exchange);
    expect(after.events).toHaveLength(before.events.length);
    expect(after.totals).toEqual(before.totals);
    expect(after.head).toBe(before.head);
  }

  /** 422 unprocessable with an error on occurredAt whose message satisfies `names`. */
  function expectTimeRefusal(res: Response, names: (message: string) => boolean): void {
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('/problems/unprocessable');
    expect(res.body.status).toBe(422);
    const onOccurredAt = (res.body.errors as { path: string; message: string }[]).filter(
      (e) => e.path === 'occurredAt',
    );
    expect(onOccurredAt.length, JSON.stringify(res.body.errors)).toBeGreaterThan(0);
    expect(
      onOccurredAt.some((e) => names(e.message)),
      JSON.stringify(onOccurredAt),
    ).toBe(true);
  }

  const naming = (bound: string) => (message: string) => message.includes(bound);

  /** Refused as precedes-the-bound: 422 naming `bound`, nothing written. */
  async function expectRefusedBefore(id: string, path: string, body: Body, bound: string): Promise<void> {
    const before = await snapshot(id);
    expectTimeRefusal(await post(path, body), naming(bound));
    await expectNothingWritten(id, before);
  }

  describe('no occurredAt more than a day in the future', () => {
    /** The future bound named in the message: an instant about a day after the request. */
    function namesFutureBound(sentAt: number, answeredAt: number) {
      return (message: string) => {
        const instants = message.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g) ?? [];
        return instants.some((s) => {
          const bound = Date.parse(s);
          return bound >= sentAt + DAY_MS - 2000 && bound <= answeredAt + DAY_MS + 2000;
        });
      };
    }

    const farFuture = () => new Date(Date.now() + DAY_MS + 60 * 60 * 1000).toISOString(); // a day and an hour ahead

    async function expectFutureRefused(id: string | null, path: string, body: Body): Promise<void> {
      const before = await snapshot(id);
      const sentAt = Date.now();
      const res = await post(path, body);
      expectTimeRefusal(res, namesFutureBound(sentAt, Date.now()));
      await expectNothingWritten(id, before);
    }

    it('refuses a proposal dated more than a day ahead (instant), naming the bound', async () => {
      await expectFutureRefused(null, '/v1/exchanges', {
        kind: 'pow',
        proposedBy: A,
        sides: [
          { party: A, handsOver: 1 },
          { party: B, handsOver: 1 },
        ],
        occurredAt: farFuture(),
      });
    });

    it('refuses a proposal dated more than a day ahead (date only), naming the bound', async () => {
      const inThreeDays = new Date(Date.now() + 3 * DAY_MS).toISOString().slice(0, 10);
      await expectFutureRefused(null, '/v1/exchanges', {
        kind: 'pow',
        proposedBy: A,
        sides: [
          { party: A, handsOver: 1 },
          { party: B, handsOver: 1 },
        ],
        occurredAt: inThreeDays,
      });
    });

    it('accepts a proposal less than a day ahead (the bound is a day, not now)', async () => {
      const res = await proposeAt(new Date(Date.now() + 12 * 60 * 60 * 1000).toISOString());
      expectOk(res, 201);
    });

    const onProposed: { action: string; body: Body }[] = [
      {
        action: 'counter',
        body: {
          by: B,
          sides: [
            { party: A, handsOver: 2 },
            { party: B, handsOver: 2 },
          ],
        },
      },
      { action: 'agree', body: { by: B } },
      { action: 'reject', body: { by: B } },
      { action: 'withdraw', body: { by: A } },
    ];
    it.each(onProposed)(
      'refuses $action dated more than a day ahead, naming the bound, writing nothing',
      async ({ action, body }) => {
        const id = await proposed();
        await expectFutureRefused(id, `/v1/exchanges/${id}/${action}`, { ...body, occurredAt: farFuture() });
      },
    );

    const onAgreed: { action: string; path: string; body: Body }[] = [
      { action: 'cancel', path: 'cancel', body: { by: A } },
      { action: 'recordStage', path: 'stages', body: { sides: [{ party: A, count: 1 }] } },
      { action: 'complete', path: 'complete', body: {} },
      { action: 'complete with a last tranche', path: 'complete', body: { sides: [{ party: A, count: 1 }] } },
    ];
    it.each(onAgreed)(
      'refuses $action dated more than a day ahead, naming the bound, writing nothing',
      async ({ path, body }) => {
        const id = await agreed();
        await expectFutureRefused(id, `/v1/exchanges/${id}/${path}`, { ...body, occurredAt: farFuture() });
      },
    );

    it('refuses voidStage dated more than a day ahead, naming the bound, writing nothing', async () => {
      const id = await agreed();
      const stageId = await staged(id, 5, '2025-05-20');
      await expectFutureRefused(id, `/v1/exchanges/${id}/stages/${stageId}/void`, {
        reason: 'error',
        occurredAt: farFuture(),
      });
    });
  });

  describe('a transition may not precede the latest transition', () => {
    it('counter, agree, reject and withdraw may not precede the proposal', async () => {
      const id = await proposed('2025-05-16');
      for (const [action, body] of [
        [
          'counter',
          {
            by: B,
            sides: [
              { party: A, handsOver: 2 },
              { party: B, handsOver: 2 },
            ],
          },
        ],
        ['agree', { by: B }],
        ['reject', { by: B }],
        ['withdraw', { by: A }],
      ] as const) {
        await expectRefusedBefore(
          id,
          `/v1/exchanges/${id}/${action}`,
          { ...body, occurredAt: '2025-05-15' },
          '2025-05-16',
        );
      }
    });

    it('after a counter, counter, agree, reject and withdraw may not precede the counter', async () => {
      const id = await proposed('2025-05-16');
      expectOk(
        await post(`/v1/exchanges/${id}/counter`, {
          by: B,
          sides: [
            { party: A, handsOver: 120 },
            { party: B, handsOver: 110 },
          ],
          occurredAt: '2025-05-18',
        }),
      );
      // B made the standing proposal now: A may counter, agree, reject; B may withdraw.
      for (const [action, body] of [
        [
          'counter',
          {
            by: A,
            sides: [
              { party: A, handsOver: 2 },
              { party: B, handsOver: 2 },
            ],
          },
        ],
        ['agree', { by: A }],
        ['reject', { by: A }],
        ['withdraw', { by: B }],
      ] as const) {
        await expectRefusedBefore(
          id,
          `/v1/exchanges/${id}/${action}`,
          { ...body, occurredAt: '2025-05-17' },
          '2025-05-18',
        );
      }
      // The same moment as the latest transition is not before it.
      const ok = await post(`/v1/exchanges/${id}/agree`, { by: A, occurredAt: '2025-05-18' });
      expectOk(ok);
      expect(ok.body.status).toBe('agreed');
    });

    it('compares instants, not just days: an agreement earlier on the same day as the counter is refused', async () => {
      const id = await proposed('2025-05-16T09:00:00Z');
      expectOk(
        await post(`/v1/exchanges/${id}/counter`, {
          by: B,
          sides: [
            { party: A, handsOver: 120 },
            { party: B, handsOver: 110 },
          ],
          occurredAt: '2025-05-16T15:00:00Z',
        }),
      );
      await expectRefusedBefore(
        id,
        `/v1/exchanges/${id}/agree`,
        { by: A, occurredAt: '2025-05-16T14:59:59Z' },
        '2025-05-16T15:00:00.000Z',
      );
      expectOk(await post(`/v1/exchanges/${id}/agree`, { by: A, occurredAt: '2025-05-16T15:00:00Z' }));
    });

    it('cancel and complete may not precede the agreement', async () => {
      const id = await agreed('2025-05-16', '2025-05-20');
      await expectRefusedBefore(id, `/v1/exchanges/${id}/cancel`, { by: A, occurredAt: '2025-05-19' }, '2025-05-20');
      await expectRefusedBefore(id, `/v1/exchanges/${id}/complete`, { occurredAt: '2025-05-19' }, '2025-05-20');
      await expectRefusedBefore(
        id,
        `/v1/exchanges/${id}/complete`,
        { occurredAt: '2025-05-19', sides: [{ party: A, count: 1 }] },
        '2025-05-20',
      );
      const done = await post(`/v1/exchanges/${id}/complete`, { occurredAt: '2025-05-20' });
      expectOk(done);
      expect(done.body.status).toBe('completed');
    });

    it('cancel is bound by the latest transition, not by the stages (back-filled stages do not move it)', async () => {
      const id = await agreed('2025-05-16', '2025-05-17');
      await staged(id, 10, '2025-05-25');
      const res = await post(`/v1/exchanges/${id}/cancel`, { by: B, occurredAt: '2025-05-20' });
      expectOk(res);
      expect(res.body.status).toBe('cancelled');
    });
  });

  describe('complete may not precede its latest non-voided stage', () => {
    it('is refused before the latest stage, naming it, and accepted once that stage is voided', async () => {
      const id = await agreed('2025-05-16');
      await staged(id, 10, '2025-05-23');
      const late = await staged(id, 10, '2025-05-25');
      await staged(id, 10, '2025-05-24'); // arrives last, is not the latest
      await expectRefusedBefore(id, `/v1/exchanges/${id}/complete`, { occurredAt: '2025-05-24' }, '2025-05-25');
      await expectRefusedBefore(
        id,
        `/v1/exchanges/${id}/complete`,
        { occurredAt: '2025-05-24', sides: [{ party: A, count: 1 }] },
        '2025-05-25',
      );

      expectOk(
        await post(`/v1/exchanges/${id}/stages/${late}/void`, { occurredAt: '2025-05-26', reason: 'wrongly recorded' }),
      );
      const done = await post(`/v1/exchanges/${id}/complete`, { occurredAt: '2025-05-24' });
      expectOk(done);
      expect(done.body.status).toBe('completed');
    });

    it('on the day of the latest stage it is accepted', async () => {
      const id = await agreed('2025-05-16');
      await staged(id, 10, '2025-05-25');
      expectOk(await post(`/v1/exchanges/${id}/complete`, { occurredAt: '2025-05-25' }));
    });
  });

  describe('stages and the agreement', () => {
    it('a stage may not precede the agreement (422 naming it, nothing written)', async () => {
      const id = await agreed('2025-05-16', '2025-05-18');
      await expectRefusedBefore(
        id,
        `/v1/exchanges/${id}/stages`,
        { sides: [{ party: A, count: 5 }], occurredAt: '2025-05-17' },
        '2025-05-18',
      );
    });

    it('a stage on the day of the agreement is accepted', async () => {
      const id = await agreed('2025-05-16', '2025-05-18');
      expectOk(await stage(id, 5, '2025-05-18'), 201);
    });

    it('stages may arrive in any order among themselves (a late report of an earlier tranche is accepted)', async () => {
      const id = await agreed('2025-05-16');
      await staged(id, 303, '2025-05-25');
      await staged(id, 307, '2025-05-24');
      const late = await stage(id, 390, '2025-05-23');
      expectOk(late, 201);
      expect(late.body.stage.occurredAt).toBe('2025-05-23');
      expect(late.body.exchange.sides.map((s: { delivered: number }) => s.delivered)).toEqual([1000, 1000]);
      const afterLate = await t().http().get(`/v1/exchanges/${late.body.exchange.id}`);
      expect(afterLate.body.stages.map((s: { occurredAt: string }) => s.occurredAt).sort()).toEqual([
        '2025-05-23',
        '2025-05-24',
        '2025-05-25',
      ]);
    });
  });

  describe('a date-only occurredAt on the same day as an instant is not "before" it', () => {
    it('agree dated by day after a proposal at 15:00 that day is accepted; the day before is refused', async () => {
      const id = await proposed('2025-06-10T15:00:00Z');
      await expectRefusedBefore(id, `/v1/exchanges/${id}/agree`, { by: B, occurredAt: '2025-06-09' }, '2025-06-10');
      const res = await post(`/v1/exchanges/${id}/agree`, { by: B, occurredAt: '2025-06-10' });
      expectOk(res);
      expect(res.body.status).toBe('agreed');
      // The ledger keeps what was claimed: the agreement is dated by day.
      const history = await http().get(`/v1/exchanges/${id}/events`);
      expect(history.body.data.map((e: { type: string; occurredAt: string }) => [e.type, e.occurredAt])).toEqual([
        ['ExchangeProposed', '2025-06-10T15:00:00.000Z'],
        ['ExchangeAgreed', '2025-06-10'],
      ]);
    });

    it('a date-only transition does not move the bound back: an instant before the earlier same-day instant is still refused', async () => {
      // Proposed at 15:00, agreed "on 10 June" (so not before 15:00): a cancel at 09:00 that day precedes the agreement.
      const id = await proposed('2025-06-10T15:00:00Z');
      expectOk(await post(`/v1/exchanges/${id}/agree`, { by: B, occurredAt: '2025-06-10' }));
      await expectRefusedBefore(
        id,
        `/v1/exchanges/${id}/cancel`,
        { by: A, occurredAt: '2025-06-10T09:00:00Z' },
        '2025-06-10',
      );
      await expectRefusedBefore(
        id,
        `/v1/exchanges/${id}/stages`,
        { sides: [{ party: A, count: 1 }], occurredAt: '2025-06-10T09:00:00Z' },
        '2025-06-10',
      );
      expectOk(await post(`/v1/exchanges/${id}/cancel`, { by: A, occurredAt: '2025-06-10T16:00:00Z' }));
    });

    it('a stage dated by day after an agreement at 15:00 that day is accepted; the day before is refused', async () => {
      const id = await agreed('2025-06-10T09:00:00Z', '2025-06-10T15:00:00Z');
      await expectRefusedBefore(
        id,
        `/v1/exchanges/${id}/stages`,
        { sides: [{ party: A, count: 5 }], occurredAt: '2025-06-09' },
        '2025-06-10',
      );
      expectOk(await stage(id, 5, '2025-06-10'), 201);
    });

    it('cancel dated by day after an agreement at 15:00 that day is accepted', async () => {
      const id = await agreed('2025-06-10T09:00:00Z', '2025-06-10T15:00:00Z');
      expectOk(await post(`/v1/exchanges/${id}/cancel`, { by: B, occurredAt: '2025-06-10' }));
    });

    it('complete dated by day after a stage at 18:00 that day is accepted', async () => {
      const id = await agreed('2025-06-10');
      await staged(id, 5, '2025-06-12T18:00:00Z');
      expectOk(await post(`/v1/exchanges/${id}/complete`, { occurredAt: '2025-06-12' }));
    });

    it('an instant later on the day of a date-only transition is accepted', async () => {
      const id = await proposed('2025-06-10');
      expectOk(await post(`/v1/exchanges/${id}/agree`, { by: B, occurredAt: '2025-06-10T00:00:01Z' }));
      expectOk(await stage(id, 5, '2025-06-10T12:00:00Z'), 201);
    });
  });

  describe('date-times with offsets are normalised to UTC', () => {
    it('a proposal, agreement and stage come back in UTC, in the view and in the history', async () => {
      const res = await proposeAt('2025-05-23T02:00:00+03:00');
      expectOk(res, 201);
      expect(res.body.occurredAt).toBe('2025-05-22T23:00:00.000Z');
      const id = res.body.id as string;

      const agreedRes = await post(`/v1/exchanges/${id}/agree`, { by: B, occurredAt: '2025-05-22T20:30:00-03:00' });
      expectOk(agreedRes);
      expect(agreedRes.body.agreedAt).toBe('2025-05-22T23:30:00.000Z');

      const st = await stage(id, 5, '2025-05-23T05:15:30.5+05:30');
      expectOk(st, 201);
      expect(st.body.stage.occurredAt).toBe('2025-05-22T23:45:30.500Z');

      const view = await http().get(`/v1/exchanges/${id}`);
      expect(view.body.occurredAt).toBe('2025-05-22T23:00:00.000Z');
      expect(view.body.agreedAt).toBe('2025-05-22T23:30:00.000Z');
      expect(view.body.stages[0].occurredAt).toBe('2025-05-22T23:45:30.500Z');

      const history = await http().get(`/v1/exchanges/${id}/events`);
      expect(history.body.data.map((e: { occurredAt: string }) => e.occurredAt)).toEqual([
        '2025-05-22T23:00:00.000Z',
        '2025-05-22T23:30:00.000Z',
        '2025-05-22T23:45:30.500Z',
      ]);
    });

    it('the rules compare the normalised instants, not the strings as sent', async () => {
      const id = await agreed('2025-05-22T20:00:00Z', '2025-05-22T23:30:00Z');
      // 02:00 on 23 May at +03:00 is 23:00 UTC on 22 May: before the agreement.
      await expectRefusedBefore(
        id,
        `/v1/exchanges/${id}/stages`,
        { sides: [{ party: A, count: 5 }], occurredAt: '2025-05-23T02:00:00+03:00' },
        '2025-05-22T23:30:00.000Z',
      );
      await expectRefusedBefore(
        id,
        `/v1/exchanges/${id}/cancel`,
        { by: A, occurredAt: '2025-05-23T01:00:00+02:00' },
        '2025-05-22T23:30:00.000Z',
      );
      // 02:45 at +03:00 is 23:45 UTC: after it.
      const ok = await stage(id, 5, '2025-05-23T02:45:00+03:00');
      expectOk(ok, 201);
      expect(ok.body.stage.occurredAt).toBe('2025-05-22T23:45:00.000Z');
      // And an offset that puts the instant after a UTC-dated bound is accepted although its string sorts before it.
      const done = await post(`/v1/exchanges/${id}/complete`, { occurredAt: '2025-05-22T20:50:00-03:00' }); // 23:50 UTC
      expectOk(done);
      expect(done.body.status).toBe('completed');
    });
  });
});

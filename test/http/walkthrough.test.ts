import { describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';

// The README's walk-through, end to end: the 1,000-for-1,000 exchange of May 2025.
describe('the 1,000-for-1,000 exchange of May 2025', () => {
  const t = useLedger();

  it('is proposed, agreed, carried out in three stages and completed, and the totals say so', async () => {
    await registerParties(t(), 'UA', 'RU');
    const proposed = await t()
      .http()
      .post('/v1/exchanges')
      .send({
        kind: 'pow',
        proposedBy: 'UA',
        title: '1,000 for 1,000',
        mediator: 'Türkiye',
        sides: [
          { party: 'UA', handsOver: 1000 },
          { party: 'RU', handsOver: 1000 },
        ],
        occurredAt: '2025-05-16',
        source: { title: 'Istanbul talks', url: 'https://example.org/istanbul' },
      });
    expect(proposed.status).toBe(201);
    expect(proposed.headers.location).toBe(`/v1/exchanges/${proposed.body.id}`);
    const id = proposed.body.id;

    expect(
      (await t().http().post(`/v1/exchanges/${id}/agree`).send({ by: 'RU', occurredAt: '2025-05-16' })).status,
    ).toBe(200);
    for (const [count, day] of [
      [390, '2025-05-23'],
      [307, '2025-05-24'],
    ] as const) {
      const res = await t()
        .http()
        .post(`/v1/exchanges/${id}/stages`)
        .send({
          sides: [
            { party: 'UA', count },
            { party: 'RU', count },
          ],
          occurredAt: day,
        });
      expect(res.status).toBe(201);
    }
    const outstanding = await t().http().get('/v1/totals?party=UA&kind=pow');
    expect(outstanding.body.data).toEqual([
      {
        party: 'UA',
        kind: 'pow',
        handedOver: 697,
        received: 697,
        agreedOutstanding: 303,
        unspecifiedSides: 0,
        proposed: 0,
        handedOverUndisclosedStages: 0,
        receivedUndisclosedStages: 0,
        handedOverApproximate: 0,
        receivedApproximate: 0,
      },
    ]);

    const done = await t()
      .http()
      .post(`/v1/exchanges/${id}/complete`)
      .send({
        sides: [
          { party: 'UA', count: 303 },
          { party: 'RU', count: 303 },
        ],
        occurredAt: '2025-05-25',
      });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.sides).toEqual([
      { party: 'UA', handsOver: 1000, delivered: 1000, undisclosedStages: 0, approximate: 0, variance: 0 },
      { party: 'RU', handsOver: 1000, delivered: 1000, undisclosedStages: 0, approximate: 0, variance: 0 },
    ]);
    expect(done.body.stages.map((s: { sides: { count: number }[] }) => s.sides[0]!.count)).toEqual([390, 307, 303]);

    const totals = await t().http().get('/v1/totals');
    expect(totals.body.data).toEqual([
      {
        party: 'RU',
        kind: 'pow',
        handedOver: 1000,
        received: 1000,
        agreedOutstanding: 0,
        unspecifiedSides: 0,
        proposed: 0,
        handedOverUndisclosedStages: 0,
        receivedUndisclosedStages: 0,
        handedOverApproximate: 0,
        receivedApproximate: 0,
      },
      {
        party: 'UA',
        kind: 'pow',
        handedOver: 1000,
        received: 1000,
        agreedOutstanding: 0,
        unspecifiedSides: 0,
        proposed: 0,
        handedOverUndisclosedStages: 0,
        receivedUndisclosedStages: 0,
        handedOverApproximate: 0,
        receivedApproximate: 0,
      },
    ]);
    const history = await t().http().get(`/v1/exchanges/${id}/events`);
    expect(history.body.data.map((e: { type: string }) => e.type)).toEqual([
      'ExchangeProposed',
      'ExchangeAgreed',
      'StageRecorded',
      'StageRecorded',
      'StageRecorded',
      'ExchangeCompleted',
    ]);
    expect(history.body.data.every((e: { principal: string }) => e.principal === 'dev')).toBe(true);
  });
});

import { expect } from 'vitest';
import type { TestLedger } from '../support/app.js';

/**
 * A small ledger for the page, recorded over HTTP: four parties, five exchanges of four kinds,
 * stages over four months (one of them dated by an instant whose UTC month is the next one),
 * a voided stage, sources with and without a link.
 *
 * E1 pow UA/RU 1,000 for 1,000: stages 390 (23 May), 307 (24 May), completed with 303 (25 May).
 * E2 remains RU→UA, RU 6,000 / UA 0: stages RU 1,212 + UA 27 (11 Jun), RU 1,200 (13 Jun),
 *    RU 1,200 (14 Jun), the same 1,200 again (14 Jun, voided 16 Jun) → agreed, RU outstanding 2,388.
 * E3 medical UA/RU, both sides without a number: stages UA 12 / RU 15 (30 Jun 23:30 −02:00,
 *    i.e. 1 Jul UTC) and UA 8 / RU 8 (20 Aug) → agreed, one unspecified side each.
 * E4 civilians RU/UA 30 for 30, proposed (1 Aug).
 * E5 pow AZ/AM 4 for 2: completed with AM 4, AZ 2 (12 Jul).
 */
export interface Seeded {
  remainsId: string;
  voidedStageId: string;
  remainsStageSource: { title: string; url: string };
}

export async function seedLedger(t: TestLedger, authorization: string | null): Promise<Seeded> {
  const send = async (path: string, body: object, status: number) => {
    const req = t.http().post(path);
    if (authorization) req.set('authorization', authorization);
    const res = await req.send(body);
    expect(res.status, `${path}: ${res.text}`).toBe(status);
    return res.body as { id: string; stage?: { id: string }; stages?: { id: string }[] };
  };
  for (const [id, name] of [
    ['UA', 'Ukraine'],
    ['RU', 'Russia'],
    ['AM', 'Armenia'],
    ['AZ', 'Azerbaijan'],
  ] as const) {
    await send('/v1/parties', { id, name, occurredAt: '2025-01-01' }, 201);
  }
  const src = (title: string, url?: string) => ({ source: { title, ...(url && { url }) } });

  const e1 = await send(
    '/v1/exchanges',
    {
      kind: 'pow',
      proposedBy: 'UA',
      title: '1,000 for 1,000',
      mediator: 'Türkiye',
      occurredAt: '2025-05-16',
      sides: [
        { party: 'UA', handsOver: 1000 },
        { party: 'RU', handsOver: 1000 },
      ],
      ...src('Istanbul talks, 16 May 2025', 'https://example.org/istanbul-talks'),
    },
    201,
  );
  await send(`/v1/exchanges/${e1.id}/agree`, { by: 'RU', occurredAt: '2025-05-16' }, 200);
  await send(
    `/v1/exchanges/${e1.id}/stages`,
    {
      sides: [
        { party: 'UA', count: 390 },
        { party: 'RU', count: 390 },
      ],
      occurredAt: '2025-05-23',
      ...src('First stage: 390 for 390', 'https://example.org/stage-1'),
    },
    201,
  );
  await send(
    `/v1/exchanges/${e1.id}/stages`,
    {
      sides: [
        { party: 'UA', count: 307 },
        { party: 'RU', count: 307 },
      ],
      occurredAt: '2025-05-24',
      ...src('Second stage: 307 for 307', 'https://example.org/stage-2'),
    },
    201,
  );
  await send(
    `/v1/exchanges/${e1.id}/complete`,
    {
      sides: [
        { party: 'UA', count: 303 },
        { party: 'RU', count: 303 },
      ],
      occurredAt: '2025-05-25',
      ...src('Third stage: 303 for 303'),
    },
    200,
  );

  const remainsStageSource = { title: 'Repatriation of remains, 13 June', url: 'https://example.org/remains-13-june' };
  const e2 = await send(
    '/v1/exchanges',
    {
      kind: 'remains',
      proposedBy: 'RU',
      title: '6,000 bodies',
      occurredAt: '2025-06-02',
      sides: [
        { party: 'RU', handsOver: 6000 },
        { party: 'UA', handsOver: 0 },
      ],
      ...src('Istanbul talks, 2 June 2025', 'https://example.org/istanbul-2'),
    },
    201,
  );
  await send(`/v1/exchanges/${e2.id}/agree`, { by: 'UA', occurredAt: '2025-06-03' }, 200);
  await send(
    `/v1/exchanges/${e2.id}/stages`,
    {
      sides: [
        { party: 'RU', count: 1212 },
        { party: 'UA', count: 27 },
      ],
      occurredAt: '2025-06-11',
      ...src('First repatriation', 'https://example.org/remains-11-june'),
    },
    201,
  );
  await send(
    `/v1/exchanges/${e2.id}/stages`,
    { sides: [{ party: 'RU', count: 1200 }], occurredAt: '2025-06-13', source: remainsStageSource },
    201,
  );
  await send(
    `/v1/exchanges/${e2.id}/stages`,
    {
      sides: [{ party: 'RU', count: 1200 }],
      occurredAt: '2025-06-14',
      ...src('Third repatriation', 'https://example.org/remains-14-june'),
    },
    201,
  );
  const twice = await send(
    `/v1/exchanges/${e2.id}/stages`,
    {
      sides: [{ party: 'RU', count: 1200 }],
      occurredAt: '2025-06-14',
      ...src('Press report of the 14 June repatriation'),
    },
    201,
  );
  await send(
    `/v1/exchanges/${e2.id}/stages/${twice.stage!.id}/void`,
    {
      occurredAt: '2025-06-16',
      reason: 'recorded twice from two reports of the same tranche',
      ...src('Correction by the recorder'),
    },
    200,
  );

  const e3 = await send(
    '/v1/exchanges',
    {
      kind: 'medical',
      proposedBy: 'UA',
      title: 'All severely wounded',
      occurredAt: '2025-07-01',
      sides: [
        { party: 'UA', handsOver: null },
        { party: 'RU', handsOver: null },
      ],
    },
    201,
  );
  await send(`/v1/exchanges/${e3.id}/agree`, { by: 'RU', occurredAt: '2025-07-01' }, 200);
  await send(
    `/v1/exchanges/${e3.id}/stages`,
    {
      sides: [
        { party: 'UA', count: 12 },
        { party: 'RU', count: 15 },
      ],
      occurredAt: '2025-06-30T23:30:00-02:00',
      ...src('Medical handover at the border', 'https://example.org/medical-1'),
    },
    201,
  );
  await send(
    `/v1/exchanges/${e3.id}/stages`,
    {
      sides: [
        { party: 'UA', count: 8 },
        { party: 'RU', count: 8 },
      ],
      occurredAt: '2025-08-20',
      ...src('Second medical handover'),
    },
    201,
  );

  await send(
    '/v1/exchanges',
    {
      kind: 'civilians',
      proposedBy: 'RU',
      occurredAt: '2025-08-01',
      sides: [
        { party: 'RU', handsOver: 30 },
        { party: 'UA', handsOver: 30 },
      ],
      ...src('Proposal for detained civilians'),
    },
    201,
  );

  const e5 = await send(
    '/v1/exchanges',
    {
      kind: 'pow',
      proposedBy: 'AZ',
      occurredAt: '2025-07-10',
      sides: [
        { party: 'AM', handsOver: 4 },
        { party: 'AZ', handsOver: 2 },
      ],
    },
    201,
  );
  await send(`/v1/exchanges/${e5.id}/agree`, { by: 'AM', occurredAt: '2025-07-10' }, 200);
  await send(
    `/v1/exchanges/${e5.id}/complete`,
    {
      sides: [
        { party: 'AM', count: 4 },
        { party: 'AZ', count: 2 },
      ],
      occurredAt: '2025-07-12',
      ...src('Exchange at the border', 'https://example.org/am-az'),
    },
    200,
  );

  return { remainsId: e2.id, voidedStageId: twice.stage!.id, remainsStageSource };
}

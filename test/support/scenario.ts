import type { TestLedger } from './app.js';
import { expect } from 'vitest';

/** Small helpers to walk an exchange through its life over HTTP in tests. */
export async function registerParties(t: TestLedger, ...ids: string[]): Promise<void> {
  for (const id of ids) {
    const res = await t
      .http()
      .post('/v1/parties')
      .send({ id, name: `Party ${id}` });
    if (res.status !== 201 && res.status !== 409)
      throw new Error(`register ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export interface ProposeOptions {
  kind?: string;
  proposedBy?: string;
  sides?: { party: string; handsOver: number | null }[];
  occurredAt?: string;
}

export async function propose(t: TestLedger, o: ProposeOptions = {}): Promise<string> {
  const res = await t
    .http()
    .post('/v1/exchanges')
    .send({
      kind: o.kind ?? 'pow',
      proposedBy: o.proposedBy ?? 'UA',
      sides: o.sides ?? [
        { party: 'UA', handsOver: 1000 },
        { party: 'RU', handsOver: 1000 },
      ],
      occurredAt: o.occurredAt ?? '2025-05-16',
    });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** Proposed by UA, agreed by RU on the given date. */
export async function agreed(t: TestLedger, o: ProposeOptions = {}): Promise<string> {
  const id = await propose(t, o);
  const other = (o.sides ?? [{ party: 'UA' }, { party: 'RU' }])
    .map((s) => s.party)
    .find((p) => p !== (o.proposedBy ?? 'UA'))!;
  const res = await t
    .http()
    .post(`/v1/exchanges/${id}/agree`)
    .send({ by: other, occurredAt: o.occurredAt ?? '2025-05-16' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return id;
}

export async function stage(
  t: TestLedger,
  id: string,
  counts: Record<string, number>,
  occurredAt: string,
): Promise<string> {
  const res = await t
    .http()
    .post(`/v1/exchanges/${id}/stages`)
    .send({ sides: Object.entries(counts).map(([party, count]) => ({ party, count })), occurredAt });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.stage.id as string;
}

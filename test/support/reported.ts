import type { Response } from 'supertest';
import { expect } from 'vitest';
import type { TestLedger } from './app.js';
import { agreed, registerParties } from './scenario.js';

/*
 * Helpers for the tests of the record as it was reported (accounts, readings, late stages)
 * over HTTP. Observers are registered through the application layer, as the HTTP route for
 * them is tested on its own.
 */

export type Json = Record<string, any>;

/** An observer (ICRC, the press), beside the parties, in their id space. */
export async function registerObserver(t: TestLedger, id: string, name = `Observer ${id}`): Promise<void> {
  const outcome = await t.ledger.registerObserver({
    command: { observerId: id, name, occurredAt: '2014-01-01', note: null },
    principal: 'dev',
    now: new Date().toISOString(),
    idempotency: null,
    respond: (r) => ({ status: r.ok ? 201 : 409, headers: {}, body: r.ok ? r.value : r.rejection }),
  });
  if (outcome.kind !== 'answered' || (outcome.response.status !== 201 && outcome.response.status !== 409))
    throw new Error(`register observer ${id}: ${JSON.stringify(outcome)}`);
}

export async function post(t: TestLedger, path: string, body: unknown, status?: number): Promise<Response> {
  const res = await t
    .http()
    .post(path)
    .send(body as object);
  if (status !== undefined) expect(res.status, `POST ${path}: ${JSON.stringify(res.body)}`).toBe(status);
  return res;
}

export async function get(t: TestLedger, path: string, status = 200): Promise<Json> {
  const res = await t.http().get(path);
  expect(res.status, `GET ${path}: ${JSON.stringify(res.body)}`).toBe(status);
  return res.body as Json;
}

/** An agreed exchange of `kind` between UA (proposer) and RU, with the given terms. */
export async function agreedBetween(
  t: TestLedger,
  kind = 'remains',
  handsOver: [number | null, number | null] = [0, 6000],
  occurredAt = '2025-06-02',
): Promise<string> {
  await registerParties(t, 'UA', 'RU');
  return agreed(t, {
    kind,
    sides: [
      { party: 'UA', handsOver: handsOver[0] },
      { party: 'RU', handsOver: handsOver[1] },
    ],
    occurredAt,
  });
}

/** What an exchange's history and the whole ledger hold now: to show that a refusal wrote nothing. */
export async function written(t: TestLedger, id: string) {
  const exchange = await get(t, `/v1/exchanges/${id}`);
  const head = await get(t, '/v1/ledger/head');
  const history = (await get(t, `/v1/exchanges/${id}/events`)).data as Json[];
  return { exchange, head: head.sequence as number, events: history.length };
}

/** A refusal as problem+json naming the failing fields (every path given must be among them). */
export function expectRefused(res: Response, status: number, type: string, ...paths: string[]): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(type);
  const named = ((res.body.errors ?? []) as { path: string }[]).map((e) => e.path);
  for (const p of paths) expect(named, JSON.stringify(res.body)).toContain(p);
}

/** One side of an account or a figure, as the views show it. */
export const side = (party: string, count: number | null, more: Partial<Json> = {}) => ({
  party,
  count,
  approximate: false,
  breakdown: null,
  ...more,
});

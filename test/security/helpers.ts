import type { Response } from 'supertest';
import { afterAll, beforeAll, expect } from 'vitest';
import { startLedger, type TestLedger } from '../support/app.js';

/** Shared by the security tests: a ledger with authentication on, and the checks they repeat. */

/** 40 characters: above the 32-character minimum the configuration demands. */
export const MASTER_KEY = 'test-master-key-0123456789-abcdefghijklmn';
export const bearer = (key: string) => `Bearer ${key}`;

export type KeyRole = 'reader' | 'recorder' | 'admin';
export interface CreatedKey {
  id: string;
  name: string;
  role: KeyRole;
  secret: string;
  createdBy: string;
}

/**
 * Answers the contract harness flags although they are the described behaviour: an unknown
 * route answers 401 without a key (the harness expects every unrouted answer to be 404), and
 * HEAD, which Fastify adds for every GET, is not an operation of the document.
 */
const EXPECTED_OFF_CONTRACT = [
  /^\S+ \S+ → 401: unrouted answer that is not 404$/,
  /^HEAD \S+ → \d{3}: operation not in openapi\.json$/,
];

/** One ledger with LEDGER_MASTER_KEY set for the whole file (or describe block). */
export function useSecuredLedger(env: Record<string, string> = {}): () => TestLedger {
  let ledger: TestLedger | undefined;
  beforeAll(async () => {
    ledger = await startLedger({ LEDGER_MASTER_KEY: MASTER_KEY, ...env });
  });
  afterAll(async () => {
    const violations = (ledger?.contractViolations ?? []).filter((v) => !EXPECTED_OFF_CONTRACT.some((r) => r.test(v)));
    await ledger?.close();
    expect(violations, 'every response matches openapi/openapi.json').toEqual([]);
  });
  return () => ledger!;
}

export async function createKey(
  t: TestLedger,
  role: KeyRole,
  as: string = MASTER_KEY,
  name = `${role} key`,
): Promise<CreatedKey> {
  const res = await t.http().post('/v1/keys').set('authorization', bearer(as)).send({ name, role });
  expect(res.status, res.text).toBe(201);
  return res.body as CreatedKey;
}

/** An answer's text, cut short enough to read in a failure message. */
export const brief = (text: string) =>
  text.length > 300 ? `${text.slice(0, 300)}… (${text.length} characters)` : text;

/** RFC 9457 problem+json with the given status (and type), whose `status` member matches the answer. */
export function expectProblem(
  res: Pick<Response, 'status' | 'headers' | 'body' | 'text'>,
  status: number,
  slug?: string,
): void {
  expect(res.status, brief(res.text)).toBe(status);
  expect(res.headers['content-type'], brief(res.text)).toMatch(/^application\/problem\+json/);
  if (slug) expect(res.body.type).toBe(`/problems/${slug}`);
  expect(res.body.status, 'the problem’s status member is the HTTP status').toBe(status);
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
}

export function expect401(res: Response): void {
  expectProblem(res, 401, 'unauthorized');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
}

/** Nothing internal reaches a client: no stack, no SQL, no file path, no 5xx. */
export function expectNoLeak(res: { status: number; text: string; body?: unknown }): void {
  expect(res.status, brief(res.text)).toBeLessThan(500);
  expect(res.text).not.toMatch(/"stack"|\bat .+:\d+:\d+/);
  expect(res.text).not.toMatch(/\.(ts|js):\d+/);
  expect(res.text).not.toMatch(/\bSELECT\b|sqlite|\/work\/|node_modules|drizzle|SQLITE_/i);
  if (res.body && typeof res.body === 'object') expect(res.body).not.toHaveProperty('stack');
}

/** How many events the whole ledger holds, read with the master key. */
export async function ledgerSize(t: TestLedger): Promise<number> {
  let after = '0';
  let count = 0;
  for (;;) {
    const res = await t.http().get(`/v1/events?after=${after}&limit=1000`).set('authorization', bearer(MASTER_KEY));
    expect(res.status, res.text).toBe(200);
    count += (res.body.data as unknown[]).length;
    if (res.body.nextCursor === null) return count;
    after = res.body.nextCursor as string;
  }
}

/** Registers the parties (201, or 409 when already there) with the master key. */
export async function registerParties(t: TestLedger, ...ids: string[]): Promise<void> {
  for (const id of ids) {
    const res = await t
      .http()
      .post('/v1/parties')
      .set('authorization', bearer(MASTER_KEY))
      .send({ id, name: `Party ${id}` });
    expect([201, 409], res.text).toContain(res.status);
  }
}

export const PROPOSAL = {
  kind: 'pow',
  proposedBy: 'UA',
  sides: [
    { party: 'UA', handsOver: 10 },
    { party: 'RU', handsOver: 10 },
  ],
  occurredAt: '2025-05-16',
};

/** Proposes (with the given key), and returns the exchange id. */
export async function propose(t: TestLedger, key: string = MASTER_KEY): Promise<string> {
  const res = await t.http().post('/v1/exchanges').set('authorization', bearer(key)).send(PROPOSAL);
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

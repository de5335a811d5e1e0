import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/http/auth/secrets.js';
import { storedBytes } from '../support/database.js';
import { startService } from '../support/process.js';
import {
  MASTER_KEY,
  PROPOSAL,
  bearer,
  createKey,
  expectNoLeak,
  propose,
  registerParties,
  useSecuredLedger,
  type CreatedKey,
} from './helpers.js';

/*
 * Secrets are shown once and kept nowhere: not in the database (only digests), not in any
 * answer but the creation, not in the logs, even at trace level and on failures.
 */

/** Every form of a secret that would betray it if found: the text, the text without prefix, the raw bytes. */
function formsOf(secret: string): Buffer[] {
  const forms = [Buffer.from(secret, 'utf8')];
  if (secret.startsWith('lgr_'))
    forms.push(Buffer.from(secret.slice(4), 'utf8'), Buffer.from(secret.slice(4), 'base64url'));
  return forms;
}

describe('in the database and in answers', () => {
  const t = useSecuredLedger();
  const keys: CreatedKey[] = [];
  /** Every answer to a request that presented a key, with the key it presented. */
  const answers: { presented: string; res: Response; what: string }[] = [];
  const as = async (presented: string, what: string, send: (auth: string) => PromiseLike<Response>) => {
    const res = await send(bearer(presented));
    answers.push({ presented, res, what });
    return res;
  };

  it('creates, uses, and fails with keys (setup for the checks below)', async () => {
    await registerParties(t(), 'UA', 'RU');
    for (const role of ['reader', 'recorder', 'admin'] as const) keys.push(await createKey(t(), role));
    const [reader, recorder, admin] = keys as [CreatedKey, CreatedKey, CreatedKey];
    // A key made by an admin key, and one revoked.
    keys.push(await createKey(t(), 'recorder', admin.secret, 'second recorder'));
    const doomed = await createKey(t(), 'admin', MASTER_KEY, 'doomed');
    keys.push(doomed);
    expect((await t().http().delete(`/v1/keys/${doomed.id}`).set('authorization', bearer(MASTER_KEY))).status).toBe(
      200,
    );

    // Successful use, including a write kept for idempotent replay (its stored answer must hold no secret).
    const id = await propose(t(), recorder.secret);
    expect(
      (
        await as(recorder.secret, 'idempotent propose', (a) =>
          t().http().post('/v1/exchanges').set('authorization', a).set('idempotency-key', 'once-1').send(PROPOSAL),
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await as(recorder.secret, 'replay', (a) =>
          t().http().post('/v1/exchanges').set('authorization', a).set('idempotency-key', 'once-1').send(PROPOSAL),
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await as(admin.secret, 'register', (a) =>
          t()
            .http()
            .post('/v1/parties')
            .set('authorization', a)
            .set('idempotency-key', 'party-1')
            .send({ id: 'TR', name: 'Türkiye' }),
        )
      ).status,
    ).toBe(201);
    expect(
      (await as(reader.secret, 'read', (a) => t().http().get(`/v1/exchanges/${id}`).set('authorization', a))).status,
    ).toBe(200);
    expect((await as(MASTER_KEY, 'read', (a) => t().http().get('/v1/keys').set('authorization', a))).status).toBe(200);

    // Failures: forbidden, revoked, near misses, bad bodies, refused idempotency, unknown routes.
    expect(
      (
        await as(reader.secret, 'forbidden write', (a) =>
          t().http().post('/v1/exchanges').set('authorization', a).send(PROPOSAL),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await as(recorder.secret, 'forbidden key creation', (a) =>
          t().http().post('/v1/keys').set('authorization', a).send({ name: 'x', role: 'admin' }),
        )
      ).status,
    ).toBe(403);
    expect(
      (await as(doomed.secret, 'revoked', (a) => t().http().get('/v1/parties').set('authorization', a))).status,
    ).toBe(401);
    for (const near of [`${admin.secret}x`, admin.secret.slice(0, -1), `${MASTER_KEY}x`, MASTER_KEY.slice(0, -1)]) {
      expect((await as(near, 'near miss', (a) => t().http().get('/v1/parties').set('authorization', a))).status).toBe(
        401,
      );
    }
    expect(
      (
        await as(recorder.secret, 'bad body', (a) =>
          t().http().post('/v1/exchanges').set('authorization', a).send({ kind: recorder.secret }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await as(admin.secret, 'idempotent key creation', (a) =>
          t()
            .http()
            .post('/v1/keys')
            .set('authorization', a)
            .set('idempotency-key', 'k-1')
            .send({ name: 'x', role: 'reader' }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await as(recorder.secret, 'unknown exchange', (a) =>
          t()
            .http()
            .post('/v1/exchanges/nope/agree')
            .set('authorization', a)
            .send({ by: 'RU', occurredAt: '2025-05-16' }),
        )
      ).status,
    ).toBe(404);
    expect(
      (await as(reader.secret, 'unknown route', (a) => t().http().get('/v1/secrets').set('authorization', a))).status,
    ).toBe(404);
    expect(
      (
        await as(admin.secret, 'malformed JSON', (a) =>
          t().http().post('/v1/parties').set('authorization', a).set('content-type', 'application/json').send('{"id":'),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await as(admin.secret, 'wrong media type', (a) =>
          t().http().post('/v1/parties').set('authorization', a).set('content-type', 'text/plain').send(admin.secret),
        )
      ).status,
    ).toBe(415);
  });

  it('never writes a secret or the master key into the database at rest (only digests)', () => {
    const { bytes, where } = storedBytes(t());
    expect(keys.length).toBeGreaterThanOrEqual(5);
    // The right files were read: every key's id and digest are in them.
    for (const k of keys) {
      expect(bytes.includes(Buffer.from(k.id)), `key id ${k.id} is stored`).toBe(true);
      expect(bytes.includes(Buffer.from(digestOf(k.secret))), `digest of ${k.name} is stored`).toBe(true);
    }
    for (const secret of [MASTER_KEY, ...keys.map((k) => k.secret)]) {
      for (const form of formsOf(secret)) expect(bytes.includes(form), `a form of a secret is in ${where}`).toBe(false);
    }
    // Nor the master key's digest: nothing about the master key is stored at all.
    expect(bytes.includes(Buffer.from(digestOf(MASTER_KEY)))).toBe(false);
  });

  it('never answers with the presented key (outside the creation answer)', () => {
    expect(answers.length).toBeGreaterThan(15);
    for (const { presented, res, what } of answers) {
      expectNoLeak(res);
      for (const form of formsOf(presented))
        expect(Buffer.from(res.text).includes(form), `${what} (${res.status}) echoes the key`).toBe(false);
      expect(JSON.stringify(res.headers)).not.toContain(presented);
    }
  });
});

describe('in the logs of the real process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never logs the master key or a secret, even at LOG_LEVEL=trace and on failures', async () => {
    const service = await startService({
      DATABASE_URL: `file:${join(dir, 'ledger.db')}`,
      LEDGER_MASTER_KEY: MASTER_KEY,
      LOG_LEVEL: 'trace',
    });
    const secrets: string[] = [MASTER_KEY];
    try {
      const call = (
        path: string,
        key: string | null,
        init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
      ) =>
        fetch(service.baseUrl + path, {
          method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
          headers: {
            ...(key === null ? {} : { authorization: bearer(key) }),
            ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...init.headers,
          },
          ...(init.body === undefined
            ? {}
            : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
        });
      const created: CreatedKey[] = [];
      for (const role of ['reader', 'recorder', 'admin'] as const) {
        const res = await call('/v1/keys', MASTER_KEY, { body: { name: `${role} key`, role } });
        expect(res.status).toBe(201);
        created.push((await res.json()) as CreatedKey);
      }
      secrets.push(...created.map((k) => k.secret));
      const [reader, recorder, admin] = created as [CreatedKey, CreatedKey, CreatedKey];
      expect((await call('/v1/parties', admin.secret, { body: { id: 'UA', name: 'Ukraine' } })).status).toBe(201);
      expect((await call('/v1/parties', MASTER_KEY, { body: { id: 'RU', name: 'Russia' } })).status).toBe(201);
      expect((await call('/v1/exchanges', recorder.secret, { body: PROPOSAL })).status).toBe(201);
      expect((await call('/v1/exchanges', reader.secret)).status).toBe(200);
      // Failures, which are logged with more detail than successes.
      expect((await call('/v1/exchanges', reader.secret, { body: PROPOSAL })).status).toBe(403);
      expect((await call('/v1/parties', `${admin.secret}x`)).status).toBe(401);
      expect((await call('/v1/parties', `${MASTER_KEY}x`)).status).toBe(401);
      expect((await call('/v1/parties', null, { headers: { authorization: `Basic ${MASTER_KEY}` } })).status).toBe(401);
      expect((await call('/v1/exchanges', recorder.secret, { body: '{"kind":' })).status).toBe(400);
      expect(
        (
          await call('/v1/keys', admin.secret, {
            body: { name: 'x', role: 'reader' },
            headers: { 'idempotency-key': 'k' },
          })
        ).status,
      ).toBe(400);
      expect((await call('/v1/nowhere', recorder.secret)).status).toBe(404);
      expect((await call(`/v1/keys/${reader.id}`, admin.secret, { method: 'DELETE' })).status).toBe(200);
      expect((await call('/v1/parties', reader.secret)).status).toBe(401);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    const output = service.output();
    // The requests were logged (so the check below looks at real log lines) ...
    expect(output).toMatch(/incoming request/);
    expect(output).toContain('/v1/keys');
    // ... and no form of any secret is in them.
    for (const secret of secrets) {
      for (const form of formsOf(secret))
        expect(Buffer.from(output).includes(form), 'a secret is in the process output').toBe(false);
    }
  });
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runServiceToExit, startService } from '../support/process.js';
import {
  MASTER_KEY,
  bearer,
  createKey,
  expect401,
  expectProblem,
  propose,
  registerParties,
  useSecuredLedger,
} from './helpers.js';

/*
 * API keys (issue 4): created by the master key or an admin, the secret shown once, listed
 * without secrets, revoked at once; every event names the key that wrote it.
 */

const SECRET_SHAPE = /^lgr_[A-Za-z0-9_-]{43}$/; // 256 bits, base64url without padding
const m = bearer(MASTER_KEY);

describe('API keys', () => {
  const t = useSecuredLedger();

  it('POST /v1/keys answers 201 with the secret (lgr_ + 256-bit base64url), a Location, and who created it', async () => {
    const res = await t()
      .http()
      .post('/v1/keys')
      .set('authorization', m)
      .send({ name: 'field office', role: 'recorder' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'field office',
      role: 'recorder',
      createdBy: 'master',
      revokedAt: null,
      revokedBy: null,
    });
    expect(res.body.secret).toMatch(SECRET_SHAPE);
    expect(Buffer.from(res.body.secret.slice(4), 'base64url')).toHaveLength(32);
    expect(res.headers.location).toBe(`/v1/keys/${res.body.id}`);
    // The key works at once.
    expect((await t().http().get('/v1/exchanges').set('authorization', bearer(res.body.secret))).status).toBe(200);
  });

  it('gives every key a different secret and id', async () => {
    const made = await Promise.all(Array.from({ length: 8 }, () => createKey(t(), 'reader')));
    expect(new Set(made.map((k) => k.secret)).size).toBe(8);
    expect(new Set(made.map((k) => k.id)).size).toBe(8);
  });

  it('shows the secret once: GET /v1/keys lists the key without it, and no later answer holds it', async () => {
    const key = await createKey(t(), 'admin', MASTER_KEY, 'shown once');
    const list = await t().http().get('/v1/keys').set('authorization', m);
    expect(list.status).toBe(200);
    const listed = (list.body.data as Record<string, unknown>[]).find((k) => k.id === key.id);
    expect(listed).toEqual({
      id: key.id,
      name: 'shown once',
      role: 'admin',
      createdAt: expect.any(String),
      createdBy: 'master',
      revokedAt: null,
      revokedBy: null,
    });
    for (const k of list.body.data as Record<string, unknown>[]) expect(Object.keys(k)).not.toContain('secret');
    expect(list.text).not.toContain(key.secret);
    expect(list.text).not.toContain(key.secret.slice(4));
    // Listing with the key itself, and the answers to its revocation, do not hold it either.
    const own = await t().http().get('/v1/keys').set('authorization', bearer(key.secret));
    expect(own.status).toBe(200);
    expect(own.text).not.toContain(key.secret);
    const revoke = await t().http().delete(`/v1/keys/${key.id}`).set('authorization', m);
    expect(revoke.status).toBe(200);
    expect(revoke.body).not.toHaveProperty('secret');
    expect(revoke.text).not.toContain(key.secret);
  });

  it('refuses a bad creation with 400: unknown role, missing name, extra field', async () => {
    const before = (await t().http().get('/v1/keys').set('authorization', m)).body.data.length as number;
    for (const body of [
      { name: 'x', role: 'master' },
      { name: 'x', role: 'superuser' },
      { role: 'reader' },
      { name: '   ', role: 'reader' },
      { name: 'x', role: 'reader', secret: 'lgr_mine' },
    ]) {
      expectProblem(await t().http().post('/v1/keys').set('authorization', m).send(body), 400, 'validation-failed');
    }
    expect((await t().http().get('/v1/keys').set('authorization', m)).body.data).toHaveLength(before);
  });

  it('refuses POST /v1/keys with an Idempotency-Key (400), and creates nothing', async () => {
    const before = (await t().http().get('/v1/keys').set('authorization', m)).body.data.length as number;
    const res = await t()
      .http()
      .post('/v1/keys')
      .set('authorization', m)
      .set('idempotency-key', 'make-key-1')
      .send({ name: 'replayable', role: 'reader' });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ path: 'Idempotency-Key', message: expect.any(String) }]);
    expect(res.text).not.toMatch(/lgr_/);
    const after = (await t().http().get('/v1/keys').set('authorization', m)).body.data as { name: string }[];
    expect(after).toHaveLength(before);
    expect(after.map((k) => k.name)).not.toContain('replayable');
  });

  it('revocation takes effect on the very next request', async () => {
    const key = await createKey(t(), 'recorder');
    const auth = bearer(key.secret);
    expect((await t().http().get('/v1/parties').set('authorization', auth)).status).toBe(200);
    const res = await t().http().delete(`/v1/keys/${key.id}`).set('authorization', m);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      id: key.id,
      role: 'recorder',
      revokedAt: expect.any(String),
      revokedBy: 'master',
    });
    expect401(await t().http().get('/v1/parties').set('authorization', auth));
    expect401(await t().http().post('/v1/exchanges').set('authorization', auth).send({}));
    const listed = (
      (await t().http().get('/v1/keys').set('authorization', m)).body.data as { id: string; revokedAt: string | null }[]
    ).find((k) => k.id === key.id);
    expect(listed?.revokedAt).toBe(res.body.revokedAt);
  });

  it('revoking twice keeps the first revocation (time and who)', async () => {
    const admin = await createKey(t(), 'admin');
    const key = await createKey(t(), 'reader');
    const first = await t().http().delete(`/v1/keys/${key.id}`).set('authorization', m);
    expect(first.status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    const second = await t().http().delete(`/v1/keys/${key.id}`).set('authorization', bearer(admin.secret));
    expect(second.status, second.text).toBe(200);
    expect(second.body.revokedAt).toBe(first.body.revokedAt);
    expect(second.body.revokedBy).toBe('master');
    expect401(await t().http().get('/v1/parties').set('authorization', bearer(key.secret)));
  });

  it('answers 404 problem+json for an unknown key id, and revokes nothing', async () => {
    const live = await createKey(t(), 'reader');
    for (const id of ['0196e5a4-8f00-7000-8000-000000000000', 'nope', "' OR '1'='1", '%']) {
      const res = await t()
        .http()
        .delete(`/v1/keys/${encodeURIComponent(id)}`)
        .set('authorization', m);
      expectProblem(res, 404, 'not-found');
    }
    expect((await t().http().get('/v1/parties').set('authorization', bearer(live.secret))).status).toBe(200);
  });

  it('lets an admin key do all three key operations, and records it as creator and revoker', async () => {
    const admin = await createKey(t(), 'admin');
    const a = bearer(admin.secret);
    const made = await t()
      .http()
      .post('/v1/keys')
      .set('authorization', a)
      .send({ name: 'made by admin', role: 'reader' });
    expect(made.status, made.text).toBe(201);
    expect(made.body.createdBy).toBe(admin.id);
    expect((await t().http().get('/v1/keys').set('authorization', a)).status).toBe(200);
    const revoked = await t().http().delete(`/v1/keys/${made.body.id}`).set('authorization', a);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedBy).toBe(admin.id);
    expect401(await t().http().get('/v1/parties').set('authorization', bearer(made.body.secret)));
  });

  it('refuses key management to reader and recorder keys (403), and they cannot revoke anyone', async () => {
    const victim = await createKey(t(), 'admin');
    for (const role of ['reader', 'recorder'] as const) {
      const k = bearer((await createKey(t(), role)).secret);
      expectProblem(
        await t().http().post('/v1/keys').set('authorization', k).send({ name: 'escalate', role: 'admin' }),
        403,
        'forbidden',
      );
      expectProblem(await t().http().get('/v1/keys').set('authorization', k), 403, 'forbidden');
      expectProblem(await t().http().delete(`/v1/keys/${victim.id}`).set('authorization', k), 403, 'forbidden');
    }
    expect((await t().http().get('/v1/keys').set('authorization', bearer(victim.secret))).status).toBe(200);
  });

  it('records the principal of every event: the key id, or "master" for the master key', async () => {
    const recorder = await createKey(t(), 'recorder');
    const admin = await createKey(t(), 'admin');
    // A party registered by the admin key, one by the master key.
    expect(
      (
        await t()
          .http()
          .post('/v1/parties')
          .set('authorization', bearer(admin.secret))
          .send({ id: 'UA', name: 'Ukraine' })
      ).status,
    ).toBe(201);
    await registerParties(t(), 'RU');
    const id = await propose(t(), recorder.secret);
    const agree = await t()
      .http()
      .post(`/v1/exchanges/${id}/agree`)
      .set('authorization', m)
      .send({ by: 'RU', occurredAt: '2025-05-16' });
    expect(agree.status, agree.text).toBe(200);
    const stage = await t()
      .http()
      .post(`/v1/exchanges/${id}/stages`)
      .set('authorization', bearer(admin.secret))
      .send({ sides: [{ party: 'UA', count: 4 }], occurredAt: '2025-05-20' });
    expect(stage.status, stage.text).toBe(201);

    const history = await t().http().get(`/v1/exchanges/${id}/events`).set('authorization', bearer(recorder.secret));
    expect(history.status).toBe(200);
    expect((history.body.data as { type: string; principal: string }[]).map((e) => [e.type, e.principal])).toEqual([
      ['ExchangeProposed', recorder.id],
      ['ExchangeAgreed', 'master'],
      ['StageRecorded', admin.id],
    ]);
    const all = await t().http().get('/v1/events?limit=1000').set('authorization', m);
    const parties = (all.body.data as { streamId: string; principal: string }[]).filter((e) =>
      e.streamId.startsWith('party:'),
    );
    expect(parties.map((e) => [e.streamId, e.principal])).toEqual([
      ['party:UA', admin.id],
      ['party:RU', 'master'],
    ]);
  });
});

describe('start-up without a master key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('NODE_ENV=production without LEDGER_MASTER_KEY (unset, empty, or too short): exits non-zero naming it, before opening the database', async () => {
    const runs = await Promise.all([
      runServiceToExit({ NODE_ENV: 'production', DATABASE_URL: `file:${join(dir, 'unset.db')}` }),
      runServiceToExit({
        NODE_ENV: 'production',
        DATABASE_URL: `file:${join(dir, 'empty.db')}`,
        LEDGER_MASTER_KEY: '',
      }),
      runServiceToExit({
        NODE_ENV: 'production',
        DATABASE_URL: `file:${join(dir, 'short.db')}`,
        LEDGER_MASTER_KEY: 'too-short',
      }),
      // Long enough, but no Bearer header could carry it: it would start and then refuse every request.
      runServiceToExit({
        NODE_ENV: 'production',
        DATABASE_URL: `file:${join(dir, 'spaced.db')}`,
        LEDGER_MASTER_KEY: 'correct horse battery staple and more!',
      }),
    ]);
    for (const [i, run] of runs.entries()) {
      expect(run.code, run.output).not.toBe(0);
      expect(run.code, run.output).not.toBeNull();
      expect(run.output, `run ${i}`).toContain('LEDGER_MASTER_KEY');
      expect(run.output).not.toContain('Server listening');
    }
    expect(runs[2]!.output).not.toContain('too-short');
    expect(runs[3]!.output).not.toContain('battery staple');
    for (const f of ['unset.db', 'empty.db', 'short.db', 'spaced.db']) expect(existsSync(join(dir, f)), f).toBe(false);
  });

  it('development mode (no key) starts with a loud NO AUTHENTICATION warning', async () => {
    const service = await startService({ DATABASE_URL: `file:${join(dir, 'dev.db')}` });
    try {
      const res = await fetch(`${service.baseUrl}/v1/parties`);
      expect(res.status).toBe(200);
      expect(service.output()).toContain('NO AUTHENTICATION');
      expect(service.output()).toMatch(/"level":40[^\n]*NO AUTHENTICATION/);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('the warning is not hidden by a quiet LOG_LEVEL', async () => {
    const service = await startService(
      { DATABASE_URL: `file:${join(dir, 'quiet.db')}`, LOG_LEVEL: 'silent' },
      /WARNING: NO AUTHENTICATION/,
    );
    service.child.kill('SIGTERM');
    await service.exited;
    expect(service.output()).toContain('WARNING: NO AUTHENTICATION');
  });
});

import { describe, expect, it } from 'vitest';
import type { ExchangeCommand } from '../../src/domain/commands.js';
import { ledgerCommandOf } from '../../src/domain/ledger-command.js';
import type { ExchangeWriteRequest, WriteOutcome } from '../../src/ledger/requests.js';
import type { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-store.js';
import { useLedger } from '../support/app.js';
import { agreed, propose, registerParties } from '../support/scenario.js';

// Group commit: concurrent commands share one durable transaction, each in its own savepoint.
describe('group commit', () => {
  const t = useLedger();
  const store = () => t().store as SqliteLedgerStore;
  const now = () => new Date().toISOString();
  const status = (o: WriteOutcome) => (o.kind === 'answered' ? o.response.status : 422);
  const request = (
    exchangeId: string,
    command: ExchangeCommand,
    extra: Partial<ExchangeWriteRequest> = {},
  ): ExchangeWriteRequest => ({
    exchangeId,
    command: ledgerCommandOf(command),
    principal: 'test',
    now: now(),
    idempotency: null,
    expectedVersion: null,
    respond: (r) =>
      r.ok
        ? { status: 200, headers: {}, body: { version: r.value.state.version } }
        : { status: 409, headers: {}, body: r.rejection },
    ...extra,
  });
  const stage = (count: number, party = 'UA'): ExchangeCommand => ({
    action: 'recordStage',
    stageId: `s-${Math.random()}`,
    sides: [{ party, count }],
    occurredAt: '2025-05-23',
    source: null,
    note: null,
  });

  it('applies commands submitted together in one transaction, losing none', async () => {
    await registerParties(t(), 'UA', 'RU', 'AM');
    const id = await agreed(t(), {
      sides: [
        { party: 'UA', handsOver: 5000 },
        { party: 'RU', handsOver: 5000 },
      ],
    });
    const before = store().commitStats;
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => t().ledger.executeExchange(request(id, stage(i + 1)))),
    );
    expect(outcomes.map(status)).toEqual(Array(40).fill(200));
    const after = store().commitStats;
    expect(after.commands - before.commands).toBe(40);
    expect(after.batches - before.batches).toBe(1);
    const exchange = await t().http().get(`/v1/exchanges/${id}`);
    expect(exchange.body.sides[0].delivered).toBe((40 * 41) / 2);
  });

  it('applies a batch in arrival order: agree then stage succeed together; stage then agree refuses the stage', async () => {
    const a = await propose(t());
    const [agree, first] = await Promise.all([
      t().ledger.executeExchange(
        request(a, { action: 'agree', by: 'RU', occurredAt: '2025-05-16', source: null, note: null }),
      ),
      t().ledger.executeExchange(request(a, stage(10))),
    ]);
    expect([status(agree), status(first)]).toEqual([200, 200]);

    const b = await propose(t());
    const [early, late] = await Promise.all([
      t().ledger.executeExchange(request(b, stage(10))),
      t().ledger.executeExchange(
        request(b, { action: 'agree', by: 'RU', occurredAt: '2025-05-16', source: null, note: null }),
      ),
    ]);
    expect([status(early), status(late)]).toEqual([409, 200]);
    expect((await t().http().get(`/v1/exchanges/${b}`)).body.stages).toEqual([]);
  });

  it('a refused command in a batch fails alone, and writes nothing', async () => {
    const id = await agreed(t());
    const events = async () => (await t().http().get(`/v1/exchanges/${id}/events`)).body.data.length;
    const n = await events();
    const outcomes = await Promise.all([
      t().ledger.executeExchange(request(id, stage(1))),
      t().ledger.executeExchange(request(id, stage(2, 'AM'))), // AM is not a party of this exchange
      t().ledger.executeExchange(
        request(id, {
          action: 'voidStage',
          stageId: 'no-such-stage',
          reason: 'x',
          occurredAt: '2025-05-24',
          source: null,
          note: null,
        }),
      ),
      t().ledger.executeExchange(request(id, stage(3))),
    ]);
    expect(outcomes.map(status)).toEqual([200, 409, 409, 200]);
    expect(await events()).toBe(n + 2);
    expect((await t().http().get(`/v1/exchanges/${id}`)).body.sides[0].delivered).toBe(4);
  });

  it('a command that throws is rolled back to its savepoint; the rest of the batch commits', async () => {
    const id = await agreed(t());
    const totalsBefore = (await t().http().get('/v1/totals?party=UA&kind=pow')).body.data[0].handedOver;
    const results = await Promise.allSettled([
      t().ledger.executeExchange(request(id, stage(5))),
      t().ledger.executeExchange(
        request(id, stage(1000), {
          respond: () => {
            throw new Error('boom while rendering');
          },
        }),
      ),
      t().ledger.executeExchange(request(id, stage(7))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const exchange = (await t().http().get(`/v1/exchanges/${id}`)).body;
    expect(exchange.stages.map((s: { sides: { count: number }[] }) => s.sides[0]!.count)).toEqual([5, 7]);
    expect((await t().http().get('/v1/totals?party=UA&kind=pow')).body.data[0].handedOver).toBe(totalsBefore + 12);
    expect((await t().http().get('/v1/ledger/verify')).body.ok).toBe(true);
  });

  it('the same Idempotency-Key twice in one batch writes once and replays the first answer', async () => {
    const id = await agreed(t());
    const claim = { key: 'batch-key', fingerprint: 'same-request' };
    const [first, second] = await Promise.all([
      t().ledger.executeExchange(request(id, stage(9), { idempotency: claim })),
      t().ledger.executeExchange(request(id, stage(9), { idempotency: claim })),
    ]);
    expect(first).toMatchObject({ kind: 'answered', replayed: false });
    expect(second).toMatchObject({ kind: 'answered', replayed: true });
    expect(first.kind === 'answered' && second.kind === 'answered' && second.response.body).toEqual(
      first.kind === 'answered' && first.response.body,
    );
    expect((await t().http().get(`/v1/exchanges/${id}`)).body.stages).toHaveLength(1);
  });

  it('If-Match within one batch: the first write with the version wins, the second is stale (412)', async () => {
    const id = await agreed(t());
    const version = (await t().http().get(`/v1/exchanges/${id}`)).body.version as number;
    const [a, b] = await Promise.all([
      t()
        .http()
        .post(`/v1/exchanges/${id}/stages`)
        .set('if-match', `"${version}"`)
        .send({ sides: [{ party: 'UA', count: 1 }], occurredAt: '2025-05-23' }),
      t()
        .http()
        .post(`/v1/exchanges/${id}/stages`)
        .set('if-match', `"${version}"`)
        .send({ sides: [{ party: 'UA', count: 1 }], occurredAt: '2025-05-23' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 412]);
    expect((await t().http().get(`/v1/exchanges/${id}`)).body.version).toBe(version + 1);
  });
});

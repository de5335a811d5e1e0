import { describe, expect, it } from 'vitest';
import type { ExchangeCommand } from '../../../src/domain/commands.js';
import { ledgerCommandOf } from '../../../src/domain/ledger-command.js';
import type { ExchangeWriteRequest, WriteOutcome } from '../../../src/ledger/requests.js';
import { usePgLedger } from './support.js';

/*
 * Group commit on PostgreSQL: write transactions asked for together share one transaction
 * under the write lock, each in its own savepoint, in the order they were asked for; one that
 * fails (a refusal, a write the database refuses, an error thrown) fails alone.
 */
describe('group commit on PostgreSQL', () => {
  const t = usePgLedger();
  const now = () => new Date().toISOString();
  const status = (o: WriteOutcome) => (o.kind === 'answered' ? o.response.status : 422);
  const request = (exchangeId: string, command: ExchangeCommand): ExchangeWriteRequest => ({
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
  });
  const stage = (count: number): ExchangeCommand => ({
    action: 'recordStage',
    stageId: `s-${Math.random()}`,
    sides: [{ party: 'UA', count }],
    occurredAt: '2025-05-23',
    source: null,
    note: null,
  });
  const proposed = async () => {
    const id = `e-${Math.random()}`;
    const o = await t().ledger.executeExchange(
      request(id, {
        action: 'propose',
        exchangeId: id,
        kind: 'pow',
        proposedBy: 'UA',
        sides: [
          { party: 'UA', handsOver: 5000 },
          { party: 'RU', handsOver: 5000 },
        ],
        title: null,
        mediator: null,
        occurredAt: '2025-05-16',
        source: null,
        note: null,
      }),
    );
    expect(status(o)).toBe(200);
    return id;
  };
  const agree: ExchangeCommand = { action: 'agree', by: 'RU', occurredAt: '2025-05-16', source: null, note: null };

  it('commits commands asked for together in few transactions, in the order asked, losing none', async () => {
    for (const id of ['UA', 'RU'])
      expect((await t().http().post('/v1/parties').send({ id, name: id })).status).toBe(201);
    const id = await proposed();
    const before = t().store.commitStats;
    // The agreement first: every stage after it in the same batch sees it.
    const outcomes = await Promise.all(
      [request(id, agree), ...Array.from({ length: 40 }, (_, i) => request(id, stage(i + 1)))].map((r) =>
        t().ledger.executeExchange(r),
      ),
    );
    expect(outcomes.map(status)).toEqual(Array(41).fill(200));
    const after = t().store.commitStats;
    expect(after.commands - before.commands).toBe(41);
    expect(after.batches - before.batches).toBeLessThanOrEqual(2);
    expect((await t().http().get(`/v1/exchanges/${id}`)).body.sides[0].delivered).toBe((40 * 41) / 2);
  });

  it('fails a transaction alone, leaving nothing, whether the rules, the database or its code refuse', async () => {
    const id = await proposed();
    const head = await t().store.head();
    const [first, refused, duplicate, thrown, last] = await Promise.allSettled([
      t().ledger.executeExchange(request(id, agree)),
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
      // A party registered twice behind the rules' back: the database refuses the row.
      t().store.transaction(async (tx) =>
        tx.projectParty({ id: 'UA', name: 'again', registeredAt: '2014-01-01' }, now()),
      ),
      t().store.transaction(async (tx) => {
        await tx.projectParty({ id: 'XX', name: 'half-written', registeredAt: '2014-01-01' }, now());
        throw new Error('changed its mind');
      }),
      t().ledger.executeExchange(request(id, stage(5))),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { response: { status: 200 } } });
    expect(refused).toMatchObject({ status: 'fulfilled', value: { response: { status: 409 } } });
    expect(duplicate).toMatchObject({
      status: 'rejected',
      reason: { message: expect.stringMatching(/duplicate key/) },
    });
    expect(thrown).toMatchObject({ status: 'rejected', reason: { message: 'changed its mind' } });
    expect(last).toMatchObject({ status: 'fulfilled', value: { response: { status: 200 } } });
    expect(await t().store.getParty('XX')).toBeNull();
    expect((await t().store.getParty('UA'))?.name).toBe('UA');
    expect((await t().store.head()).sequence).toBe(head.sequence + 2);
    expect(await t().store.verify()).toMatchObject({ ok: true });
  });
});

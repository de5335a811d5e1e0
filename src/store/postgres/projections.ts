import type pg from 'pg';
import type { ExchangeState } from '../../domain/exchange.js';
import type { ExchangeChange } from '../ledger-store.js';
import { run } from './queries.js';
import { WRITES } from './statements.js';

/**
 * Brings the read models up to date with one command's change to an exchange, inside the
 * transaction that appended its events, so readers never see one without the other. (The
 * same rows as the SQLite store's projections.ts.)
 */
export async function projectExchange(client: pg.PoolClient, change: ExchangeChange): Promise<void> {
  const { before, after, appended } = change;
  const state = JSON.stringify(after);
  if (before === null) {
    const seq = appended[0]!.sequence;
    await run(client, WRITES.insertExchange, [after.id, seq, after.kind, after.status, after.occurredAt, after.version, state]);
    await run(client, WRITES.insertExchangeParties, [after.sides[0].party, after.sides[1].party, after.id, after.occurredAt, seq]);
  } else if (before.status === after.status) {
    await run(client, WRITES.updateExchangeState, [after.id, after.version, state]);
  } else {
    await run(client, WRITES.updateExchange, [after.id, after.status, after.version, state]);
  }

  for (const { stage, sequence } of change.recorded) {
    const [a, b] = stage.sides;
    await run(client, WRITES.insertStage, [
      stage.id, a!.party, b!.party, after.id, after.kind, a!.count, b!.count, stage.occurredAt, sequence, stage.recordedAt,
    ]);
  }
  for (const v of change.voided) {
    await run(client, WRITES.voidStage, [v.stageId, after.id, v.occurredAt, v.recordedAt, v.reason]);
  }
  if (change.termsChanged) await recordTerms(client, before, after);
  if (change.totals.length > 0) {
    const column = (pick: (c: ExchangeChange['totals'][number]) => string | number) => change.totals.map(pick);
    await run(client, WRITES.addToTotals, [
      column((c) => c.party), column((c) => c.kind), column((c) => c.handedOver), column((c) => c.received),
      column((c) => c.agreedOutstanding), column((c) => c.unspecifiedSides), column((c) => c.proposed),
    ]);
  }
}

/**
 * Closes the terms in force and opens the new ones at the transition's world time (the
 * exchange's lastTransitionAt, which never moves back, so the intervals stay in order).
 */
async function recordTerms(client: pg.PoolClient, before: ExchangeState | null, after: ExchangeState): Promise<void> {
  const from = after.lastTransitionAt;
  if (before) await run(client, WRITES.closeTerms, [after.id, from]);
  const [a, b] = after.sides;
  await run(client, WRITES.insertTerms, [after.id, a.party, b.party, after.kind, after.version, after.status, a.handsOver, b.handsOver, from]);
}

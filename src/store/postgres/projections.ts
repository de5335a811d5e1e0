import type { ExchangeState } from '../../domain/exchange.js';
import type { ExchangeChange } from '../ledger-store.js';
import { WRITES, type Statement } from './statements.js';

/** Sends a statement of the transaction (PgTransaction.write). */
type Write = (statement: Statement, values: unknown[]) => void;

/**
 * Brings the read models up to date with one command's change to an exchange, inside the
 * transaction that appended its events, so readers never see one without the other. (The
 * same rows as the SQLite store's projections.ts.) Returns the state JSON written in the
 * exchange's row.
 */
export function projectExchange(write: Write, change: ExchangeChange): string {
  const { before, after, appended } = change;
  const state = JSON.stringify(after);
  if (before === null) {
    const seq = appended[0]!.sequence;
    write(WRITES.insertExchange, [after.id, seq, after.kind, after.status, after.occurredAt, after.version, state]);
    write(WRITES.insertExchangeParties, [after.sides[0].party, after.sides[1].party, after.id, after.occurredAt, seq]);
  } else if (before.status === after.status) {
    write(WRITES.updateExchangeState, [after.id, after.version, state]);
  } else {
    write(WRITES.updateExchange, [after.id, after.status, after.version, state]);
  }

  for (const { stage, sequence } of change.recorded) {
    const [a, b] = stage.sides;
    write(WRITES.insertStage, [
      stage.id,
      a!.party,
      b!.party,
      after.id,
      after.kind,
      a!.count,
      b!.count,
      stage.occurredAt,
      sequence,
      stage.recordedAt,
    ]);
  }
  for (const v of change.voided) {
    write(WRITES.voidStage, [v.stageId, after.id, v.occurredAt, v.recordedAt, v.reason]);
  }
  if (change.termsChanged) recordTerms(write, before, after);
  if (change.totals.length > 0) {
    const column = (pick: (c: ExchangeChange['totals'][number]) => string | number) => change.totals.map(pick);
    write(WRITES.addToTotals, [
      column((c) => c.party),
      column((c) => c.kind),
      column((c) => c.handedOver),
      column((c) => c.received),
      column((c) => c.agreedOutstanding),
      column((c) => c.unspecifiedSides),
      column((c) => c.proposed),
    ]);
  }
  return state;
}

/**
 * Closes the terms in force and opens the new ones at the transition's world time (the
 * exchange's lastTransitionAt, which never moves back, so the intervals stay in order).
 */
function recordTerms(write: Write, before: ExchangeState | null, after: ExchangeState): void {
  const from = after.lastTransitionAt;
  if (before) write(WRITES.closeTerms, [after.id, from]);
  const [a, b] = after.sides;
  write(WRITES.insertTerms, [
    after.id,
    a.party,
    b.party,
    after.kind,
    after.version,
    after.status,
    a.handsOver,
    b.handsOver,
    from,
  ]);
}

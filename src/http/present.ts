import type { z } from 'zod';
import type { RecordedEvent } from '../domain/events.js';
import type { Exchange, ExchangeState } from '../domain/exchange.js';
import type { Contribution } from '../domain/totals.js';
import { allowedActions } from '../domain/transitions.js';
import type { ExchangeCursor, Page } from '../store/ledger-store.js';
import type { ExchangePage, ExchangeSummary, ExchangeView } from './schemas/exchange.js';
import type { ExportedEvent } from './schemas/ledger.js';
import { ProblemError, problem } from './problem.js';

/** Domain state → the JSON a client sees. */
export function presentExchange(s: Exchange): z.infer<typeof ExchangeView> {
  return { ...presentSummary(s), stages: s.stages };
}

/** The exchange without its stages (the answer to recording one). */
export function presentSummary(s: ExchangeState): z.infer<typeof ExchangeSummary> {
  return {
    id: s.id,
    kind: s.kind,
    status: s.status,
    proposedBy: s.proposedBy,
    title: s.title,
    mediator: s.mediator,
    sides: s.sides.map((side) => ({
      ...side,
      variance: side.handsOver === null ? null : side.delivered - side.handsOver,
    })),
    occurredAt: s.occurredAt,
    agreedAt: s.agreedAt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    version: s.version,
    allowedTransitions: allowedActions(s.status),
  };
}

/** An event as recorded (what its hash covers): the export's line. JSON pages show it through presentEventSafely. */
export function presentEvent(e: RecordedEvent): z.infer<typeof ExportedEvent> {
  return {
    sequence: e.sequence,
    id: e.id,
    streamId: e.streamId,
    version: e.version,
    type: e.type,
    data: e.data as Record<string, unknown>,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    principal: e.principal,
    source: e.source,
    note: e.note,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/** A page of exchanges, each without its stages, and the cursor to the next. */
export function presentExchangePage(page: Page<ExchangeState, ExchangeCursor>): z.infer<typeof ExchangePage> {
  return { data: page.items.map(presentSummary), nextCursor: page.next ? encodeCursor(page.next) : null };
}

/** The totals answer. A function of its own, like the presenters above, so that the JSON of totals the cache holds is rendered once (rendered.ts). */
export const presentTotals = (data: readonly Contribution[]) => ({ data });

export const etagOf = (version: number) => `"${version}"`;

/** Cursors are opaque to clients: base64url of the position, so the format can change. */
export function encodeCursor(c: ExchangeCursor): string {
  return Buffer.from(JSON.stringify([c.occurredAt, c.seq])).toString('base64url');
}

export function decodeCursor(raw: string): ExchangeCursor {
  try {
    const [occurredAt, seq] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof occurredAt === 'string' && Number.isSafeInteger(seq)) return { occurredAt, seq: seq as number };
  } catch {
    // fall through to the refusal below
  }
  throw new ProblemError(
    problem('validation-failed', 'cursor is not one this service issued', {
      errors: [{ path: 'query.cursor', message: 'not a valid cursor' }],
    }),
  );
}

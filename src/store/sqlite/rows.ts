import type { RecordedLedgerEvent as RecordedEvent } from '../../domain/reported-events.js';
import type { events } from './schema.js';

type EventRow = typeof events.$inferSelect;

export function eventFromRow(row: EventRow): RecordedEvent {
  return {
    sequence: row.sequence,
    id: row.id,
    streamId: row.streamId,
    version: row.version,
    type: row.type,
    data: JSON.parse(row.data),
    occurredAt: row.occurredAt,
    recordedAt: row.recordedAt,
    principal: row.principal,
    source: row.source === null ? null : JSON.parse(row.source),
    note: row.note,
    prevHash: row.prevHash,
    hash: row.hash,
  } as RecordedEvent;
}

export function rowFromEvent(e: RecordedEvent): EventRow {
  return {
    sequence: e.sequence,
    id: e.id,
    streamId: e.streamId,
    version: e.version,
    type: e.type,
    data: JSON.stringify(e.data),
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    principal: e.principal,
    source: e.source === null ? null : JSON.stringify(e.source),
    note: e.note,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

import type { ExchangeState } from '../../domain/exchange.js';
import type { RecordedLedgerEvent } from '../../domain/reported-events.js';
import type { ExchangeReadings, ReportedSnapshot } from '../../domain/reported-exchange.js';

/** The columns of events under the names of the code, in the order of EventRow. */
export const EVENT_COLUMNS = `sequence, id, stream_id AS "streamId", version, type, data, occurred_at AS "occurredAt",
  recorded_at AS "recordedAt", principal, source, note, prev_hash AS "prevHash", hash`;

export interface EventRow {
  sequence: number;
  id: string;
  streamId: string;
  version: number;
  type: string;
  data: string;
  occurredAt: string;
  recordedAt: string;
  principal: string;
  source: string | null;
  note: string | null;
  prevHash: string;
  hash: string;
}

/** An event as stored: data and source as the JSON text the writer made, the rest as they are. */
export function eventFromRow(row: EventRow): RecordedLedgerEvent {
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
  } as RecordedLedgerEvent;
}

/** The JSON texts an exchange's row holds, as written. */
export interface SnapshotText {
  state: string;
  readings: string;
}

/** The snapshot an exchange's row holds, from its JSON. */
export const snapshotOf = (text: SnapshotText): ReportedSnapshot => ({
  state: JSON.parse(text.state) as ExchangeState,
  readings: JSON.parse(text.readings) as ExchangeReadings,
});

/**
 * PostgreSQL text cannot hold U+0000, so no stored key contains it: a lookup by a key that
 * does is answered "none" without asking (the database would refuse the parameter).
 */
export const cannotBeStored = (...keys: string[]) => keys.some((k) => k.includes('\u0000'));

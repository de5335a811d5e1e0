import type { EventData, RecordedEvent } from '../../domain/events.js';
import type { ExchangeState, StageState } from '../../domain/exchange.js';

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
  } as RecordedEvent<EventData>;
}

/** The columns of stage_handovers a stage is made of, under the names of StageRow. */
export const STAGE_COLUMNS = `stage_id AS "stageId", party, count, occurred_at AS "occurredAt", recorded_at AS "recordedAt",
  voided_at AS "voidedAt", void_recorded_at AS "voidRecordedAt", void_reason AS "voidReason"`;

export interface StageRow {
  stageId: string;
  party: string;
  count: number;
  occurredAt: string;
  recordedAt: string;
  voidedAt: string | null;
  voidRecordedAt: string | null;
  voidReason: string | null;
}

/**
 * Stage rows (one per stage and party, in recording order) → stages, counts in the order of
 * the exchange's sides. (What the SQLite store's writes.ts does with the same rows.)
 */
export function stagesFrom(state: ExchangeState, rows: readonly StageRow[]): StageState[] {
  const stages: StageState[] = [];
  for (let i = 0; i < rows.length; ) {
    const first = rows[i]!;
    let j = i;
    const counts = new Map<string, number>();
    for (; j < rows.length && rows[j]!.stageId === first.stageId; j += 1) counts.set(rows[j]!.party, rows[j]!.count);
    stages.push({
      id: first.stageId,
      sides: state.sides.map((s) => ({ party: s.party, count: counts.get(s.party) ?? 0 })),
      occurredAt: first.occurredAt,
      recordedAt: first.recordedAt,
      voided: first.voidedAt === null ? null : { occurredAt: first.voidedAt, recordedAt: first.voidRecordedAt!, reason: first.voidReason! },
    });
    i = j;
  }
  return stages;
}

/**
 * PostgreSQL text cannot hold U+0000, so no stored key contains it: a lookup by a key that
 * does is answered "none" without asking (the database would refuse the parameter).
 */
export const cannotBeStored = (...keys: string[]) => keys.some((k) => k.includes('\u0000'));

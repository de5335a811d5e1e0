import type { Database, Statement } from 'better-sqlite3';
import type { Db } from './connection.js';

/**
 * Every statement on the write path, prepared once per connection, in plain SQL on
 * better-sqlite3: building SQL text per command, or mapping rows through an ORM, cost more
 * than running the statements. Column names are those of schema.ts; all are prepared together at the first
 * write, so a name that drifted fails every write test. Rows come back under the code's names.
 */
function prepare(sqlite: Database) {
  const one = <R>(sql: string) => sqlite.prepare(sql) as Statement<[Record<string, unknown>], R>;
  const none = <R>(sql: string) => sqlite.prepare(sql) as Statement<[], R>;
  return {
    // max() is a single descent of the rowid B-tree; ORDER BY … DESC LIMIT ? measured 3–4× slower inside a write.
    head: none<{ sequence: number; hash: string; eventId: string; recordedAt: string }>(
      `SELECT sequence, hash, id AS eventId, recorded_at AS recordedAt FROM events WHERE sequence = (SELECT max(sequence) FROM events)`,
    ),
    insertEvent:
      one(`INSERT INTO events (sequence, id, stream_id, version, type, data, occurred_at, recorded_at, principal, source, note, prev_hash, hash)
      VALUES (@sequence, @id, @streamId, @version, @type, @data, @occurredAt, @recordedAt, @principal, @source, @note, @prevHash, @hash)`),
    exchangeState: one<{ state: string; readings: string }>(`SELECT state, readings FROM exchanges WHERE id = @id`),
    insertExchange: one(
      `INSERT INTO exchanges (id, seq, kind, status, occurred_at, version, state, readings) VALUES (@id, @seq, @kind, @status, @occurredAt, @version, @state, @readings)`,
    ),
    updateExchange: one(
      `UPDATE exchanges SET status = @status, version = @version, state = @state, readings = @readings WHERE id = @id`,
    ),
    /** When the status stays (a stage, a void): naming status in SET would rewrite its index entry too. */
    updateExchangeState: one(
      `UPDATE exchanges SET version = @version, state = @state, readings = @readings WHERE id = @id`,
    ),
    stageReport: one<{ stage: string }>(
      `SELECT stage FROM stage_reports WHERE exchange_id = @exchangeId AND stage_id = @stageId`,
    ),
    stageReports: one<{ stage: string }>(
      `SELECT stage FROM stage_reports WHERE exchange_id = @exchangeId ORDER BY sequence`,
    ),
    insertStageReport: one(
      `INSERT INTO stage_reports (stage_id, exchange_id, sequence, stage) VALUES (@stageId, @exchangeId, @sequence, @stage)`,
    ),
    updateStageReport: one(`UPDATE stage_reports SET stage = @stage WHERE stage_id = @stageId`),
    addToReadingTotals:
      one(`INSERT INTO reading_totals (filing, reading, party, kind, handed_over, received, agreed_outstanding, unspecified_sides, proposed,
        handed_over_undisclosed_stages, received_undisclosed_stages, handed_over_approximate, received_approximate)
      VALUES (@filing, @reading, @party, @kind, @handedOver, @received, @agreedOutstanding, @unspecifiedSides, @proposed,
        @handedOverUndisclosedStages, @receivedUndisclosedStages, @handedOverApproximate, @receivedApproximate)
      ON CONFLICT (filing, reading, party, kind) DO UPDATE SET handed_over = handed_over + excluded.handed_over,
        received = received + excluded.received, agreed_outstanding = agreed_outstanding + excluded.agreed_outstanding,
        unspecified_sides = unspecified_sides + excluded.unspecified_sides, proposed = proposed + excluded.proposed,
        handed_over_undisclosed_stages = handed_over_undisclosed_stages + excluded.handed_over_undisclosed_stages,
        received_undisclosed_stages = received_undisclosed_stages + excluded.received_undisclosed_stages,
        handed_over_approximate = handed_over_approximate + excluded.handed_over_approximate,
        received_approximate = received_approximate + excluded.received_approximate`),
    deleteStageRows: one(`DELETE FROM stage_reading_rows WHERE stage_id = @stageId`),
    insertStageRow:
      one(`INSERT INTO stage_reading_rows (stage_id, filing, reading, party, kind, exchange_id, occurred_at, handed_over, received,
        handed_over_undisclosed_stages, received_undisclosed_stages, handed_over_approximate, received_approximate)
      VALUES (@stageId, @filing, @reading, @party, @kind, @exchangeId, @occurredAt, @handedOver, @received,
        @handedOverUndisclosedStages, @receivedUndisclosedStages, @handedOverApproximate, @receivedApproximate)`),
    insertReporter: one(
      `INSERT INTO reporters (id, first_sequence) VALUES (@id, @firstSequence) ON CONFLICT (id) DO NOTHING`,
    ),
    observer: one<{ id: string; name: string; registeredAt: string }>(
      `SELECT id, name, registered_at AS registeredAt FROM observers WHERE id = @id`,
    ),
    insertObserver: one(
      `INSERT INTO observers (id, name, registered_at, recorded_at) VALUES (@id, @name, @registeredAt, @recordedAt)`,
    ),
    insertClaim: one(`INSERT INTO claims (id, sequence, claim) VALUES (@id, @sequence, @claim)`),
    claimIdTaken: one<{ taken: 1 }>(`SELECT 1 AS taken FROM claims WHERE id = @id`),
    insertExchangeParty: one(
      `INSERT INTO exchange_parties (party, exchange_id, occurred_at, seq) VALUES (@party, @exchangeId, @occurredAt, @seq)`,
    ),
    party: one<{ id: string; name: string; registeredAt: string }>(
      `SELECT id, name, registered_at AS registeredAt FROM parties WHERE id = @id`,
    ),
    insertParty: one(
      `INSERT INTO parties (id, name, registered_at, recorded_at) VALUES (@id, @name, @registeredAt, @recordedAt)`,
    ),
    idempotencyRecord: one<{ fingerprint: string; status: number; headers: string; body: string; createdAt: string }>(
      `SELECT fingerprint, status, headers, body, created_at AS createdAt FROM idempotency_keys WHERE principal = @principal AND "key" = @key`,
    ),
    insertIdempotency:
      one(`INSERT INTO idempotency_keys (principal, "key", fingerprint, status, headers, body, created_at)
      VALUES (@principal, @key, @fingerprint, @status, @headers, @body, @createdAt)`),
    /**
     * An exchange and its stage rows in one statement (one snapshot, one lock taken): the rows
     * as a JSON array of [stageId, party, count, occurredAt, recordedAt, voidedAt,
     * voidRecordedAt, voidReason], in recording order.
     */
    exchangeWithStages: one<{
      state: string;
      readings: string;
      stages: string;
    }>(`SELECT e.state AS state, e.readings AS readings,
      (SELECT json_group_array(json(s.stage) ORDER BY s.sequence) FROM stage_reports s WHERE s.exchange_id = e.id) AS stages
      FROM exchanges e WHERE e.id = @id`),
    /** Whether any stage already has this id (an import must not reuse one: voids find stages by it). */
    stageIdTaken: one<{ taken: 1 }>(`SELECT 1 AS taken FROM stage_reports WHERE stage_id = @stageId`),
  };
}

export type Statements = ReturnType<typeof prepare>;

const cache = new WeakMap<Db, Statements>();

export function statementsFor(db: Db): Statements {
  let st = cache.get(db);
  if (!st) {
    st = prepare(db.$client);
    cache.set(db, st);
  }
  return st;
}

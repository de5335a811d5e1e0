import { EVENT_COLUMNS, STAGE_COLUMNS } from './rows.js';

/**
 * The statements of the write path, in plain SQL on node-postgres, each prepared once per
 * connection (a named statement): parsing and planning them per command would cost more than
 * running them. Column names are those of schema.ts; every statement runs in the write
 * tests, so a name that drifted fails them. Rows come back under the code's names.
 */
export interface Statement {
  name: string;
  text: string;
}

const statement = (name: string, text: string): Statement => ({ name: `ledger_${name}`, text });

export const WRITES = {
  head: statement('head', `SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1`),
  /** Events of one command (one or two; an import's one by one), as one statement over arrays. */
  insertEvents: statement('insert_events', `INSERT INTO events (sequence, id, stream_id, version, type, data, occurred_at, recorded_at,
      principal, source, note, prev_hash, hash)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[], $7::text[], $8::text[],
      $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`),
  exchangeState: statement('exchange_state', `SELECT state FROM exchanges WHERE id = $1`),
  insertExchange: statement('insert_exchange',
    `INSERT INTO exchanges (id, seq, kind, status, occurred_at, version, state) VALUES ($1, $2, $3, $4, $5, $6, $7)`),
  updateExchange: statement('update_exchange', `UPDATE exchanges SET status = $2, version = $3, state = $4 WHERE id = $1`),
  /** When the status stays (a stage, a void): naming status in SET would rewrite its index entries too. */
  updateExchangeState: statement('update_exchange_state', `UPDATE exchanges SET version = $2, state = $3 WHERE id = $1`),
  /** Both sides of an exchange. */
  insertExchangeParties: statement('insert_exchange_parties',
    `INSERT INTO exchange_parties (party, exchange_id, occurred_at, seq) VALUES ($1, $3, $4, $5), ($2, $3, $4, $5)`),
  party: statement('party', `SELECT id, name, registered_at AS "registeredAt" FROM parties WHERE id = $1`),
  registeredAmong: statement('registered_among', `SELECT id FROM parties WHERE id = ANY($1::text[])`),
  insertParty: statement('insert_party', `INSERT INTO parties (id, name, registered_at, recorded_at) VALUES ($1, $2, $3, $4)`),
  /** A stage's two rows (one per party, each with what it handed over), in one statement. */
  insertStage: statement('insert_stage', `INSERT INTO stage_handovers (stage_id, party, counterparty, exchange_id, kind, count,
      occurred_at, voided_at, sequence, recorded_at, void_recorded_at, void_reason)
    VALUES ($1, $2, $3, $4, $5, $6, $8, NULL, $9, $10, NULL, NULL), ($1, $3, $2, $4, $5, $7, $8, NULL, $9, $10, NULL, NULL)`),
  voidStage: statement('void_stage',
    `UPDATE stage_handovers SET voided_at = $3, void_recorded_at = $4, void_reason = $5 WHERE stage_id = $1 AND exchange_id = $2`),
  closeTerms: statement('close_terms', `UPDATE terms_history SET valid_to = $2 WHERE exchange_id = $1 AND valid_to IS NULL`),
  /** Both sides' terms. */
  insertTerms: statement('insert_terms', `INSERT INTO terms_history (exchange_id, party, kind, version, status, hands_over, valid_from, valid_to)
    VALUES ($1, $2, $4, $5, $6, $7, $9, NULL), ($1, $3, $4, $5, $6, $8, $9, NULL)`),
  /** Contributions added to the maintained totals (at most one per party and kind, as a command makes them). */
  addToTotals: statement('add_to_totals', `INSERT INTO totals AS t (party, kind, handed_over, received, agreed_outstanding,
      unspecified_sides, proposed)
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
    ON CONFLICT (party, kind) DO UPDATE SET handed_over = t.handed_over + excluded.handed_over,
      received = t.received + excluded.received, agreed_outstanding = t.agreed_outstanding + excluded.agreed_outstanding,
      unspecified_sides = t.unspecified_sides + excluded.unspecified_sides, proposed = t.proposed + excluded.proposed`),
  idempotencyRecord: statement('idempotency_record', `SELECT fingerprint, status, headers, body, created_at AS "createdAt"
    FROM idempotency_keys WHERE principal = $1 AND key = $2`),
  insertIdempotency: statement('insert_idempotency', `INSERT INTO idempotency_keys (principal, key, fingerprint, status, headers,
      body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`),
  /** Only the stages still counted (what a completion's date is checked against). */
  liveStageRows: statement('live_stage_rows',
    `SELECT ${STAGE_COLUMNS} FROM stage_handovers WHERE exchange_id = $1 AND voided_at IS NULL ORDER BY sequence, party`),
  stageRowsById: statement('stage_rows_by_id',
    `SELECT ${STAGE_COLUMNS} FROM stage_handovers WHERE stage_id = $1 AND exchange_id = $2 ORDER BY party`),
  /** Whether any stage already has this id (an import must not reuse one: voids find stages by it). */
  stageIdTaken: statement('stage_id_taken', `SELECT 1 FROM stage_handovers WHERE stage_id = $1 LIMIT 1`),
};

/** The reads of single rows and streams, outside the write path. */
export const READS = {
  /**
   * An exchange and its stage rows in one statement (one snapshot): the rows as a JSON array
   * of [stageId, party, count, occurredAt, recordedAt, voidedAt, voidRecordedAt, voidReason],
   * in recording order.
   */
  exchangeWithStages: statement('exchange_with_stages', `SELECT e.state,
      (SELECT coalesce(json_agg(json_build_array(s.stage_id, s.party, s.count, s.occurred_at, s.recorded_at, s.voided_at,
        s.void_recorded_at, s.void_reason) ORDER BY s.sequence, s.party), '[]') FROM stage_handovers s WHERE s.exchange_id = e.id) AS stages
    FROM exchanges e WHERE e.id = $1`),
  /** The exchange and one stage's rows, in one statement (one snapshot); no stage: one row of NULLs. */
  exchangeAndStage: statement('exchange_and_stage', `SELECT e.state, s.stage_id AS "stageId", s.party, s.count,
      s.occurred_at AS "occurredAt", s.recorded_at AS "recordedAt", s.voided_at AS "voidedAt", s.void_recorded_at AS "voidRecordedAt",
      s.void_reason AS "voidReason"
    FROM exchanges e LEFT JOIN stage_handovers s ON s.exchange_id = e.id AND s.stage_id = $2 WHERE e.id = $1 ORDER BY s.party`),
  parties: statement('parties', `SELECT id, name, registered_at AS "registeredAt" FROM parties ORDER BY id`),
  stream: statement('stream', `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY version`),
  eventsAfter: statement('events_after', `SELECT ${EVENT_COLUMNS} FROM events WHERE sequence > $1 ORDER BY sequence LIMIT $2`),
  eventsBetween: statement('events_between',
    `SELECT ${EVENT_COLUMNS} FROM events WHERE sequence > $1 AND sequence <= $2 ORDER BY sequence LIMIT $3`),
  head: statement('ledger_head', `SELECT sequence, hash, id AS "eventId", recorded_at AS "recordedAt" FROM events
    ORDER BY sequence DESC LIMIT 1`),
  countAfter: statement('count_after', `SELECT count(*) AS n FROM events WHERE sequence > $1`),
};

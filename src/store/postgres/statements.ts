import { EVENT_COLUMNS } from './rows.js';

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
  insertEvents: statement(
    'insert_events',
    `INSERT INTO events (sequence, id, stream_id, version, type, data, occurred_at, recorded_at,
      principal, source, note, prev_hash, hash)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[], $7::text[],
      $8::text[],
      $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`,
  ),
  exchangeState: statement('exchange_state', `SELECT state, readings FROM exchanges WHERE id = $1`),
  insertExchange: statement(
    'insert_exchange',
    `INSERT INTO exchanges (id, seq, kind, status, occurred_at, version, state, readings)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  ),
  updateExchange: statement(
    'update_exchange',
    `UPDATE exchanges SET status = $2, version = $3, state = $4, readings = $5 WHERE id = $1`,
  ),
  /** When the status stays (a stage, a void): naming status in SET would rewrite its index entries too. */
  updateExchangeState: statement(
    'update_exchange_state',
    `UPDATE exchanges SET version = $2, state = $3, readings = $4 WHERE id = $1`,
  ),
  /** Both sides of an exchange. */
  insertExchangeParties: statement(
    'insert_exchange_parties',
    `INSERT INTO exchange_parties (party, exchange_id, occurred_at, seq) VALUES ($1, $3, $4, $5), ($2, $3, $4, $5)`,
  ),
  party: statement('party', `SELECT id, name, registered_at AS "registeredAt" FROM parties WHERE id = $1`),
  registeredAmong: statement('registered_among', `SELECT id FROM parties WHERE id = ANY($1::text[])`),
  /** Parties and observers share one id space: either kind of reporter. */
  reportersAmong: statement(
    'reporters_among',
    `SELECT id FROM parties WHERE id = ANY($1::text[]) UNION ALL SELECT id FROM observers WHERE id = ANY($1::text[])`,
  ),
  observer: statement('observer', `SELECT id, name, registered_at AS "registeredAt" FROM observers WHERE id = $1`),
  insertObserver: statement(
    'insert_observer',
    `INSERT INTO observers (id, name, registered_at, recorded_at) VALUES ($1, $2, $3, $4)`,
  ),
  claimIdTaken: statement('claim_id_taken', `SELECT 1 FROM claims WHERE id = $1`),
  insertClaim: statement('insert_claim', `INSERT INTO claims (id, sequence, claim) VALUES ($1, $2, $3)`),
  insertParty: statement(
    'insert_party',
    `INSERT INTO parties (id, name, registered_at, recorded_at) VALUES ($1, $2, $3, $4)`,
  ),
  /** Stages recorded by one command (one; an import's one by one), each with every account of it. */
  insertStageReports: statement(
    'insert_stage_reports',
    `INSERT INTO stage_reports (stage_id, exchange_id, sequence, stage)
    SELECT id, $1, sequence, stage FROM unnest($2::text[], $3::bigint[], $4::text[]) AS s(id, sequence, stage)`,
  ),
  /** Stages a command changed (a void, a later account), as they are now. */
  updateStageReports: statement(
    'update_stage_reports',
    `UPDATE stage_reports r SET stage = s.stage FROM unnest($2::text[], $3::text[]) AS s(id, stage)
    WHERE r.stage_id = s.id AND r.exchange_id = $1`,
  ),
  /** The earlier rows of the stages a command touched, before their rows as they are now. */
  deleteStageReadingRows: statement(
    'delete_stage_reading_rows',
    `DELETE FROM stage_reading_rows WHERE stage_id = ANY($1::text[])`,
  ),
  insertStageReadingRows: statement(
    'insert_stage_reading_rows',
    `INSERT INTO stage_reading_rows (stage_id, filing, reading, party, kind, exchange_id, occurred_at, handed_over,
      received, handed_over_undisclosed_stages, received_undisclosed_stages, handed_over_approximate,
      received_approximate)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
      $8::integer[], $9::integer[], $10::integer[], $11::integer[], $12::integer[], $13::integer[])`,
  ),
  /** A command's change to every reading's rows, both filings (at most one per key, as a command makes them). */
  addToReadingTotals: statement(
    'add_to_reading_totals',
    `INSERT INTO reading_totals AS t (filing, reading, party, kind, handed_over, received, agreed_outstanding,
      unspecified_sides, proposed, handed_over_undisclosed_stages, received_undisclosed_stages,
      handed_over_approximate, received_approximate)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
      $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[])
    ON CONFLICT (filing, reading, party, kind) DO UPDATE SET handed_over = t.handed_over + excluded.handed_over,
      received = t.received + excluded.received,
      agreed_outstanding = t.agreed_outstanding + excluded.agreed_outstanding,
      unspecified_sides = t.unspecified_sides + excluded.unspecified_sides, proposed = t.proposed + excluded.proposed,
      handed_over_undisclosed_stages = t.handed_over_undisclosed_stages + excluded.handed_over_undisclosed_stages,
      received_undisclosed_stages = t.received_undisclosed_stages + excluded.received_undisclosed_stages,
      handed_over_approximate = t.handed_over_approximate + excluded.handed_over_approximate,
      received_approximate = t.received_approximate + excluded.received_approximate`,
  ),
  /** Reporters first heard on this command; a reporter keeps the sequence of its first account. */
  insertReporters: statement(
    'insert_reporters',
    `INSERT INTO reporters (id, first_sequence) SELECT id, $2 FROM unnest($1::text[]) AS r(id)
    ON CONFLICT (id) DO NOTHING`,
  ),
  idempotencyRecord: statement(
    'idempotency_record',
    `SELECT fingerprint, status, headers, body, created_at AS "createdAt"
    FROM idempotency_keys WHERE principal = $1 AND key = $2`,
  ),
  insertIdempotency: statement(
    'insert_idempotency',
    `INSERT INTO idempotency_keys (principal, key, fingerprint, status, headers,
      body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  ),
  /** An exchange's stages in recording order (the live ones are picked by their JSON: see PgTransaction). */
  stagesOf: statement('stages_of', `SELECT stage FROM stage_reports WHERE exchange_id = $1 ORDER BY sequence`),
  stage: statement('stage', `SELECT stage FROM stage_reports WHERE stage_id = $1 AND exchange_id = $2`),
  /** Whether any stage already has this id (an import must not reuse one: voids find stages by it). */
  stageIdTaken: statement('stage_id_taken', `SELECT 1 FROM stage_reports WHERE stage_id = $1`),
};

/** The reads of single rows and streams, outside the write path. */
export const READS = {
  /** An exchange and its stages' JSON in recording order, in one statement (one snapshot). */
  exchangeWithStages: statement(
    'exchange_with_stages',
    `SELECT e.state, e.readings,
      (SELECT coalesce(array_agg(s.stage ORDER BY s.sequence), '{}') FROM stage_reports s
        WHERE s.exchange_id = e.id) AS stages
    FROM exchanges e WHERE e.id = $1`,
  ),
  /** Reporters first heard in the same command come in the order of their ids. */
  reporters: statement('reporters', `SELECT id FROM reporters ORDER BY first_sequence, id`),
  observers: statement('observers', `SELECT id, name, registered_at AS "registeredAt" FROM observers ORDER BY id`),
  claim: statement('claim', `SELECT claim FROM claims WHERE id = $1`),
  claimsAfter: statement('claims_after', `SELECT claim FROM claims WHERE sequence > $1 ORDER BY sequence LIMIT $2`),
  parties: statement('parties', `SELECT id, name, registered_at AS "registeredAt" FROM parties ORDER BY id`),
  stream: statement('stream', `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY version`),
  eventsAfter: statement(
    'events_after',
    `SELECT ${EVENT_COLUMNS} FROM events WHERE sequence > $1 ORDER BY sequence LIMIT $2`,
  ),
  eventsBetween: statement(
    'events_between',
    `SELECT ${EVENT_COLUMNS} FROM events WHERE sequence > $1 AND sequence <= $2 ORDER BY sequence LIMIT $3`,
  ),
  head: statement(
    'ledger_head',
    `SELECT sequence, hash, id AS "eventId", recorded_at AS "recordedAt" FROM events
    ORDER BY sequence DESC LIMIT 1`,
  ),
  countAfter: statement('count_after', `SELECT count(*) AS n FROM events WHERE sequence > $1`),
};

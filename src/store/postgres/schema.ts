import { bigint, customType, index, integer, pgTable, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The PostgreSQL ledger: the same tables, columns, keys and indexes as the SQLite one
 * (../sqlite/schema.ts), so that both stores answer alike. Differences, each for sameness:
 * - Text compares and sorts by code point (COLLATE "C", which is SQLite's BINARY order on
 *   UTF-8) whatever the database's locale, so that every ORDER BY, cursor and range bound
 *   orders as SQLite does.
 * - Times are the ISO strings the domain made, kept as text: a timestamptz would be
 *   re-formatted on the way out. JSON (event data, state, answers) is text too, kept byte for
 *   byte (jsonb would reorder its keys).
 * - Positions in the ledger and summed figures are bigint, as SQLite's integers are 64-bit;
 *   they are read back as JavaScript numbers (mode 'number', and the pool's type parsers).
 * - No SERIAL: the application layer gives each event its sequence (head + 1) under the
 *   write lock, so the sequence has no gaps.
 */
const text = customType<{ data: string; driverData: string }>({ dataType: () => 'text COLLATE "C"' });
const int8 = (name: string) => bigint(name, { mode: 'number' });

/**
 * The ledger itself: append-only (the triggers of migration 0001 refuse UPDATE, DELETE and
 * TRUNCATE). Each row is one immutable event; `hash` chains it to the one before.
 */
export const events = pgTable(
  'events',
  {
    sequence: int8('sequence').primaryKey(),
    id: text('id').notNull(),
    streamId: text('stream_id').notNull(),
    version: integer('version').notNull(),
    type: text('type').notNull(),
    data: text('data').notNull(),
    occurredAt: text('occurred_at').notNull(),
    recordedAt: text('recorded_at').notNull(),
    principal: text('principal').notNull(),
    source: text('source'),
    note: text('note'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [uniqueIndex('events_id').on(t.id), uniqueIndex('events_stream_version').on(t.streamId, t.version)],
);

export const parties = pgTable('parties', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  registeredAt: text('registered_at').notNull(),
  recordedAt: text('recorded_at').notNull(),
});

/** Read model: the current state of each exchange, with the columns its list filters use. */
export const exchanges = pgTable(
  'exchanges',
  {
    id: text('id').primaryKey(),
    /** Sequence of the proposal event: a strictly increasing, immutable tiebreak for cursors. */
    seq: int8('seq').notNull(),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    occurredAt: text('occurred_at').notNull(),
    version: integer('version').notNull(),
    state: text('state').notNull(),
    /** The exchange's readings (domain ExchangeReadings) as JSON: terms accounts, reporters, tallies. */
    readings: text('readings').notNull(),
  },
  (t) => [
    uniqueIndex('exchanges_order').on(t.occurredAt, t.seq),
    index('exchanges_status_order').on(t.status, t.occurredAt, t.seq),
    index('exchanges_kind_order').on(t.kind, t.occurredAt, t.seq),
  ],
);

/** Read model: which parties an exchange is between (serves the `party` filter by index). */
export const exchangeParties = pgTable(
  'exchange_parties',
  {
    party: text('party')
      .notNull()
      .references(() => parties.id),
    exchangeId: text('exchange_id')
      .notNull()
      .references(() => exchanges.id),
    occurredAt: text('occurred_at').notNull(),
    seq: int8('seq').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.party, t.exchangeId] }),
    index('exchange_parties_order').on(t.party, t.occurredAt, t.seq),
  ],
);

/** First answers to POSTs that carried an Idempotency-Key, written with the command itself. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    principal: text('principal').notNull(),
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    status: integer('status').notNull(),
    headers: text('headers').notNull(),
    body: text('body').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.principal, t.key] })],
);

/** API keys: only a digest of each secret is kept. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    digest: text('digest').notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    revokedAt: text('revoked_at'),
    revokedBy: text('revoked_by'),
  },
  (t) => [uniqueIndex('api_keys_digest').on(t.digest)],
);

/*
 * The record as it was reported (DESIGN "Accounts", "Which figure counts: the reading"), as
 * the SQLite store keeps it. exchanges.readings keeps each exchange's ExchangeReadings
 * (domain/reported-exchange.ts); the tables below keep every stage with its accounts and
 * every reading's totals, so that a total under any reading is a sum over maintained rows,
 * never a replay. Read models: written by the service in the transaction of each command.
 */

/** Every stage with every account given of it (domain ReportedStage as JSON), in recording order. */
export const stageReports = pgTable(
  'stage_reports',
  {
    stageId: text('stage_id').primaryKey(),
    exchangeId: text('exchange_id')
      .notNull()
      .references(() => exchanges.id),
    /** Ledger sequence of the event that recorded the stage: the stages' order within the exchange. */
    sequence: int8('sequence').notNull(),
    stage: text('stage').notNull(),
  },
  (t) => [uniqueIndex('stage_reports_exchange').on(t.exchangeId, t.sequence)],
);

/**
 * Maintained totals per filing (`by=kind` or `exchange`), reading, party and kind. The
 * `@first` reading's rows hold its figures; a reporter's hold its departure from them
 * (domain/reading-totals.ts, may be negative), so a command touches only the readings of its
 * exchange.
 */
export const readingTotals = pgTable(
  'reading_totals',
  {
    filing: text('filing').notNull(),
    reading: text('reading').notNull(),
    party: text('party').notNull(),
    kind: text('kind').notNull(),
    handedOver: int8('handed_over').notNull(),
    received: int8('received').notNull(),
    agreedOutstanding: int8('agreed_outstanding').notNull(),
    unspecifiedSides: int8('unspecified_sides').notNull(),
    proposed: int8('proposed').notNull(),
    handedOverUndisclosedStages: int8('handed_over_undisclosed_stages').notNull(),
    receivedUndisclosedStages: int8('received_undisclosed_stages').notNull(),
    handedOverApproximate: int8('handed_over_approximate').notNull(),
    receivedApproximate: int8('received_approximate').notNull(),
  },
  (t) => [primaryKey({ columns: [t.filing, t.reading, t.party, t.kind] })],
);

/** Each counted stage's part of reading_totals' stage figures, dated by the stage: what from/to bound. */
export const stageReadingRows = pgTable(
  'stage_reading_rows',
  {
    stageId: text('stage_id').notNull(),
    filing: text('filing').notNull(),
    reading: text('reading').notNull(),
    party: text('party').notNull(),
    kind: text('kind').notNull(),
    exchangeId: text('exchange_id').notNull(),
    occurredAt: text('occurred_at').notNull(),
    handedOver: integer('handed_over').notNull(),
    received: integer('received').notNull(),
    handedOverUndisclosedStages: integer('handed_over_undisclosed_stages').notNull(),
    receivedUndisclosedStages: integer('received_undisclosed_stages').notNull(),
    handedOverApproximate: integer('handed_over_approximate').notNull(),
    receivedApproximate: integer('received_approximate').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.stageId, t.filing, t.reading, t.party, t.kind] }),
    index('stage_reading_rows_window').on(t.filing, t.reading, t.occurredAt),
  ],
);

/** Every reporter that gave an account, from the sequence of its first: what `according=each` lists. */
export const reporters = pgTable('reporters', {
  id: text('id').primaryKey(),
  firstSequence: int8('first_sequence').notNull(),
});

export const observers = pgTable('observers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  registeredAt: text('registered_at').notNull(),
  recordedAt: text('recorded_at').notNull(),
});

/** Claims checked against the ledger (domain/claims.ts), as JSON, in the order recorded. */
export const claims = pgTable(
  'claims',
  {
    id: text('id').primaryKey(),
    sequence: int8('sequence').notNull(),
    claim: text('claim').notNull(),
  },
  (t) => [uniqueIndex('claims_sequence').on(t.sequence)],
);

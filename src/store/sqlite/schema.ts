import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The ledger itself: append-only. Each row is one immutable event; `hash` chains it to the
 * one before (SHA-256 over prevHash ‖ canonical JSON), so an edit in place is detectable.
 */
export const events = sqliteTable(
  'events',
  {
    sequence: integer('sequence').primaryKey({ autoIncrement: true }),
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

export const parties = sqliteTable('parties', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  registeredAt: text('registered_at').notNull(),
  recordedAt: text('recorded_at').notNull(),
});

/** Read model: the current state of each exchange, with the columns its list filters use. */
export const exchanges = sqliteTable(
  'exchanges',
  {
    id: text('id').primaryKey(),
    /** Sequence of the proposal event: a strictly increasing, immutable tiebreak for cursors. */
    seq: integer('seq').notNull(),
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
export const exchangeParties = sqliteTable(
  'exchange_parties',
  {
    party: text('party')
      .notNull()
      .references(() => parties.id),
    exchangeId: text('exchange_id')
      .notNull()
      .references(() => exchanges.id),
    occurredAt: text('occurred_at').notNull(),
    seq: integer('seq').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.party, t.exchangeId] }),
    index('exchange_parties_order').on(t.party, t.occurredAt, t.seq),
  ],
);

/** First answers to POSTs that carried an Idempotency-Key, written with the command itself. */
export const idempotencyKeys = sqliteTable(
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

/**
 * API keys. Only a digest of each secret is kept: the secret itself is shown once, at
 * creation, and never stored, logged or returned again.
 */
export const apiKeys = sqliteTable(
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
 * The record as it was reported (DESIGN "Accounts", "Which figure counts: the reading").
 * exchanges.readings keeps each exchange's ExchangeReadings (domain/reported-exchange.ts);
 * the tables below keep every stage with its accounts and every reading's totals, so that a
 * total under any reading is a sum over maintained rows, never a replay.
 */

/** Every stage with every account given of it (domain ReportedStage as JSON), in recording order. */
export const stageReports = sqliteTable(
  'stage_reports',
  {
    stageId: text('stage_id').primaryKey(),
    exchangeId: text('exchange_id')
      .notNull()
      .references(() => exchanges.id),
    /** Ledger sequence of the event that recorded the stage: the stages' order within the exchange. */
    sequence: integer('sequence').notNull(),
    stage: text('stage').notNull(),
  },
  (t) => [uniqueIndex('stage_reports_exchange').on(t.exchangeId, t.sequence)],
);

/**
 * Maintained totals per filing (`by=kind` or `exchange`), reading, party and kind. The
 * `@first` reading's rows hold its figures; a reporter's hold its departure from them
 * (domain/reading-totals.ts), so a command touches only the readings of its exchange.
 */
export const readingTotals = sqliteTable(
  'reading_totals',
  {
    filing: text('filing').notNull(),
    reading: text('reading').notNull(),
    party: text('party').notNull(),
    kind: text('kind').notNull(),
    handedOver: integer('handed_over').notNull(),
    received: integer('received').notNull(),
    agreedOutstanding: integer('agreed_outstanding').notNull(),
    unspecifiedSides: integer('unspecified_sides').notNull(),
    proposed: integer('proposed').notNull(),
    handedOverUndisclosedStages: integer('handed_over_undisclosed_stages').notNull(),
    receivedUndisclosedStages: integer('received_undisclosed_stages').notNull(),
    handedOverApproximate: integer('handed_over_approximate').notNull(),
    receivedApproximate: integer('received_approximate').notNull(),
  },
  (t) => [primaryKey({ columns: [t.filing, t.reading, t.party, t.kind] })],
);

/** Each counted stage's part of reading_totals' stage figures, dated by the stage: what from/to bound. */
export const stageReadingRows = sqliteTable(
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
export const reporters = sqliteTable('reporters', {
  id: text('id').primaryKey(),
  firstSequence: integer('first_sequence').notNull(),
});

export const observers = sqliteTable('observers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  registeredAt: text('registered_at').notNull(),
  recordedAt: text('recorded_at').notNull(),
});

/** Claims checked against the ledger (domain/claims.ts), as JSON, in the order recorded. */
export const claims = sqliteTable(
  'claims',
  {
    id: text('id').primaryKey(),
    sequence: integer('sequence').notNull(),
    claim: text('claim').notNull(),
  },
  (t) => [uniqueIndex('claims_sequence').on(t.sequence)],
);

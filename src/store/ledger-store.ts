import type { UnacceptedText } from '../domain/event-text.js';
import type { ExchangeEventData, RecordedEvent } from '../domain/events.js';
import type { Exchange, ExchangeState, StageState } from '../domain/exchange.js';
import type { PartyState } from '../domain/party.js';
import type { Contribution } from '../domain/totals.js';
import type { Kind, Status } from '../domain/vocabulary.js';
import type { KeyStore } from './key-store.js';

/**
 * The one interface between the service and its database: the reads, the audit reads, and
 * one kind of write, a transaction (`transaction`) in which the application layer
 * (src/ledger) loads what a command needs, appends its events and brings the read models up
 * to date. An adapter (SQLite, PostgreSQL) holds only its SQL and its own optimisations.
 */
export interface LedgerStore extends LedgerReads, AuditStore {
  /** API keys live in the same database, outside the ledger. */
  readonly keys: KeyStore;
  /**
   * Runs `work` as ONE transaction: all of it is committed, or nothing. Transactions that
   * write to the ledger are serialised, so that sequence numbers are gapless and in commit
   * order and the hash chain stays one chain, however many processes share the database.
   */
  transaction<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T>;
  readiness(): Promise<{ ready: true } | { ready: false; reason: string }>;
  close(): Promise<void>;
}

export interface LedgerReads {
  getParty(id: string): Promise<PartyState | null>;
  listParties(): Promise<PartyState[]>;
  getExchange(id: string): Promise<Exchange | null>;
  /** One stage of an exchange, without reading the others. */
  getStage(exchangeId: string, stageId: string): Promise<StageState | null>;
  /** Exchanges without their stages (a page costs what its length says). */
  listExchanges(query: ExchangeQuery): Promise<Page<ExchangeState, ExchangeCursor>>;
  exchangeHistory(id: string): Promise<RecordedEvent[] | null>;
  ledgerEvents(after: number, limit: number): Promise<RecordedEvent[]>;
  totals(query: TotalsQuery): Promise<Contribution[]>;
  /** The exchange as it stood at world time `asOf` (its events in force then: domain/as-of.ts); null if not yet proposed. */
  getExchangeAsOf(id: string, asOf: string): Promise<Exchange | null>;
}

/** The last event of the ledger: where the next one is chained. */
export interface ChainHead {
  sequence: number;
  hash: string;
}

/** A stage taken out of the count, as its StageVoided event says. */
export interface StageVoid {
  stageId: string;
  occurredAt: string;
  recordedAt: string;
  reason: string;
}

/** What one command changed in an exchange: everything the read models need, computed by the domain. */
export interface ExchangeChange {
  before: ExchangeState | null;
  after: ExchangeState;
  /** The events just appended, in ledger order. */
  appended: readonly RecordedEvent<ExchangeEventData>[];
  /** Stages recorded, each with the sequence of its StageRecorded event (their order within the exchange). */
  recorded: readonly { stage: StageState; sequence: number }[];
  voided: readonly StageVoid[];
  /** A transition: the terms in force change at `after.lastTransitionAt` (terms history, for as-of). */
  termsChanged: boolean;
  /** Added to the maintained totals (only rows that change). */
  totals: readonly Contribution[];
}

/** An Idempotency-Key's first answer, as kept. */
export interface IdempotencyRecord {
  principal: string;
  key: string;
  fingerprint: string;
  response: StoredResponse;
  createdAt: string;
}

/**
 * What a transaction may read and write: the narrow port of the application layer. Reads see
 * the transaction's own writes.
 */
export interface WriteTransaction {
  head(): Promise<ChainHead | null>;
  /** Events already sealed (sequence, hash) by the application layer, in order. */
  append(events: readonly RecordedEvent[]): Promise<void>;
  exchange(id: string): Promise<ExchangeState | null>;
  exchangeWithStages(id: string): Promise<Exchange | null>;
  stage(state: ExchangeState, stageId: string): Promise<StageState | null>;
  /** The exchange's stages still counted (not voided), in recording order. */
  liveStages(state: ExchangeState): Promise<StageState[]>;
  /** Whether any stage of any exchange has this id (an import must not reuse one). */
  stageIdTaken(stageId: string): Promise<boolean>;
  party(id: string): Promise<PartyState | null>;
  /** Which of these party ids are registered. */
  registeredParties(ids: readonly string[]): Promise<Set<string>>;
  projectExchange(change: ExchangeChange): Promise<void>;
  projectParty(party: PartyState, recordedAt: string): Promise<void>;
  idempotencyRecord(principal: string, key: string): Promise<IdempotencyRecord | null>;
  rememberIdempotency(record: IdempotencyRecord): Promise<void>;
}

/** An HTTP answer as it is replayed for a repeated Idempotency-Key. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface IdempotencyClaim {
  key: string;
  /** Digest of method, path and body: the same key with another request is refused. */
  fingerprint: string;
}

export interface ExchangeCursor {
  occurredAt: string;
  seq: number;
}

export interface ExchangeQuery {
  status?: Status;
  kind?: Kind;
  party?: string;
  /** Bounds on the exchange's proposal date (normalised world times, inclusive). */
  from?: string;
  to?: string;
  limit: number;
  after?: ExchangeCursor;
}

export interface Page<T, C> {
  items: T[];
  next: C | null;
}

export interface TotalsQuery {
  party?: string;
  kind?: Kind;
  /** Bound the stages counted in handedOver/received by their world time (inclusive). */
  from?: string;
  to?: string;
  /** The figures as the ledger stood at this world time (an inclusive, normalised bound). */
  asOf?: string;
}

/** Progress of a long operation, for a terminal (counts and rate on stderr). */
export type Progress = (done: number, total: number) => void;

export interface LedgerHead {
  sequence: number;
  hash: string;
  eventId: string | null;
  recordedAt: string | null;
}

export type VerifyReport =
  | { ok: true; events: number; head: LedgerHead; unacceptedText?: UnacceptedText }
  | { ok: false; events: number; head: LedgerHead; firstDifference: Difference; unacceptedText?: UnacceptedText };

/** Where the record and its recomputation first disagree. */
export type Difference =
  | { kind: 'event'; sequence: number; eventId: string; detail: string }
  | { kind: 'read-model'; table: string; key: string; detail: string };

/** The audit side of a store: chain head, verification, export and import. */
export interface AuditStore {
  head(): Promise<LedgerHead>;
  /** Every event after `after` up to the head at the call, in pages, never all in memory. */
  exportEvents(after: number): AsyncIterable<RecordedEvent>;
  countEvents(after: number): Promise<number>;
  verify(progress?: Progress): Promise<VerifyReport>;
}

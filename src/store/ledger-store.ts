import type { ReporterId } from '../domain/accounts.js';
import type { Claim } from '../domain/claims.js';
import type { UnacceptedText } from '../domain/event-text.js';
import type { ObserverState } from '../domain/observers.js';
import type { PartyState } from '../domain/party.js';
import type { ReadingContribution, ReadingRow } from '../domain/reading-totals.js';
import type { Filing, Reading } from '../domain/readings.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../domain/reported-events.js';
import type { ReportedSnapshot } from '../domain/reported-exchange.js';
import type { ReportedStage } from '../domain/reported-stage.js';
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
  /** The exchange with every stage and every account of them. */
  getExchange(id: string): Promise<ExchangeRecord | null>;
  /** One stage of an exchange, without reading the others. */
  getStage(exchangeId: string, stageId: string): Promise<ReportedStage | null>;
  /** Exchanges without their stages (a page costs what its length says). */
  listExchanges(query: ExchangeQuery): Promise<Page<ReportedSnapshot, ExchangeCursor>>;
  exchangeHistory(id: string): Promise<RecordedLedgerEvent[] | null>;
  ledgerEvents(after: number, limit: number): Promise<RecordedLedgerEvent[]>;
  /** The totals under one reading and filing, from the maintained rows (or, as of a time, the events in force). */
  totals(query: TotalsQuery): Promise<ReadingContribution[]>;
  /** Every reporter that has given an account (terms or stages), in the order of its first. */
  reporters(): Promise<ReporterId[]>;
  /** The exchange as it stood at world time `asOf` (its events in force then: domain/reported-as-of.ts); null if not yet proposed. */
  getExchangeAsOf(id: string, asOf: string): Promise<ExchangeRecord | null>;
  getObserver(id: string): Promise<ObserverState | null>;
  listObservers(): Promise<ObserverState[]>;
  getClaim(id: string): Promise<StoredClaim | null>;
  /** Claims in the order they were recorded, `after` a claim's sequence. */
  listClaims(after: number, limit: number): Promise<StoredClaim[]>;
}

/** An exchange with every stage, each with every account given of it: what a reader sees under any reading. */
export interface ExchangeRecord extends ReportedSnapshot {
  stages: ReportedStage[];
}

/** A claim as kept, with its id and the sequence of its event (its place in the list). */
export interface StoredClaim extends Claim {
  sequence: number;
  recordedAt: string;
}

/** A reading row of one filing (by=kind or by=exchange): the unit of the maintained totals. */
export interface FiledRow extends ReadingRow {
  filing: Filing;
}

/** A stage's rows as they are after a command (they replace the stage's earlier ones; none once voided). */
export interface StageRows {
  stageId: string;
  exchangeId: string;
  /** The stage's world time: what from/to bound. */
  occurredAt: string;
  rows: readonly FiledRow[];
}

/** The last event of the ledger: where the next one is chained. */
export interface ChainHead {
  sequence: number;
  hash: string;
}

/** What one command changed in an exchange: everything the read models need, computed by the domain. */
export interface ExchangeChange {
  before: ReportedSnapshot | null;
  after: ReportedSnapshot;
  /** The events just appended, in ledger order. */
  appended: readonly RecordedLedgerEvent<ReportedExchangeEventData>[];
  /** Stages recorded, each with the sequence of the event that recorded it (their order within the exchange). */
  recorded: readonly { stage: ReportedStage; sequence: number }[];
  /** Stages that were there before and changed (a void, a later account): as they are now. */
  changed: readonly ReportedStage[];
  /** Reporters that gave their first account on this exchange with this command. */
  newReporters: readonly ReporterId[];
  /** Added to the maintained reading totals, both filings (only rows that change). */
  rows: readonly FiledRow[];
  /** The rows of each stage recorded or changed, replacing its earlier ones. */
  stageRows: readonly StageRows[];
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
  append(events: readonly RecordedLedgerEvent[]): Promise<void>;
  /** The exchange's state and readings, without its stages. */
  exchange(id: string): Promise<ReportedSnapshot | null>;
  exchangeWithStages(id: string): Promise<ExchangeRecord | null>;
  stage(exchangeId: string, stageId: string): Promise<ReportedStage | null>;
  /** The exchange's stages still counted (not voided), in recording order. */
  liveStages(exchangeId: string): Promise<ReportedStage[]>;
  /** Whether any stage of any exchange has this id (an import must not reuse one). */
  stageIdTaken(stageId: string): Promise<boolean>;
  party(id: string): Promise<PartyState | null>;
  observer(id: string): Promise<ObserverState | null>;
  /** Which of these party ids are registered. */
  registeredParties(ids: readonly string[]): Promise<Set<string>>;
  /** Which of these ids are registered reporters (parties or observers). */
  registeredReporters(ids: readonly string[]): Promise<Set<string>>;
  /** Whether a claim has this id (an import must not reuse one). */
  claimIdTaken(claimId: string): Promise<boolean>;
  projectExchange(change: ExchangeChange): Promise<void>;
  projectParty(party: PartyState, recordedAt: string): Promise<void>;
  projectObserver(observer: ObserverState, recordedAt: string): Promise<void>;
  projectClaim(claim: StoredClaim): Promise<void>;
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
  /** Which figure counts (domain/readings.ts): FIRST or a reporter. */
  reading: Reading;
  /** `kind`: breakdowns filed under their kinds; `exchange`: everything under the exchange's kind. */
  filing: Filing;
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
  exportEvents(after: number): AsyncIterable<RecordedLedgerEvent>;
  countEvents(after: number): Promise<number>;
  verify(progress?: Progress): Promise<VerifyReport>;
}

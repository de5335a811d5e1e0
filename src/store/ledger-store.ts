import type { ExchangeCommand } from '../domain/commands.js';
import type { UnacceptedText } from '../domain/event-text.js';
import type { RecordedEvent } from '../domain/events.js';
import type { Exchange, ExchangeState, StageState } from '../domain/exchange.js';
import type { PartyState, RegisterParty } from '../domain/party.js';
import type { Rejection } from '../domain/rejection.js';
import type { Contribution } from '../domain/totals.js';
import type { Kind, Status } from '../domain/vocabulary.js';
import type { KeyStore } from './key-store.js';

/**
 * The one interface between the service and its database. Every write runs the whole
 * command — idempotency check, If-Match, decide, append, read models, idempotency record —
 * in ONE transaction; an adapter (SQLite now, PostgreSQL beside it) only decides how.
 */
export interface LedgerStore extends AuditStore {
  /** API keys live in the same database, outside the ledger. */
  readonly keys: KeyStore;

  registerParty(request: WriteRequest<RegisterParty, PartyState>): Promise<WriteOutcome>;
  executeExchange(request: ExchangeWriteRequest): Promise<WriteOutcome>;

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

  /**
   * The HTTP shell calls this as each request arrives, before anything of it is read. Checks
   * of what other processes have committed (the key cache's and the read cache's) may then
   * share one look at the database within the request, since a look taken after the request
   * arrived reflects every commit it must see; any later arrival makes the next check look
   * again. A store that is never told checks every time.
   */
  requestArrived(): void;

  readiness(): Promise<{ ready: true } | { ready: false; reason: string }>;
  close(): Promise<void>;
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

export type WriteResult<T> =
  | { ok: true; value: T; events: RecordedEvent[] }
  | { ok: false; rejection: Rejection | { kind: 'version-mismatch'; current: number } };

export interface WriteRequest<C, T> {
  command: C;
  principal: string;
  /** Server clock at the request, ISO 8601. */
  now: string;
  idempotency: IdempotencyClaim | null;
  /**
   * Renders the answer inside the transaction, so that the answer stored for the
   * Idempotency-Key is committed together with the events it describes.
   */
  respond: (result: WriteResult<T>) => StoredResponse;
}

/** What a command on an exchange gives its answer, inside the command's transaction. */
export interface ExchangeWritten {
  state: ExchangeState;
  /** The stages the command recorded (a stage, or a completion's final tranche). */
  recorded: StageState[];
  /** The exchange with all its stages, read in the same transaction: only for answers that show them. */
  withStages(): Exchange;
}

export interface ExchangeWriteRequest extends WriteRequest<ExchangeCommand, ExchangeWritten> {
  exchangeId: string;
  /** From If-Match: the version the client last saw (`*` = any existing version). */
  expectedVersion: number[] | '*' | null;
}

export type WriteOutcome =
  | { kind: 'answered'; response: StoredResponse; replayed: boolean }
  | { kind: 'idempotency-key-reused' };

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

export interface NumberedEvent {
  /** 1-based line (or position) in the file being imported, for refusals. */
  line: number;
  event: RecordedEvent;
}

export type ImportReport = { ok: true; events: number; head: LedgerHead } | { ok: false; line: number; reason: string };

/** The audit side of a store: chain head, verification, export and import. */
export interface AuditStore {
  head(): Promise<LedgerHead>;
  /** Every event after `after` up to the head at the call, in pages, never all in memory. */
  exportEvents(after: number): AsyncIterable<RecordedEvent>;
  countEvents(after: number): Promise<number>;
  /** Into an empty ledger only; all or nothing. */
  importLedger(events: AsyncIterable<NumberedEvent>, progress?: Progress): Promise<ImportReport>;
  verify(progress?: Progress): Promise<VerifyReport>;
}

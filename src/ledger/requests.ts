import type { LedgerCommand } from '../domain/ledger-command.js';
import type { ReportRejection } from '../domain/report-rejection.js';
import type { RecordedLedgerEvent } from '../domain/reported-events.js';
import type { ReportedSnapshot } from '../domain/reported-exchange.js';
import type { ReportedStage } from '../domain/reported-stage.js';
import type { ExchangeRecord, IdempotencyClaim, StoredResponse } from '../store/ledger-store.js';

/** Why a command was not carried out: the rules refused it, or If-Match named another version. */
export type Refusal = ReportRejection | { kind: 'version-mismatch'; current: number };

export type WriteResult<T> = { ok: true; value: T; events: RecordedLedgerEvent[] } | { ok: false; rejection: Refusal };

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
  respond: (result: WriteResult<T>) => StoredResponse | Promise<StoredResponse>;
}

/** What a command on an exchange gives its answer, inside the command's transaction. */
export interface ExchangeWritten extends ReportedSnapshot {
  /** The stages the command recorded (a stage, or a completion's final tranche). */
  recorded: ReportedStage[];
  /** The stages it changed (a void, a later account), as they are now. */
  changed: ReportedStage[];
  /** The exchange with all its stages, read in the same transaction: only for answers that show them. */
  withStages(): Promise<ExchangeRecord>;
}

export interface ExchangeWriteRequest extends WriteRequest<LedgerCommand, ExchangeWritten> {
  exchangeId: string;
  /** From If-Match: the version the client last saw (`*` = any existing version). */
  expectedVersion: number[] | '*' | null;
}

export type WriteOutcome =
  | { kind: 'answered'; response: StoredResponse; replayed: boolean }
  | { kind: 'idempotency-key-reused' };

import type { ExchangeCommand } from '../domain/commands.js';
import type { RecordedEvent } from '../domain/events.js';
import type { Exchange, ExchangeState, StageState } from '../domain/exchange.js';
import type { Rejection } from '../domain/rejection.js';
import type { IdempotencyClaim, StoredResponse } from '../store/ledger-store.js';

/** Why a command was not carried out: the rules refused it, or If-Match named another version. */
export type Refusal = Rejection | { kind: 'version-mismatch'; current: number };

export type WriteResult<T> = { ok: true; value: T; events: RecordedEvent[] } | { ok: false; rejection: Refusal };

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
export interface ExchangeWritten {
  state: ExchangeState;
  /** The stages the command recorded (a stage, or a completion's final tranche). */
  recorded: StageState[];
  /** The exchange with all its stages, read in the same transaction: only for answers that show them. */
  withStages(): Promise<Exchange>;
}

export interface ExchangeWriteRequest extends WriteRequest<ExchangeCommand, ExchangeWritten> {
  exchangeId: string;
  /** From If-Match: the version the client last saw (`*` = any existing version). */
  expectedVersion: number[] | '*' | null;
}

export type WriteOutcome =
  | { kind: 'answered'; response: StoredResponse; replayed: boolean }
  | { kind: 'idempotency-key-reused' };

import { ImportRefusal, type NumberedEvent } from '../audit/ndjson.js';
import type { ExchangeCommand } from '../domain/commands.js';
import { decide } from '../domain/decide.js';
import type { ExchangeEventData, PartyEventData, RecordedEvent } from '../domain/events.js';
import type { ExchangeState, StageState } from '../domain/exchange.js';
import { decideRegistration, partyRegistered, type PartyState, type RegisterParty } from '../domain/party.js';
import type { LedgerStore, Progress, WriteTransaction } from '../store/ledger-store.js';
import { changeOf } from './change.js';
import { importInto, type ImportReport } from './import.js';
import type { ExchangeWriteRequest, ExchangeWritten, WriteOutcome, WriteRequest, WriteResult } from './requests.js';
import { seal } from './seal.js';

/**
 * The application layer: every command runs here, over any store, in one transaction:
 * the Idempotency-Key check, If-Match, the pure decider, the sealed append, the read models
 * and the idempotent answer. Import replays an export through the same steps.
 */
export class Ledger {
  constructor(private readonly store: LedgerStore) {}

  registerParty(request: WriteRequest<RegisterParty, PartyState>): Promise<WriteOutcome> {
    return this.write(request, async (tx): Promise<WriteResult<PartyState>> => {
      const { command } = request;
      const decision = decideRegistration(command, await tx.party(command.partyId), request.now);
      if (!decision.ok) return decision;
      const events = seal(await tx.head(), `party:${command.partyId}`, 0, decision.value, request);
      const party = await appendRegistration(tx, events[0] as RecordedEvent<PartyEventData>);
      return { ok: true, value: party, events };
    });
  }

  executeExchange(request: ExchangeWriteRequest): Promise<WriteOutcome> {
    return this.write(request, async (tx): Promise<WriteResult<ExchangeWritten>> => {
      const { command, exchangeId, expectedVersion } = request;
      const before = await tx.exchange(exchangeId);
      if (before === null && command.action !== 'propose') {
        return { ok: false, rejection: { kind: 'exchange-not-found', exchangeId } };
      }
      if (
        before !== null &&
        expectedVersion !== null &&
        expectedVersion !== '*' &&
        !expectedVersion.includes(before.version)
      ) {
        return { ok: false, rejection: { kind: 'version-mismatch', current: before.version } };
      }
      const stages = await stagesConcerned(tx, before, command);
      const registeredParties = await registeredAmong(tx, command);
      const decision = decide(command, before, { now: request.now, registeredParties, stages });
      if (!decision.ok) {
        const r = decision.rejection;
        return { ok: false, rejection: r.kind === 'exchange-not-found' ? { ...r, exchangeId } : r };
      }
      const appended = seal(await tx.head(), exchangeId, before?.version ?? 0, decision.value, request);
      const change = await appendToExchange(tx, before, appended as RecordedEvent<ExchangeEventData>[], stages);
      const written: ExchangeWritten = {
        state: change.after,
        recorded: change.recorded.map((r) => r.stage),
        withStages: async () => (await tx.exchangeWithStages(exchangeId))!,
      };
      return { ok: true, value: written, events: appended };
    });
  }

  /** Into an empty ledger only; all or nothing (one transaction). */
  async importLedger(source: AsyncIterable<NumberedEvent>, progress?: Progress): Promise<ImportReport> {
    let events: number;
    try {
      events = await this.store.transaction((tx) => importInto(tx, source, progress));
    } catch (e) {
      if (e instanceof ImportRefusal) return { ok: false, line: e.line, reason: e.message };
      throw e;
    }
    return { ok: true, events, head: await this.store.head() };
  }

  /** The Idempotency-Key check, the command, and the answer kept for the key, as one transaction. */
  private write<C, T>(request: WriteRequest<C, T>, work: (tx: WriteTransaction) => Promise<WriteResult<T>>) {
    return this.store.transaction(async (tx): Promise<WriteOutcome> => {
      const { idempotency, principal } = request;
      if (idempotency) {
        const seen = await tx.idempotencyRecord(principal, idempotency.key);
        if (seen) {
          if (seen.fingerprint !== idempotency.fingerprint) return { kind: 'idempotency-key-reused' };
          return { kind: 'answered', response: seen.response, replayed: true };
        }
      }
      const response = await request.respond(await work(tx));
      if (idempotency) {
        await tx.rememberIdempotency({ principal, ...idempotency, response, createdAt: request.now });
      }
      return { kind: 'answered', response, replayed: false };
    });
  }
}

/** Appends an exchange's sealed events and brings the read models up to date with them. */
export async function appendToExchange(
  tx: WriteTransaction,
  before: ExchangeState | null,
  appended: readonly RecordedEvent<ExchangeEventData>[],
  concerned: readonly StageState[],
) {
  const change = changeOf(before, appended, concerned);
  await tx.append(appended);
  await tx.projectExchange(change);
  return change;
}

export async function appendRegistration(
  tx: WriteTransaction,
  event: RecordedEvent<PartyEventData>,
): Promise<PartyState> {
  const party = partyRegistered(event);
  await tx.append([event]);
  await tx.projectParty(party, event.recordedAt);
  return party;
}

/** The stages a command needs to be decided (DecisionContext.stages): a void's, or the live ones for a completion. */
export async function stagesConcerned(
  tx: WriteTransaction,
  state: ExchangeState | null,
  command: ExchangeCommand,
): Promise<StageState[]> {
  if (state === null) return [];
  if (command.action === 'voidStage') {
    const stage = await tx.stage(state, command.stageId);
    return stage ? [stage] : [];
  }
  if (command.action === 'complete') return tx.liveStages(state);
  return [];
}

/**
 * Which of the parties a command's terms name are registered (DecisionContext). Only terms
 * (a proposal, a counter) need registered parties; a stage names the exchange's own.
 */
export function registeredAmong(tx: WriteTransaction, command: ExchangeCommand): Promise<Set<string>> {
  if (command.action !== 'propose' && command.action !== 'counter') return Promise.resolve(new Set());
  return tx.registeredParties(command.sides.map((s) => s.party));
}

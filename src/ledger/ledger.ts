import { ImportRefusal, type NumberedEvent } from '../audit/ndjson.js';
import { claimStreamId, decideClaim, type RecordClaim } from '../domain/claims.js';
import type { PartyEventData, RecordedEvent } from '../domain/events.js';
import { decideOnExchange, partiesNamedBy, reportersNamedBy, type LedgerCommand } from '../domain/ledger-command.js';
import {
  decideObserverRegistration,
  observerRegistered,
  observerStreamId,
  type ObserverState,
  type RegisterObserver,
} from '../domain/observers.js';
import { decideRegistration, partyRegistered, type PartyState, type RegisterParty } from '../domain/party.js';
import type {
  ClaimEventData,
  ObserverEventData,
  RecordedLedgerEvent,
  ReportedExchangeEventData,
} from '../domain/reported-events.js';
import type { ReportedSnapshot } from '../domain/reported-exchange.js';
import type { ReportedStage } from '../domain/reported-stage.js';
import type { LedgerStore, Progress, StoredClaim, WriteTransaction } from '../store/ledger-store.js';
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
      // Parties and observers share one id space: one id never names two reporters.
      if (await tx.observer(command.partyId)) {
        return {
          ok: false,
          rejection: { kind: 'reporter-already-registered', reporterId: command.partyId, registeredAs: 'observer' },
        };
      }
      const decision = decideRegistration(command, await tx.party(command.partyId), request.now);
      if (!decision.ok) return decision;
      const events = seal(await tx.head(), `party:${command.partyId}`, 0, decision.value, request);
      const party = await appendRegistration(tx, events[0] as RecordedEvent<PartyEventData>);
      return { ok: true, value: party, events };
    });
  }

  registerObserver(request: WriteRequest<RegisterObserver, ObserverState>): Promise<WriteOutcome> {
    return this.write(request, async (tx): Promise<WriteResult<ObserverState>> => {
      const { command } = request;
      const taken = (await tx.party(command.observerId))
        ? 'party'
        : (await tx.observer(command.observerId))
          ? 'observer'
          : null;
      const decision = decideObserverRegistration(command, taken, request.now);
      if (!decision.ok) return decision;
      const events = seal(await tx.head(), observerStreamId(command.observerId), 0, decision.value, request);
      const observer = await appendObserver(tx, events[0] as RecordedLedgerEvent<ObserverEventData>);
      return { ok: true, value: observer, events };
    });
  }

  recordClaim(request: WriteRequest<RecordClaim, StoredClaim>): Promise<WriteOutcome> {
    return this.write(request, async (tx): Promise<WriteResult<StoredClaim>> => {
      const { command } = request;
      const decision = decideClaim(command, {
        now: request.now,
        registeredReporters: await tx.registeredReporters([command.reportedBy]),
        registeredParties: await tx.registeredParties([command.party]),
      });
      if (!decision.ok) return decision;
      const events = seal(await tx.head(), claimStreamId(command.claimId), 0, decision.value, request);
      const claim = await appendClaim(tx, events[0] as RecordedLedgerEvent<ClaimEventData>);
      return { ok: true, value: claim, events };
    });
  }

  executeExchange(request: ExchangeWriteRequest): Promise<WriteOutcome> {
    return this.write(request, async (tx): Promise<WriteResult<ExchangeWritten>> => {
      const { command, exchangeId, expectedVersion } = request;
      const before = await tx.exchange(exchangeId);
      if (before === null && command.action !== 'propose') {
        return { ok: false, rejection: { kind: 'exchange-not-found', exchangeId } };
      }
      const version = before?.state.version;
      if (
        version !== undefined &&
        expectedVersion !== null &&
        expectedVersion !== '*' &&
        !expectedVersion.includes(version)
      ) {
        return { ok: false, rejection: { kind: 'version-mismatch', current: version } };
      }
      const stages = await stagesConcerned(tx, before, command);
      const decision = decideOnExchange(command, before?.state ?? null, {
        now: request.now,
        registeredParties: await tx.registeredParties(partiesNamedBy(command)),
        registeredReporters: await tx.registeredReporters(reportersNamedBy(command)),
        stages,
      });
      if (!decision.ok) {
        const r = decision.rejection;
        return { ok: false, rejection: r.kind === 'exchange-not-found' ? { ...r, exchangeId } : r };
      }
      const sealed = seal(await tx.head(), exchangeId, version ?? 0, decision.value, request);
      const change = await appendToExchange(
        tx,
        before,
        sealed as RecordedLedgerEvent<ReportedExchangeEventData>[],
        stages,
      );
      const written: ExchangeWritten = {
        state: change.after.state,
        readings: change.after.readings,
        recorded: change.recorded.map((r) => r.stage),
        changed: [...change.changed],
        withStages: async () => (await tx.exchangeWithStages(exchangeId))!,
      };
      return { ok: true, value: written, events: sealed };
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
  before: ReportedSnapshot | null,
  appended: readonly RecordedLedgerEvent<ReportedExchangeEventData>[],
  concerned: readonly ReportedStage[],
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

export async function appendObserver(
  tx: WriteTransaction,
  event: RecordedLedgerEvent<ObserverEventData>,
): Promise<ObserverState> {
  const observer = observerRegistered(event);
  await tx.append([event]);
  await tx.projectObserver(observer, event.recordedAt);
  return observer;
}

export async function appendClaim(tx: WriteTransaction, event: RecordedLedgerEvent<ClaimEventData>) {
  const claim: StoredClaim = {
    ...event.data,
    occurredAt: event.occurredAt,
    source: event.source,
    note: event.note,
    sequence: event.sequence,
    recordedAt: event.recordedAt,
  };
  await tx.append([event]);
  await tx.projectClaim(claim);
  return claim;
}

/**
 * The stages a command needs to be decided (ReportContext.stages): a void's or a later
 * account's, or the live ones for a completion.
 */
export async function stagesConcerned(
  tx: WriteTransaction,
  before: ReportedSnapshot | null,
  command: LedgerCommand,
): Promise<ReportedStage[]> {
  if (before === null) return [];
  if (command.action === 'voidStage' || command.action === 'addAccount') {
    const stage = await tx.stage(before.state.id, command.stageId);
    return stage ? [stage] : [];
  }
  if (command.action === 'complete') return tx.liveStages(before.state.id);
  return [];
}

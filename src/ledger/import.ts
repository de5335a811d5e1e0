import canonicalize from 'canonicalize';
import { ChainCheck } from '../audit/chain.js';
import { ImportRefusal, type NumberedEvent } from '../audit/ndjson.js';
import { claimStreamId, decideClaim } from '../domain/claims.js';
import { EXCHANGE_EVENTS, type ExchangeEventData, type PartyEventData, type RecordedEvent } from '../domain/events.js';
import type { LedgerCommand } from '../domain/ledger-command.js';
import { decideObserverRegistration, observerStreamId } from '../domain/observers.js';
import { decideRegistration } from '../domain/party.js';
import { commandOf } from '../domain/replay.js';
import {
  REPORTED_EVENTS,
  type ClaimEventData,
  type ObserverEventData,
  type RecordedLedgerEvent,
  type ReportedExchangeEventData,
} from '../domain/reported-events.js';
import {
  isReportedGroup,
  reportedCommandLength,
  reportedCommandOf,
  reportedReplayRefusal,
} from '../domain/reported-replay.js';
import type { LedgerHead, Progress, WriteTransaction } from '../store/ledger-store.js';
import { appendClaim, appendObserver, appendRegistration, appendToExchange, stagesConcerned } from './ledger.js';

export type ImportReport = { ok: true; events: number; head: LedgerHead } | { ok: false; line: number; reason: string };

type ExchangeEvent = RecordedLedgerEvent<ReportedExchangeEventData>;

const isExchangeEvent = (type: string) => EXCHANGE_EVENTS.has(type) || REPORTED_EVENTS.has(type);

/**
 * Replays an exported ledger into an empty one, inside the caller's transaction: each event
 * must continue the hash chain and be exactly what the deciders decide from the state before
 * it. A refused line throws (ImportRefusal), so the transaction leaves nothing written.
 * Returns how many events were imported. A ledger exported before accounts existed holds only
 * old events, which replay through the old rules exactly as before.
 */
export async function importInto(
  tx: WriteTransaction,
  source: AsyncIterable<NumberedEvent>,
  progress?: Progress,
): Promise<number> {
  if ((await tx.head()) !== null) {
    throw new ImportRefusal(0, 'the target ledger is not empty: import restores into an empty ledger only');
  }
  const chain = new ChainCheck();
  // An exchange event that may be the first of a two-event command (a stage and the
  // completion it is the last tranche of; terms and their accounts).
  let pending: NumberedEvent | null = null;
  let count = 0;
  const flush = async () => {
    if (pending) await applyExchange(tx, [pending]);
    pending = null;
  };

  for await (const item of source) {
    const { line, event } = item;
    const broken = chain.next(event);
    if (broken) throw new ImportRefusal(line, broken);
    if (isExchangeEvent(event.type)) {
      let consumed = false;
      if (pending) {
        const pair = [pending, item];
        if (
          pending.event.streamId === event.streamId &&
          reportedCommandLength(pair.map((p) => p.event as ExchangeEvent)) === 2
        ) {
          await applyExchange(tx, pair);
          consumed = true;
          pending = null;
        } else await flush();
      }
      if (!consumed) {
        if (reportedCommandLength([event as ExchangeEvent]) === 1 && mayLead(event.type)) pending = item;
        else await applyExchange(tx, [item]);
      }
    } else {
      await flush();
      const type = event.type as string;
      if (type === 'PartyRegistered') await importRegistration(tx, item);
      else if (type === 'ObserverRegistered') await importObserver(tx, item);
      else if (type === 'ClaimRecorded') await importClaim(tx, item);
      else throw new ImportRefusal(line, `unknown event type ${event.type}`);
    }
    count += 1;
    if (count % 5000 === 0) progress?.(count, 0);
  }
  await flush();
  progress?.(count, count);
  return count;
}

/** Events that may be followed by the second event of their command. */
const mayLead = (type: string) =>
  type === 'StageRecorded' || type === 'StageReported' || type === 'ExchangeProposed' || type === 'ExchangeCountered';

/** Every reporter the events name: they must be registered before (as the decider requires). */
function reportersIn(events: readonly ExchangeEvent[]): string[] {
  const named = new Set<string>();
  for (const e of events) {
    if (e.type === 'StageReported') for (const a of e.data.accounts) if (a.reportedBy) named.add(a.reportedBy);
    if (e.type === 'TermsReported') for (const a of e.data.accounts) named.add(a.reportedBy);
    if (e.type === 'StageAccountAdded') named.add(e.data.reportedBy);
  }
  return [...named];
}

async function applyExchange(tx: WriteTransaction, group: NumberedEvent[]): Promise<void> {
  const evs = group.map((g) => g.event as ExchangeEvent);
  const before = await tx.exchange(evs[0]!.streamId);
  const command = (
    isReportedGroup(evs) ? reportedCommandOf(evs) : commandOf(evs as RecordedEvent<ExchangeEventData>[])
  ) as LedgerCommand;
  const stages = await stagesConcerned(tx, before, command);
  const parties = command.action === 'propose' || command.action === 'counter' ? command.sides.map((s) => s.party) : [];
  const refusal = reportedReplayRefusal(evs, before?.state ?? null, {
    registeredParties: await tx.registeredParties(parties),
    registeredReporters: await tx.registeredReporters(reportersIn(evs)),
    stages,
  });
  if (refusal) throw new ImportRefusal(group[0]!.line, refusal);
  // The service makes every stage id fresh; a file could reuse one, across exchanges too.
  for (const [i, { line }] of group.entries()) {
    const e = evs[i]!;
    if ((e.type === 'StageRecorded' || e.type === 'StageReported') && (await tx.stageIdTaken(e.data.stageId))) {
      throw new ImportRefusal(line, `stage id ${e.data.stageId} is already used by an earlier stage`);
    }
  }
  await appendToExchange(tx, before, evs, stages);
}

const essenceOf = (e: { type: string; data: unknown; occurredAt: string; source: unknown; note: unknown }) =>
  canonicalize({ type: e.type, data: e.data, occurredAt: e.occurredAt, source: e.source, note: e.note });

async function importRegistration(tx: WriteTransaction, { line, event }: NumberedEvent): Promise<void> {
  const e = event as RecordedEvent<PartyEventData>;
  const command = { partyId: e.data.partyId, name: e.data.name, occurredAt: e.occurredAt, note: e.note };
  if (await tx.observer(e.data.partyId)) throw new ImportRefusal(line, `${e.data.partyId} is already an observer`);
  const decided = decideRegistration(command, await tx.party(e.data.partyId), e.recordedAt);
  if (!decided.ok) throw new ImportRefusal(line, `party ${e.data.partyId} is registered twice`);
  if (e.streamId !== `party:${e.data.partyId}` || e.version !== 1 || canonicalize(decided.value[0]) !== essenceOf(e)) {
    throw new ImportRefusal(line, 'the rules decide a different registration');
  }
  await appendRegistration(tx, e);
}

async function importObserver(tx: WriteTransaction, { line, event }: NumberedEvent): Promise<void> {
  const e = event as unknown as RecordedLedgerEvent<ObserverEventData>;
  const id = e.data.observerId;
  const taken = (await tx.party(id)) ? 'party' : (await tx.observer(id)) ? 'observer' : null;
  const decided = decideObserverRegistration(
    { observerId: id, name: e.data.name, occurredAt: e.occurredAt, note: e.note },
    taken,
    e.recordedAt,
  );
  if (!decided.ok) throw new ImportRefusal(line, `the rules refuse observer ${id} (${decided.rejection.kind})`);
  if (e.streamId !== observerStreamId(id) || e.version !== 1 || canonicalize(decided.value[0]) !== essenceOf(e)) {
    throw new ImportRefusal(line, 'the rules decide a different registration');
  }
  await appendObserver(tx, e);
}

async function importClaim(tx: WriteTransaction, { line, event }: NumberedEvent): Promise<void> {
  const e = event as unknown as RecordedLedgerEvent<ClaimEventData>;
  const d = e.data;
  if (await tx.claimIdTaken(d.claimId)) throw new ImportRefusal(line, `claim id ${d.claimId} is used twice`);
  const decided = decideClaim(
    { ...d, occurredAt: e.occurredAt, source: e.source, note: e.note },
    {
      now: e.recordedAt,
      registeredReporters: await tx.registeredReporters([d.reportedBy]),
      registeredParties: await tx.registeredParties([d.party]),
    },
  );
  if (!decided.ok) throw new ImportRefusal(line, `the rules refuse the claim (${decided.rejection.kind})`);
  if (e.streamId !== claimStreamId(d.claimId) || e.version !== 1 || canonicalize(decided.value[0]) !== essenceOf(e)) {
    throw new ImportRefusal(line, 'the rules decide a different claim');
  }
  await appendClaim(tx, e);
}

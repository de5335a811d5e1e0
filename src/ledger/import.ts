import canonicalize from 'canonicalize';
import { ChainCheck } from '../audit/chain.js';
import { ImportRefusal, type NumberedEvent } from '../audit/ndjson.js';
import { EXCHANGE_EVENTS, type ExchangeEventData, type PartyEventData, type RecordedEvent } from '../domain/events.js';
import { decideRegistration } from '../domain/party.js';
import { commandLength, commandOf, replayRefusal } from '../domain/replay.js';
import type { LedgerHead, Progress, WriteTransaction } from '../store/ledger-store.js';
import { appendRegistration, appendToExchange, registeredAmong, stagesConcerned } from './ledger.js';

export type ImportReport = { ok: true; events: number; head: LedgerHead } | { ok: false; line: number; reason: string };

/**
 * Replays an exported ledger into an empty one, inside the caller's transaction: each event
 * must continue the hash chain and be exactly what the decider decides from the state before
 * it. A refused line throws (ImportRefusal), so the transaction leaves nothing written.
 * Returns how many events were imported.
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
  let pending: NumberedEvent[] = [];
  let count = 0;

  const applyExchange = async (group: NumberedEvent[]) => {
    const evs = group.map((g) => g.event as RecordedEvent<ExchangeEventData>);
    const before = await tx.exchange(evs[0]!.streamId);
    const command = commandOf(evs);
    const stages = await stagesConcerned(tx, before, command);
    const refusal = replayRefusal(evs, before, { registeredParties: await registeredAmong(tx, command), stages });
    if (refusal) throw new ImportRefusal(group[0]!.line, refusal);
    // The service makes every stage id fresh; a file could reuse one, across exchanges too.
    for (const [i, { line }] of group.entries()) {
      const e = evs[i]!;
      if (e.type === 'StageRecorded' && (await tx.stageIdTaken(e.data.stageId))) {
        throw new ImportRefusal(line, `stage id ${e.data.stageId} is already used by an earlier stage`);
      }
    }
    await appendToExchange(tx, before, evs, stages);
  };

  for await (const item of source) {
    const { line, event } = item;
    const broken = chain.next(event);
    if (broken) throw new ImportRefusal(line, broken);
    if (event.type === 'PartyRegistered') {
      if (pending.length) await applyExchange(pending);
      pending = [];
      await importRegistration(tx, item);
    } else if (EXCHANGE_EVENTS.has(event.type)) {
      // A StageRecorded may be the last tranche of the completion that follows it.
      let consumed = false;
      if (pending.length === 1) {
        const pair = [pending[0]!, item];
        if (commandLength(pair.map((p) => p.event as RecordedEvent<ExchangeEventData>)) === 2) {
          await applyExchange(pair);
          consumed = true;
        } else await applyExchange(pending);
        pending = [];
      }
      if (!consumed) {
        if (event.type === 'StageRecorded') pending = [item];
        else await applyExchange([item]);
      }
    } else {
      throw new ImportRefusal(line, `unknown event type ${event.type}`);
    }
    count += 1;
    if (count % 5000 === 0) progress?.(count, 0);
  }
  if (pending.length) await applyExchange(pending);
  progress?.(count, count);
  return count;
}

async function importRegistration(tx: WriteTransaction, { line, event }: NumberedEvent): Promise<void> {
  const e = event as RecordedEvent<PartyEventData>;
  const command = { partyId: e.data.partyId, name: e.data.name, occurredAt: e.occurredAt, note: e.note };
  const decided = decideRegistration(command, await tx.party(e.data.partyId), e.recordedAt);
  if (!decided.ok) throw new ImportRefusal(line, `party ${e.data.partyId} is registered twice`);
  const essence = { type: e.type, data: e.data, occurredAt: e.occurredAt, source: e.source, note: e.note };
  if (
    e.streamId !== `party:${e.data.partyId}` ||
    e.version !== 1 ||
    canonicalize(decided.value[0]) !== canonicalize(essence)
  ) {
    throw new ImportRefusal(line, 'the rules decide a different registration');
  }
  await appendRegistration(tx, e);
}

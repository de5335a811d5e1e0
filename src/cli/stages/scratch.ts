import type { ExchangeCommand } from '../../domain/commands.js';
import type { ExchangeEventData, RecordedEvent } from '../../domain/events.js';
import { commandLength, commandOf } from '../../domain/replay.js';
import { latestOf } from '../../domain/time.js';
import { inProcessLedger } from './in-process-ledger.js';
import { LedgerRefusal, partiesOf, type Ledger } from './ledger-client.js';
import type { PlannedRow } from './plan.js';

export interface Scratch {
  ledger: Ledger;
  /** The scratch ledger's id for an exchange of the real one (ids are its own: it makes them). */
  idOf: (id: string) => string;
}

/**
 * A throw-away ledger in memory that stands, for the rows of this file, where the real one
 * stands: the same parties, and each exchange the rows name by id rebuilt through the API
 * from its history. The whole file is then run on it first, so that every row is checked
 * by the ledger's own rules, in order, before anything is written to the real one.
 */
export async function scratchLike(target: Ledger, rows: readonly PlannedRow[]): Promise<Scratch> {
  const parties = await partiesOf(target);
  const ledger = await inProcessLedger(':memory:');
  const ids = new Map<string, string>();
  try {
    for (const p of parties) await must(ledger.post('/v1/parties', { id: p.id, name: p.name }));
    for (const id of new Set(rows.flatMap((r) => ('id' in r.exchange ? [r.exchange.id] : [])))) {
      const history = await target.get(`/v1/exchanges/${encodeURIComponent(id)}/events`);
      // An id the ledger does not know stays unknown to the scratch ledger too: the row is
      // refused there, in the API's words.
      if (history.status === 404 || history.status === 400) continue;
      if (history.status !== 200) {
        throw new LedgerRefusal(
          `${target.name} answered GET /v1/exchanges/${id}/events with ${history.status}: ${history.body?.detail}`,
        );
      }
      ids.set(id, await rebuild(ledger, history.body.data as RecordedEvent<ExchangeEventData>[]));
    }
  } catch (e) {
    await ledger.close();
    throw e;
  }
  return { ledger, idOf: (id) => ids.get(id) ?? id };
}

/**
 * Records an exchange's commands again, through the API, so that it reaches the same status,
 * proposer, terms and dates. Of its stages only the latest one not voided is recorded: the
 * rules a row can meet look at no other (completion may not precede the latest stage); the
 * others would only make a medical exchange of thousands of stages slow to rebuild.
 */
async function rebuild(ledger: Ledger, events: RecordedEvent<ExchangeEventData>[]): Promise<string> {
  const commands: ExchangeCommand[] = [];
  for (let i = 0; i < events.length; ) {
    const group = events.slice(i, i + 2);
    commands.push(commandOf(group));
    i += commandLength(group);
  }
  const voided = new Set(commands.flatMap((c) => (c.action === 'voidStage' ? [c.stageId] : [])));
  const live = commands.filter(
    (c) => (c.action === 'recordStage' || (c.action === 'complete' && c.sides)) && !voided.has(c.stageId),
  );
  const latestAt = latestOf(live.map((c) => c.occurredAt));
  const latest = live.find((c) => c.occurredAt === latestAt);
  // Each kept where it stood: the original order is one the rules accepted.
  const kept = commands
    .filter((c) => !((c.action === 'recordStage' && c !== latest) || c.action === 'voidStage'))
    .map((c) => (c.action === 'complete' && c !== latest ? { ...c, sides: null } : c));
  const [proposal, ...rest] = kept;
  if (proposal?.action !== 'propose') throw new Error(`exchange ${events[0]?.streamId} has no proposal in its history`);
  const created = await must(
    ledger.post('/v1/exchanges', {
      kind: proposal.kind,
      proposedBy: proposal.proposedBy,
      sides: proposal.sides,
      occurredAt: proposal.occurredAt,
      ...(proposal.title ? { title: proposal.title } : {}),
      ...(proposal.mediator ? { mediator: proposal.mediator } : {}),
    }),
  );
  const id = String(created.id);
  for (const c of rest) {
    const at = { occurredAt: c.occurredAt };
    switch (c.action) {
      case 'counter':
        await must(ledger.post(`/v1/exchanges/${id}/counter`, { by: c.by, sides: c.sides, ...at }));
        break;
      case 'agree':
      case 'reject':
      case 'withdraw':
      case 'cancel':
        await must(ledger.post(`/v1/exchanges/${id}/${c.action}`, { by: c.by, ...at }));
        break;
      case 'recordStage':
        await must(ledger.post(`/v1/exchanges/${id}/stages`, { sides: c.sides, ...at }));
        break;
      case 'complete':
        await must(ledger.post(`/v1/exchanges/${id}/complete`, { ...(c.sides ? { sides: c.sides } : {}), ...at }));
        break;
      default:
        break;
    }
  }
  return id;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of several routes, narrowed by the callers
async function must(answer: Promise<{ status: number; body: any }>): Promise<any> {
  const a = await answer;
  if (a.status >= 300) {
    throw new Error(`could not rebuild the ledger for the check: ${a.status} ${JSON.stringify(a.body)}`);
  }
  return a.body;
}

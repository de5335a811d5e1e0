import { accountOfStageRecorded, reportersOf, type ReporterId, type StageAccount } from './accounts.js';
import type { ExchangeEventData } from './events.js';
import type { ExchangeState, StageState } from './exchange.js';
import type { RecordedLedgerEvent, ReportedEventData } from './reported-events.js';
import type { Source } from './vocabulary.js';

/**
 * A stage with every account given of it, in ledger order: what the readings read. The old
 * StageState stays what the old decider and evolveState work on (voids, completion dates):
 * stageStateOf gives it, as the stage's first account says, so that both keep deciding and
 * counting exactly as before for stages recorded the old way.
 */
export interface ReportedAccount extends StageAccount {
  /** When the account was given (world time) and recorded. The first account's are the stage's. */
  occurredAt: string;
  recordedAt: string;
}

export interface ReportedStage {
  id: string;
  occurredAt: string;
  recordedAt: string;
  voided: StageState['voided'];
  /** Recorded on an exchange already completed (a late handover). */
  afterCompletion: boolean;
  /** At least one; the first is the stage's base (it names every side). */
  accounts: ReportedAccount[];
}

type Recorded<T extends string> = RecordedLedgerEvent<Extract<ExchangeEventData | ReportedEventData, { type: T }>>;

/** The stage a StageRecorded or StageReported event adds. */
export function stageOfEvent(
  event: Recorded<'StageRecorded'> | Recorded<'StageReported'>,
  state: Pick<ExchangeState, 'sides'>,
): ReportedStage {
  const when = { occurredAt: event.occurredAt, recordedAt: event.recordedAt };
  if (event.type === 'StageRecorded') {
    const sides = state.sides.map((s) => ({
      party: s.party,
      count: event.data.sides.find((h) => h.party === s.party)?.count ?? 0,
    }));
    const account = accountOfStageRecorded({ data: { sides }, source: event.source, note: event.note });
    return {
      id: event.data.stageId,
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt,
      voided: null,
      afterCompletion: false,
      accounts: [accountAt(account, when)],
    };
  }
  // The times written out, not spread: V8 builds spread-then-more-keys literals slowly.
  return {
    id: event.data.stageId,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    voided: null,
    afterCompletion: event.data.afterCompletion,
    accounts: event.data.accounts.map((a) => accountAt(a, when)),
  };
}

const accountAt = (a: StageAccount, when: { occurredAt: string; recordedAt: string }): ReportedAccount => ({
  reportedBy: a.reportedBy,
  sides: a.sides,
  source: a.source,
  note: a.note,
  occurredAt: when.occurredAt,
  recordedAt: when.recordedAt,
});

/** A stage as the store keeps it today (StageState) is one unattributed account; its source, if the caller has it. */
export function reportedStageOf(
  stage: StageState,
  provenance: { source: Source | null; note: string | null } = { source: null, note: null },
): ReportedStage {
  const when = { occurredAt: stage.occurredAt, recordedAt: stage.recordedAt };
  const account = accountOfStageRecorded({ data: { sides: stage.sides }, ...provenance });
  return { id: stage.id, ...when, voided: stage.voided, afterCompletion: false, accounts: [{ ...account, ...when }] };
}

export function withAccount(stage: ReportedStage, event: Recorded<'StageAccountAdded'>): ReportedStage {
  const account: ReportedAccount = {
    reportedBy: event.data.reportedBy,
    sides: event.data.sides,
    source: event.source,
    note: event.note,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
  };
  return { ...stage, accounts: [...stage.accounts, account] };
}

export function withVoid(stage: ReportedStage, event: Recorded<'StageVoided'>): ReportedStage {
  if (stage.voided) return stage;
  return {
    ...stage,
    voided: { occurredAt: event.occurredAt, recordedAt: event.recordedAt, reason: event.data.reason },
  };
}

/**
 * The stage as the old decider and evolveState know it: the first account's counts, a count
 * not disclosed as 0 (it adds nothing to `delivered`; the readings count it apart).
 */
export function stageStateOf(stage: ReportedStage): StageState {
  const first = stage.accounts[0]!;
  return {
    id: stage.id,
    sides: first.sides.map((s) => ({ party: s.party, count: s.count ?? 0 })),
    occurredAt: stage.occurredAt,
    recordedAt: stage.recordedAt,
    voided: stage.voided,
  };
}

export const stageReporters = (stage: ReportedStage): ReporterId[] => reportersOf(stage.accounts);

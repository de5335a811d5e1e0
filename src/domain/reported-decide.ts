import {
  normaliseSides,
  normaliseTermsAccount,
  reporterErrors,
  sideAccountErrors,
  termsAccountErrors,
  type ReporterId,
  type SideAccountInput,
  type StageAccount,
  type StageAccountInput,
  type TermsAccountInput,
} from './accounts.js';
import type { CommandProvenance, DecisionContext, ExchangeCommand } from './commands.js';
import { decide } from './decide.js';
import type { ExchangeState } from './exchange.js';
import { accept, refuse, type FieldError, type Rejection } from './rejection.js';
import type { ReportDecision } from './report-rejection.js';
import type { NewLedgerEvent, ReportedExchangeEventData } from './reported-events.js';
import { stageStateOf, type ReportedStage } from './reported-stage.js';
import { futureBound, isTooFarInFuture, latestOf, precedes } from './time.js';
import { allowedActions, nextStatus } from './transitions.js';
import { MAX_COUNT, type Action, type PartyId, type Status } from './vocabulary.js';

/**
 * The decider of the record as it was reported: stages with accounts, later accounts, late
 * handovers, accounts of the terms. It sits BESIDE decide() and leans on it: whatever the old
 * commands could say is decided by decide() itself (same events, same refusals, same
 * messages), so that moving the HTTP routes onto this decider changes nothing for the old
 * requests; only what they could not say gets the new events (reported-events.ts).
 *
 * A stage is now allowed on a `completed` exchange too (a late handover: the status stays,
 * the stage is marked afterCompletion and may not precede the completion). The transition
 * table is left as it is, so decide() still refuses such a stage (409): that refusal is what
 * keeps an unmarked StageRecorded off a completed exchange. Every stage is to be decided here.
 */

/** A stage as a client reports it: the old `sides` (with an optional reporter), or `accounts`. */
export type StageReport =
  | { form: 'sides'; reportedBy: ReporterId | null; sides: readonly SideAccountInput[] }
  | { form: 'accounts'; accounts: readonly StageAccountInput[] };

type Propose = Extract<ExchangeCommand, { action: 'propose' }>;
type Counter = Extract<ExchangeCommand, { action: 'counter' }>;

export type ReportCommand =
  | (Propose & { termsAccounts: readonly TermsAccountInput[] })
  | (Counter & { termsAccounts: readonly TermsAccountInput[] })
  | (CommandProvenance & { action: 'recordStage'; stageId: string; report: StageReport })
  /** `report: null` completes without a last tranche. */
  | (CommandProvenance & { action: 'complete'; stageId: string; report: StageReport | null })
  /** A later account of an existing stage (POST …/stages/{stageId}/accounts); its source and note are the command's. */
  | (CommandProvenance & {
      action: 'addAccount';
      stageId: string;
      reportedBy: ReporterId | null;
      sides: readonly SideAccountInput[];
    });

/** What the shell gathers for this decider (cf. DecisionContext). */
export interface ReportContext {
  now: string;
  /** Which of the parties named by terms are registered (as in DecisionContext). */
  registeredParties: ReadonlySet<PartyId>;
  /** Which of the reporters the command names are registered, as a party or an observer. */
  registeredReporters: ReadonlySet<ReporterId>;
  /** The stage an account names; the live ones for a completion (as DecisionContext.stages). */
  stages: readonly ReportedStage[];
}

type Events = NewLedgerEvent<ReportedExchangeEventData>[];

/**
 * What a status allows once a stage may follow the completion: the table's actions, and
 * recordStage on a completed exchange. decide() keeps the table's list (its refusals are
 * unchanged); this decider's refusals name this one, delegated ones included.
 */
export function allowedActionsReported(status: Status): Action[] {
  const allowed = allowedActions(status);
  return status === 'completed' ? [...allowed, 'recordStage'] : allowed;
}

export function decideReported(
  command: ReportCommand,
  state: ExchangeState | null,
  ctx: ReportContext,
): ReportDecision<Events> {
  const decided = decideAnyReported(command, state, ctx);
  if (decided.ok) return decided;
  const r = decided.rejection;
  if (r.kind === 'transition-not-allowed' || r.kind === 'party-not-allowed') {
    return { ok: false, rejection: { ...r, allowed: allowedActionsReported(r.status) } };
  }
  return decided;
}

function decideAnyReported(
  command: ReportCommand,
  state: ExchangeState | null,
  ctx: ReportContext,
): ReportDecision<Events> {
  const provenance = { occurredAt: command.occurredAt, source: command.source, note: command.note };
  const oldCtx: DecisionContext = {
    now: ctx.now,
    registeredParties: ctx.registeredParties,
    stages: ctx.stages.map(stageStateOf),
  };
  switch (command.action) {
    case 'propose':
    case 'counter':
      return decideTerms(command, state, ctx, oldCtx);
    case 'recordStage': {
      if (state === null) return refuse({ kind: 'exchange-not-found', exchangeId: '' });
      const plain = plainSides(command.report);
      if (plain && state.status === 'agreed')
        return decide({ action: 'recordStage', stageId: command.stageId, sides: plain, ...provenance }, state, oldCtx);
      if (state.status !== 'agreed' && state.status !== 'completed') return notAllowed(state, 'recordStage');
      const afterCompletion = state.status === 'completed';
      const errors = [
        ...stageTimeErrors(command.occurredAt, state, ctx.now, afterCompletion),
        ...reportErrors(command.report, state, ctx),
      ];
      if (errors.length) return unprocessable(errors);
      const data = {
        exchangeId: state.id,
        stageId: command.stageId,
        accounts: accountsOf(command.report, state, command),
        afterCompletion,
      };
      return accept([{ type: 'StageReported', data, ...provenance }]);
    }
    case 'complete': {
      if (state === null) return refuse({ kind: 'exchange-not-found', exchangeId: '' });
      const plain = command.report === null ? null : plainSides(command.report);
      if (command.report === null || plain) {
        return decide({ action: 'complete', stageId: command.stageId, sides: plain, ...provenance }, state, oldCtx);
      }
      if (nextStatus(state.status, 'complete') === undefined) return notAllowed(state, 'complete');
      const errors = [
        ...completionTimeErrors(command.occurredAt, state, ctx),
        ...reportErrors(command.report, state, ctx),
      ];
      if (errors.length) return unprocessable(errors);
      const stage = {
        exchangeId: state.id,
        stageId: command.stageId,
        accounts: accountsOf(command.report, state, command),
        afterCompletion: false,
      };
      return accept([
        { type: 'StageReported', data: stage, ...provenance },
        { type: 'ExchangeCompleted', data: { exchangeId: state.id, finalStageId: command.stageId }, ...provenance },
      ]);
    }
    case 'addAccount':
      return decideAccount(command, state, ctx);
  }
}

/** A later account of a stage: by a registered reporter, not before the stage, of a stage still counted. */
export function decideAccount(
  command: Extract<ReportCommand, { action: 'addAccount' }>,
  state: ExchangeState | null,
  ctx: ReportContext,
): ReportDecision<Events> {
  if (state === null) return refuse({ kind: 'exchange-not-found', exchangeId: '' });
  const stage = ctx.stages.find((s) => s.id === command.stageId);
  if (!stage) return refuse({ kind: 'stage-not-found', stageId: command.stageId });
  if (stage.voided) return refuse({ kind: 'stage-already-voided', stageId: command.stageId });
  const errors: FieldError[] = [];
  if (isTooFarInFuture(command.occurredAt, ctx.now)) errors.push(futureError(ctx.now));
  else if (precedes(command.occurredAt, stage.occurredAt)) {
    errors.push({
      path: 'occurredAt',
      message: `an account must not precede the stage it gives (${stage.occurredAt})`,
    });
  }
  errors.push(...reporterErrors(command.reportedBy, ctx.registeredReporters, 'reportedBy'));
  const parties = state.sides.map((s) => s.party);
  errors.push(...sideAccountErrors(command.sides, parties, 'sides'));
  if (errors.length) return unprocessable(errors);
  const data = {
    exchangeId: state.id,
    stageId: command.stageId,
    reportedBy: command.reportedBy!,
    sides: normaliseSides(command.sides, parties, false),
  };
  return accept([
    { type: 'StageAccountAdded', data, occurredAt: command.occurredAt, source: command.source, note: command.note },
  ]);
}

/** Propose or counter with accounts of the terms: decide()'s own decision, then the accounts after it. */
function decideTerms(
  command: Extract<ReportCommand, { action: 'propose' | 'counter' }>,
  state: ExchangeState | null,
  ctx: ReportContext,
  oldCtx: DecisionContext,
): ReportDecision<Events> {
  const { termsAccounts, ...old } = command;
  const decided = decide(old as ExchangeCommand, state, oldCtx);
  if (termsAccounts.length === 0) return decided;
  if (!decided.ok && decided.rejection.kind !== 'unprocessable') return decided;
  const parties = command.action === 'propose' ? command.sides.map((s) => s.party) : state!.sides.map((s) => s.party);
  const errors = [
    ...(decided.ok ? [] : (decided.rejection as Extract<Rejection, { kind: 'unprocessable' }>).errors),
    ...termsAccountErrors(termsAccounts, parties, ctx.registeredReporters),
  ];
  if (errors.length || !decided.ok) return unprocessable(errors);
  const exchangeId = command.action === 'propose' ? command.exchangeId : state!.id;
  const accounts = termsAccounts.map((a) => normaliseTermsAccount(a, parties));
  return accept([
    ...decided.value,
    {
      type: 'TermsReported',
      data: { exchangeId, accounts },
      occurredAt: command.occurredAt,
      source: command.source,
      note: command.note,
    },
  ]);
}

/** The old `sides` form, unattributed, with whole counts and nothing else: what decide() already decides. */
function plainSides(report: StageReport): { party: PartyId; count: number }[] | null {
  if (report.form !== 'sides' || report.reportedBy !== null) return null;
  const plain = report.sides.every(
    (s) =>
      Number.isInteger(s.count) &&
      s.count! >= 0 &&
      s.count! <= MAX_COUNT &&
      s.approximate !== true &&
      (s.breakdown ?? []).length === 0,
  );
  return plain ? report.sides.map((s) => ({ party: s.party, count: s.count! })) : null;
}

function reportErrors(report: StageReport, state: ExchangeState, ctx: ReportContext): FieldError[] {
  const parties = state.sides.map((s) => s.party);
  if (report.form === 'sides') {
    return [
      ...reporterErrors(report.reportedBy, ctx.registeredReporters, 'reportedBy', true),
      ...sideAccountErrors(report.sides, parties, 'sides'),
      ...handsOverSomeone(report.sides, parties, 'sides'),
    ];
  }
  if (report.accounts.length === 0) return [{ path: 'accounts', message: 'a stage needs at least one account' }];
  const errors: FieldError[] = [];
  const reporters = new Set<ReporterId>();
  report.accounts.forEach((a, i) => {
    const reporter = reporterErrors(a.reportedBy, ctx.registeredReporters, `accounts.${i}.reportedBy`);
    if (reporter.length) errors.push(...reporter);
    else if (reporters.has(a.reportedBy!))
      errors.push({ path: `accounts.${i}.reportedBy`, message: `names ${a.reportedBy}'s account twice` });
    if (a.reportedBy !== null) reporters.add(a.reportedBy);
    errors.push(...sideAccountErrors(a.sides, parties, `accounts.${i}.sides`));
  });
  errors.push(...handsOverSomeone(report.accounts[0]!.sides, parties, 'accounts.0.sides'));
  return errors;
}

/**
 * As before: a stage hands over at least one person, by its first account. A count not
 * disclosed is someone (the stage was carried out); only all zeros is refused.
 */
function handsOverSomeone(sides: readonly SideAccountInput[], parties: readonly PartyId[], path: string): FieldError[] {
  const mine = sides.filter((s) => parties.includes(s.party));
  if (sides.length === 0 || mine.length !== sides.length || !mine.every((s) => s.count === 0)) return [];
  return [{ path, message: 'a stage must hand over at least one person' }];
}

/** The accounts as kept; the one-account form takes the command's source and note. */
function accountsOf(
  report: StageReport,
  state: ExchangeState,
  command: Pick<CommandProvenance, 'source' | 'note'>,
): StageAccount[] {
  const parties = state.sides.map((s) => s.party);
  if (report.form === 'sides') {
    return [
      {
        reportedBy: report.reportedBy,
        sides: normaliseSides(report.sides, parties, true),
        source: command.source,
        note: command.note,
      },
    ];
  }
  return report.accounts.map((a, i) => ({
    reportedBy: a.reportedBy,
    sides: normaliseSides(a.sides, parties, i === 0),
    source: a.source,
    note: a.note,
  }));
}

/** decide()'s rules for a stage's date, and for a late one: not before the completion either. */
function stageTimeErrors(t: string, state: ExchangeState, now: string, afterCompletion: boolean): FieldError[] {
  if (isTooFarInFuture(t, now)) return [futureError(now)];
  const errors: FieldError[] = [];
  if (state.stagesNotBefore !== null && precedes(t, state.stagesNotBefore)) {
    errors.push({ path: 'occurredAt', message: `a stage must not precede the agreement (${state.stagesNotBefore})` });
  }
  if (afterCompletion && precedes(t, state.lastTransitionAt)) {
    errors.push({
      path: 'occurredAt',
      message: `a stage after completion must not precede the completion (${state.lastTransitionAt})`,
    });
  }
  return errors;
}

/** decide()'s rules for a completion with a last tranche, in its order. */
function completionTimeErrors(t: string, state: ExchangeState, ctx: ReportContext): FieldError[] {
  if (isTooFarInFuture(t, ctx.now)) return [futureError(ctx.now)];
  const errors: FieldError[] = [];
  if (precedes(t, state.lastTransitionAt)) {
    errors.push({
      path: 'occurredAt',
      message: `must not precede the latest transition of this exchange (${state.lastTransitionAt})`,
    });
  }
  const latestStage = latestOf(ctx.stages.filter((s) => !s.voided).map((s) => s.occurredAt));
  if (latestStage !== null && precedes(t, latestStage)) {
    errors.push({ path: 'occurredAt', message: `must not precede the latest stage of this exchange (${latestStage})` });
  }
  if (state.stagesNotBefore !== null && precedes(t, state.stagesNotBefore)) {
    errors.push({ path: 'occurredAt', message: `a stage must not precede the agreement (${state.stagesNotBefore})` });
  }
  return errors;
}

const futureError = (now: string): FieldError => ({
  path: 'occurredAt',
  message: `must not lie more than a day in the future (latest allowed: ${futureBound(now)})`,
});

const notAllowed = (state: ExchangeState, action: 'recordStage' | 'complete'): ReportDecision<Events> =>
  refuse({ kind: 'transition-not-allowed', status: state.status, action, allowed: allowedActions(state.status) });

const unprocessable = (errors: FieldError[]): ReportDecision<Events> => refuse({ kind: 'unprocessable', errors });

import type { ExchangeCommand } from './commands.js';
import { decide } from './decide.js';
import type { ExchangeState } from './exchange.js';
import type { ReportDecision } from './report-rejection.js';
import { allowedActionsReported, decideReported, type ReportCommand, type ReportContext } from './reported-decide.js';
import type { NewLedgerEvent, ReportedExchangeEventData } from './reported-events.js';
import { stageStateOf } from './reported-stage.js';

/**
 * Every command on an exchange the service takes: those that can carry accounts (propose,
 * counter, a stage, a completion, a later account) go to decideReported; the others (agree,
 * reject, withdraw, cancel, void) to decide(), unchanged. Either way a refused transition
 * names what the status allows now that a stage may follow the completion.
 */
export type LedgerCommand =
  | ReportCommand
  | Extract<ExchangeCommand, { action: 'agree' | 'reject' | 'withdraw' | 'cancel' | 'voidStage' }>;

export type LedgerAction = LedgerCommand['action'];

export function decideOnExchange(
  command: LedgerCommand,
  state: ExchangeState | null,
  ctx: ReportContext,
): ReportDecision<NewLedgerEvent<ReportedExchangeEventData>[]> {
  switch (command.action) {
    case 'agree':
    case 'reject':
    case 'withdraw':
    case 'cancel':
    case 'voidStage': {
      const decided = decide(command, state, {
        now: ctx.now,
        registeredParties: ctx.registeredParties,
        stages: ctx.stages.map(stageStateOf),
      });
      if (decided.ok) return decided;
      const r = decided.rejection;
      if (r.kind === 'transition-not-allowed' || r.kind === 'party-not-allowed')
        return { ok: false, rejection: { ...r, allowed: allowedActionsReported(r.status) } };
      return decided;
    }
    default:
      return decideReported(command, state, ctx);
  }
}

/** The parties a command's terms name (they must be registered): a proposal's or a counter's sides. */
export const partiesNamedBy = (command: LedgerCommand): string[] =>
  command.action === 'propose' || command.action === 'counter' ? command.sides.map((s) => s.party) : [];

/** The reporters a command names (they must be registered as a party or an observer). */
export function reportersNamedBy(command: LedgerCommand): string[] {
  const named: (string | null)[] = [];
  if (command.action === 'propose' || command.action === 'counter')
    named.push(...command.termsAccounts.map((a) => a.reportedBy));
  if ((command.action === 'recordStage' || command.action === 'complete') && command.report) {
    const r = command.report;
    if (r.form === 'sides') named.push(r.reportedBy);
    else named.push(...r.accounts.map((a) => a.reportedBy));
  }
  if (command.action === 'addAccount') named.push(command.reportedBy);
  return [...new Set(named.filter((r): r is string => r !== null))];
}

/** A command in the form the old rules took (seed files, old clients' shapes): no accounts. */
export function ledgerCommandOf(command: ExchangeCommand): LedgerCommand {
  switch (command.action) {
    case 'propose':
    case 'counter':
      return { ...command, termsAccounts: [] };
    case 'recordStage': {
      const { sides, ...rest } = command;
      return { ...rest, report: { form: 'sides', reportedBy: null, sides } };
    }
    case 'complete': {
      const { sides, ...rest } = command;
      return { ...rest, report: sides === null ? null : { form: 'sides', reportedBy: null, sides } };
    }
    default:
      return command;
  }
}

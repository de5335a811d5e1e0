import type { StageState } from './exchange.js';
import type { Handover, Kind, PartyId, Source, Terms } from './vocabulary.js';

/** What every command carries: when it happened in the world, and where the claim comes from. */
export interface CommandProvenance {
  occurredAt: string;
  source: Source | null;
  note: string | null;
}

export type ExchangeCommand = CommandProvenance &
  (
    | {
        action: 'propose';
        exchangeId: string;
        kind: Kind;
        proposedBy: PartyId;
        sides: Terms[];
        title: string | null;
        mediator: string | null;
      }
    | { action: 'counter'; by: PartyId; sides: Terms[] }
    | { action: 'agree'; by: PartyId }
    | { action: 'reject' | 'withdraw' | 'cancel'; by: PartyId; reason: string | null }
    | { action: 'recordStage'; stageId: string; sides: Handover[] }
    | { action: 'voidStage'; stageId: string; reason: string }
    /** `stageId` names the final tranche when `sides` is given; ids are made by the shell. */
    | { action: 'complete'; stageId: string; sides: Handover[] | null }
  );

/**
 * Facts the shell gathers before deciding, so that the decider stays pure: the server
 * clock, which of the parties named in the command are registered, and the stages the
 * command concerns.
 */
export interface DecisionContext {
  now: string;
  registeredParties: ReadonlySet<PartyId>;
  /**
   * The exchange's stages a command needs: the one a void names, the live ones for a
   * completion (its date may not precede them); none for the other commands. The state does
   * not carry stages, so that recording the thousandth costs what the first did. Passing all
   * of them gives the same decisions (the tests do).
   */
  stages: readonly StageState[];
}

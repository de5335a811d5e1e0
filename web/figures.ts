import { contributionOf } from '../src/domain/totals.js';
import { monthOf } from './months.js';
import type { Exchange, ExchangeListed, Figure, Stage } from './types.js';

/** What a figure of the totals counts, in a reader's words, and which exchanges can hold it. */
export const FIGURE_TEXT: Record<
  Figure,
  { label: string; counts: (party: string, kind: string) => string; status?: 'agreed' | 'proposed' }
> = {
  handedOver: {
    label: 'Handed over',
    counts: (p, k) => `the persons ${p} handed over in the stages of its ${k} exchanges; voided stages do not count`,
  },
  received: {
    label: 'Received',
    counts: (p, k) =>
      `the persons the other party handed over to ${p} in the stages of ${p}’s ${k} exchanges; ` +
      'voided stages do not count',
  },
  agreedOutstanding: {
    label: 'Agreed, outstanding',
    counts: (p, k) =>
      `over ${p}’s agreed ${k} exchanges, what ${p} agreed to hand over and has not yet delivered; ` +
      'sides agreed without a number are listed apart',
    status: 'agreed',
  },
  proposed: {
    label: 'Proposed',
    counts: (p, k) =>
      `over ${p}’s ${k} exchanges still at the proposal stage, what the standing terms have ${p} hand over`,
    status: 'proposed',
  },
};

export interface StageLine {
  stage: Stage;
  own: number;
  other: number;
  /** What the stage adds to the figure; null when it adds nothing (voided, or not a stage figure). */
  counted: number | null;
}

/** One exchange behind a figure: what it adds, and the stages that make it up. */
export interface Behind {
  value: number;
  /** Agreed sides without a number (agreedOutstanding only). */
  unspecified: number;
  /** The stages in the window (all of them, or one month's), voided ones included. */
  stages: StageLine[];
  /** Whether the exchange is behind the figure: it has stages in the window, or adds to the figure. */
  relevant: boolean;
}

const countOf = (stage: Stage, party: string | undefined) => stage.sides.find((s) => s.party === party)?.count ?? 0;

/**
 * What `exchange` adds to `party`'s figure (in `month` only, for the stage figures). The stage
 * figures are the sum of the listed stages, so that a reader can add them up; the others are the
 * ledger's own rule (src/domain/totals.ts), the same code the service maintains the totals with.
 */
export function behind(figure: Figure, exchange: Exchange, party: string, month?: string): Behind {
  const other = exchange.sides.find((s) => s.party !== party)?.party;
  const inWindow = exchange.stages.filter((s) => month === undefined || monthOf(s.occurredAt) === month);
  const stageFigure = figure === 'handedOver' || figure === 'received';
  const stages = inWindow.map((stage) => {
    const own = countOf(stage, party);
    const theirs = countOf(stage, other);
    return {
      stage,
      own,
      other: theirs,
      counted: !stageFigure || stage.voided ? null : figure === 'handedOver' ? own : theirs,
    };
  });
  if (stageFigure) {
    return {
      value: stages.reduce((n, s) => n + (s.counted ?? 0), 0),
      unspecified: 0,
      stages,
      relevant: stages.length > 0,
    };
  }
  const [a, b] = exchange.sides;
  if (!a || !b) return { value: 0, unspecified: 0, stages, relevant: false };
  const mine = contributionOf({ kind: exchange.kind, status: exchange.status, sides: [a, b] }).find(
    (c) => c.party === party,
  );
  const value = mine?.[figure] ?? 0;
  const unspecified = figure === 'agreedOutstanding' ? (mine?.unspecifiedSides ?? 0) : 0;
  return {
    value,
    unspecified,
    stages,
    relevant: exchange.status === FIGURE_TEXT[figure].status && (value > 0 || unspecified > 0),
  };
}

/**
 * Whether an exchange as listed (without its stages) can add to the figure, so that only those
 * are read in full: a stage figure needs something delivered by the side it counts, and, for a
 * month, an agreement no later than that month (no stage precedes the agreement).
 */
export function mayAdd(figure: Figure, e: ExchangeListed, party: string, month?: string): boolean {
  if (figure === 'handedOver' || figure === 'received') {
    const side = e.sides.find((s) => (figure === 'handedOver' ? s.party === party : s.party !== party));
    if (!side || side.delivered === 0) return false;
    return month === undefined || (e.agreedAt !== null && monthOf(e.agreedAt) <= month);
  }
  return behind(figure, { ...e, stages: [] }, party).relevant;
}

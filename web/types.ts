import type { z } from 'zod';
import type { EventView, LedgerHeadView, PartyView, TotalsRow } from '../src/http/schemas/ledger.js';
import type { ExchangeSummary, ExchangeView, StageView } from '../src/http/schemas/exchange.js';

/** What the API answers, typed from the schemas that validate and document it (types only: no zod in the bundle). */
export type Totals = z.output<typeof TotalsRow>;
export type Head = z.output<typeof LedgerHeadView>;
export type Party = z.output<typeof PartyView>;
export type Exchange = z.output<typeof ExchangeView>;
export type ExchangeListed = z.output<typeof ExchangeSummary>;
export type Stage = z.output<typeof StageView>;
export type LedgerEvent = z.output<typeof EventView>;
export type Kind = Totals['kind'];

/** The totals' figures a reader can follow down to exchanges and stages. */
export const FIGURES = ['handedOver', 'received', 'agreedOutstanding', 'proposed'] as const;
export type Figure = (typeof FIGURES)[number];

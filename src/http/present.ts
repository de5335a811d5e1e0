import type { z } from 'zod';
import type { TermsAccount } from '../domain/accounts.js';
import { FIRST, stageView, type Reading } from '../domain/readings.js';
import { allowedActionsReported } from '../domain/reported-decide.js';
import type { RecordedLedgerEvent } from '../domain/reported-events.js';
import { sidesUnder, type ReportedSnapshot } from '../domain/reported-exchange.js';
import type { ReportedStage } from '../domain/reported-stage.js';
import { recordableUrl, recordedUrlFault } from '../domain/text.js';
import type { Contribution } from '../domain/totals.js';
import type { Source } from '../domain/vocabulary.js';
import type { ExchangeCursor, ExchangeRecord, Page } from '../store/ledger-store.js';
import type { ExchangePage, ExchangeSummary, ExchangeView, StageView } from './schemas/exchange.js';
import type { ExportedEvent } from './schemas/ledger.js';
import { readingLabel } from './according.js';
import { ProblemError, problem } from './problem.js';

/*
 * Domain state → the JSON a client sees. Every figure of an exchange is shown under one
 * reading (domain/readings.ts): FIRST, each stage's first account, unless the request names
 * a reporter (`according`). The answer says which (`reading`).
 */

type Summary = z.infer<typeof ExchangeSummary>;

/** The exchange without its stages (the answer to recording one, and a list's entries). */
export function presentSummary(x: ReportedSnapshot, reading: Reading = FIRST): Summary {
  const s = x.state;
  return {
    id: s.id,
    kind: s.kind,
    status: s.status,
    proposedBy: s.proposedBy,
    title: s.title,
    mediator: s.mediator,
    reading: readingLabel(reading),
    sides: sidesUnder(s, x.readings, reading).map((side) => ({
      party: side.party,
      handsOver: side.handsOver,
      delivered: side.delivered,
      undisclosedStages: side.undisclosedStages,
      approximate: side.approximate,
      variance: side.handsOver === null ? null : side.delivered - side.handsOver,
    })),
    reporters: x.readings.reporters,
    termsAccounts: x.readings.termsAccounts.map(presentTermsAccount),
    occurredAt: s.occurredAt,
    agreedAt: s.agreedAt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    version: s.version,
    allowedTransitions: allowedActionsReported(s.status),
  };
}

/** The exchange with every stage, each under the reading, with all its accounts. */
export function presentExchange(x: ExchangeRecord, reading: Reading = FIRST): z.infer<typeof ExchangeView> {
  const parties = x.state.sides.map((s) => s.party);
  // Object.assign, not a spread followed by a new key, which V8 builds many times slower.
  return Object.assign(presentSummary(x, reading), {
    stages: x.stages.map((st) => presentStage(st, reading, parties)),
  });
}

/**
 * A stage under a reading. Its parties, in the exchange's side order, are those its first
 * account names (the first account of a stage names every side), so a stage read alone
 * needs no other read.
 */
export function presentStage(
  stage: ReportedStage,
  reading: Reading = FIRST,
  parties: readonly string[] = stage.accounts[0]!.sides.map((s) => s.party),
): z.infer<typeof StageView> {
  const view = stageView(stage, reading, parties);
  return {
    id: view.id,
    sides: view.sides.map((f) => ({
      party: f.party,
      count: f.count,
      approximate: f.approximate,
      breakdown: f.breakdown,
      reportedBy: f.reportedBy,
    })),
    occurredAt: view.occurredAt,
    recordedAt: view.recordedAt,
    voided: view.voided,
    afterCompletion: view.afterCompletion,
    accounts: view.accounts.map((a) => ({
      reportedBy: a.reportedBy,
      sides: a.sides.map((s) => ({
        party: s.party,
        count: s.count,
        approximate: s.approximate,
        breakdown: s.breakdown,
      })),
      source: shownSource(a.source),
      note: a.note,
      occurredAt: a.occurredAt,
      recordedAt: a.recordedAt,
    })),
    disputed: view.disputed,
    disputedParties: view.disputedParties,
  };
}

function presentTermsAccount(a: TermsAccount) {
  return { reportedBy: a.reportedBy, sides: a.sides, source: shownSource(a.source), note: a.note };
}

/**
 * An account's source in the form the views promise (an RFC 3986 URI): an account copied from
 * an event an earlier build wrote may hold a URL recorded as it was sent; it is shown
 * normalised, or left out when the rule cannot make a URL of it (the event, in the history,
 * keeps it as recorded and flags it).
 */
export function shownSource(source: Source | null): Source | null {
  if (source === null || source.url === undefined || recordedUrlFault(source.url) === null) return source;
  const { url, ...rest } = source;
  const verdict = recordableUrl(url);
  return verdict.ok ? { ...rest, url: verdict.url } : rest;
}

/**
 * The presenters of one reading, made once per reading: sendPresented keeps the rendering
 * of a cached value per presenter, so the same reading must give the same functions. There
 * are as many as readings asked for, and a reading is a registered reporter (tens).
 */
export interface ReadingPresenters {
  exchange: (x: ExchangeRecord) => z.infer<typeof ExchangeView>;
  page: (page: Page<ReportedSnapshot, ExchangeCursor>) => z.infer<typeof ExchangePage>;
  summary: (x: ReportedSnapshot) => Summary;
}

const byReading = new Map<Reading, ReadingPresenters>();

export function presentersOf(reading: Reading): ReadingPresenters {
  let p = byReading.get(reading);
  if (p === undefined) {
    const summary = (x: ReportedSnapshot) => presentSummary(x, reading);
    p = {
      exchange: (x) => presentExchange(x, reading),
      page: (page) => ({
        data: page.items.map(summary),
        nextCursor: page.next ? encodeCursor(page.next) : null,
      }),
      summary,
    };
    byReading.set(reading, p);
  }
  return p;
}

/** An event as recorded (what its hash covers): the export's line. JSON pages show it through presentEventSafely. */
export function presentEvent(e: RecordedLedgerEvent): z.infer<typeof ExportedEvent> {
  return {
    sequence: e.sequence,
    id: e.id,
    streamId: e.streamId,
    version: e.version,
    type: e.type,
    data: e.data as Record<string, unknown>,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    principal: e.principal,
    source: e.source,
    note: e.note,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/** A page of exchanges under the default reading, each without its stages, and the cursor to the next. */
export const presentExchangePage = presentersOf(FIRST).page;

/** The totals answer. A function of its own, like the presenters above, so that the JSON of totals the cache holds is rendered once (rendered.ts). */
export const presentTotals = (data: readonly Contribution[]) => ({ data });

export const etagOf = (version: number) => `"${version}"`;

/** Cursors are opaque to clients: base64url of the position, so the format can change. */
export function encodeCursor(c: ExchangeCursor): string {
  return Buffer.from(JSON.stringify([c.occurredAt, c.seq])).toString('base64url');
}

export function decodeCursor(raw: string): ExchangeCursor {
  try {
    const [occurredAt, seq] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof occurredAt === 'string' && Number.isSafeInteger(seq)) return { occurredAt, seq: seq as number };
  } catch {
    // fall through to the refusal below
  }
  throw new ProblemError(
    problem('validation-failed', 'cursor is not one this service issued', {
      errors: [{ path: 'query.cursor', message: 'not a valid cursor' }],
    }),
  );
}

import type { Column } from './columns.js';
import { LedgerRefusal, type Answer, type Ledger } from './ledger-client.js';
import type { PlannedRow } from './plan.js';
import type { RowError } from './sheet.js';

export interface SendOptions {
  /** An exchange id of the ledger as `ledger` knows it (a scratch ledger gives its copies ids of its own). */
  idOf?: (id: string) => string;
  /** Send each row's Idempotency-Key (a real write; a scratch ledger needs none). */
  idempotency: boolean;
  /** Stop at the first refused row (a real write), or go on to find every one (a check). */
  stopAtFirst: boolean;
  onRow?: (done: number) => void;
  /** Asked between rows: true stops the run there (Ctrl-C). */
  interrupted?: () => boolean;
}

export interface SendReport {
  errors: RowError[];
  /** Rows the ledger recorded now. */
  written: number;
  /** Rows it already held: their Idempotency-Key was answered with the first answer. */
  alreadyWritten: number;
  /** Where the run stopped early: the first refused row, or (interrupted) the first row not sent. */
  stoppedAt: number | null;
  interrupted: boolean;
}

/**
 * A key whose first answer was a refusal is followed by the next one (`KEY~2`, …): a refusal
 * wrote nothing, so the row may be sent again once what it lacked is there.
 */
const KEY_CHAIN = 50;

/**
 * Requests in flight at once. Rows on one exchange go one after another, in file order (each
 * depends on the state the one before left); rows on different exchanges do not depend on
 * each other, and sent side by side they share the ledger's commits (group commit) and the
 * network's round trips.
 */
const IN_FLIGHT = 32;
/** Rows taken up at once, most of them waiting for the row before them on their exchange. */
const AHEAD = 1024;

/**
 * Sends the rows, each as the API request it stands for, turning an exchange proposed earlier
 * in the file into the id the ledger gave it. Every refusal is named by the row's line and the
 * column its field came from, with the ledger's own problem detail.
 */
export async function sendRows(ledger: Ledger, rows: readonly PlannedRow[], options: SendOptions): Promise<SendReport> {
  const idOf = options.idOf ?? ((id: string) => id);
  /** Exchange ids by the line of the proposal in the file that made them; a refused proposal's line is missing. */
  const proposed = new Map<number, string>();
  const report: SendReport = { errors: [], written: 0, alreadyWritten: 0, stoppedAt: null, interrupted: false };
  let done = 0;
  let failure: unknown = null;
  let firstUnsent = Infinity;
  const interrupted = () => (report.interrupted ||= options.interrupted?.() ?? false);
  const stopped = () => failure !== null || (options.stopAtFirst && report.errors.length > 0) || interrupted();
  let sending = 0;
  /** Rows ready to be sent, waiting for a request to end. */
  const turns: (() => void)[] = [];

  const unsent = (row: PlannedRow) => {
    firstUnsent = Math.min(firstUnsent, row.line);
  };
  const send = async (row: PlannedRow): Promise<void> => {
    const on = row.exchange;
    const id = 'id' in on ? idOf(on.id) : 'proposedOn' in on ? proposed.get(on.proposedOn) : '';
    if (id === undefined) {
      const proposalLine = (on as { proposedOn: number }).proposedOn;
      report.errors.push({
        line: row.line,
        column: 'exchange',
        message: `not checked: its exchange was not proposed (line ${proposalLine} was refused)`,
      });
      return;
    }
    const path = row.action === 'propose' ? '/v1/exchanges' : `/v1/exchanges/${encodeURIComponent(id)}${row.suffix}`;
    while (sending >= IN_FLIGHT) await new Promise<void>((resolve) => turns.push(resolve));
    let answer: Answer;
    sending += 1;
    try {
      // Looked at again once its turn has come: the run may have stopped meanwhile.
      if (stopped()) return unsent(row);
      answer = await post(ledger, path, row, options.idempotency);
    } finally {
      sending -= 1;
      turns.shift()?.();
    }
    if (answer.status >= 300) {
      report.errors.push(...refusalOf(row, answer));
      return;
    }
    if (answer.headers['idempotent-replayed'] === 'true') report.alreadyWritten += 1;
    else report.written += 1;
    if (row.action === 'propose') proposed.set(row.line, String(answer.body.id));
    options.onRow?.(++done);
  };

  /** The last row taken up on each exchange (by the line of its proposal in the file, or its id in the ledger). */
  const tails = new Map<string, Promise<void>>();
  const taken = new Set<Promise<void>>();
  /** Wakes the loop below when a row is done (a race over every row taken would add a handler to each, per wait). */
  let roomMade: (() => void) | null = null;
  for (const row of rows) {
    while (taken.size >= AHEAD && !stopped()) await new Promise<void>((resolve) => (roomMade = resolve));
    if (stopped()) {
      unsent(row);
      break;
    }
    const on = row.exchange;
    const exchange = 'id' in on ? `id:${on.id}` : `line:${'proposedOn' in on ? on.proposedOn : row.line}`;
    const task: Promise<void> = (tails.get(exchange) ?? Promise.resolve())
      .then(() => (stopped() ? unsent(row) : send(row)))
      .catch((e: unknown) => {
        failure ??= e;
      })
      .finally(() => {
        taken.delete(task);
        roomMade?.();
        roomMade = null;
      });
    tails.set(exchange, task);
    taken.add(task);
  }
  await Promise.all(taken);
  if (failure !== null) throw failure;
  report.errors.sort((a, b) => a.line - b.line);
  if (report.errors.length && options.stopAtFirst) report.stoppedAt = report.errors[0]!.line;
  else if (report.interrupted && firstUnsent !== Infinity) report.stoppedAt = firstUnsent;
  return report;
}

async function post(ledger: Ledger, path: string, row: PlannedRow, idempotency: boolean): Promise<Answer> {
  if (!idempotency) return ensureAboutRow(await ledger.post(path, row.body));
  for (let attempt = 1; ; attempt++) {
    const key = attempt === 1 ? row.idempotencyKey : `${row.idempotencyKey}~${attempt}`;
    const answer = ensureAboutRow(await ledger.post(path, row.body, key));
    const replayedRefusal = answer.status >= 400 && answer.headers['idempotent-replayed'] === 'true';
    if (!replayedRefusal || attempt === KEY_CHAIN) return answer;
  }
}

/** Statuses that judge the row itself; anything else (401, 403, 5xx) is about the ledger or the key. */
const ROW_STATUSES = new Set([400, 404, 409, 412, 413, 422]);

function ensureAboutRow(answer: Answer): Answer {
  if (answer.status < 300 || ROW_STATUSES.has(answer.status)) return answer;
  const detail = typeof answer.body?.detail === 'string' ? answer.body.detail : 'no detail';
  throw new LedgerRefusal(`the ledger answered ${answer.status}: ${detail}`);
}

/** Which column a refusal without field errors is about. */
const COLUMN_OF_TYPE: Record<string, Column> = {
  'transition-not-allowed': 'action',
  'party-not-allowed': 'by',
  'not-found': 'exchange',
  'idempotency-key-reused': 'exchange',
};

function refusalOf(row: PlannedRow, answer: Answer): RowError[] {
  const p = (answer.body ?? {}) as { type?: string; detail?: string; errors?: { path: string; message: string }[] };
  const type = typeof p.type === 'string' ? p.type.replace(/^\/problems\//, '') : undefined;
  const at = { line: row.line, ...(type ? { type } : {}) };
  if (Array.isArray(p.errors) && p.errors.length) {
    return p.errors.map((e) => ({ ...at, column: row.columnOf(e.path), message: e.message }));
  }
  const detail = p.detail ?? `answered ${answer.status}`;
  const hint =
    type === 'not-found' && 'id' in row.exchange
      ? '; the exchange cell names a proposal earlier in this file (its exchange cell) ' +
        'or an exchange already in the ledger (its id)'
      : '';
  return [{ ...at, column: COLUMN_OF_TYPE[type ?? ''] ?? 'action', message: detail + hint }];
}

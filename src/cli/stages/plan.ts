import { ACTION_COLUMNS, COLUMNS, ROW_ACTIONS, type Column, type RowAction } from './columns.js';
import { bodyOf } from './request-body.js';
import { rowKeys } from './row-keys.js';
import type { RowError, Sheet, SheetRow } from './sheet.js';

/** A row as the request it stands for: what to POST, where, and which column each field came from. */
export interface PlannedRow {
  line: number;
  action: RowAction;
  /**
   * A proposal: the name later rows may give it (may be empty). Any other row: a proposal
   * earlier in the file, by its line, or the id of an exchange already in the ledger.
   */
  exchange: { label: string } | { proposedOn: number; label: string } | { id: string };
  /** The path after `/v1/exchanges/{id}` (`/agree`, `/stages`, …); empty for a proposal (`POST /v1/exchanges`). */
  suffix: string;
  body: Record<string, unknown>;
  /** The column a field of the body (as an API error names it: `sides.1.count`) came from. */
  columnOf(path: string): Column;
  idempotencyKey: string;
}

/**
 * The rows that make requests, and what is wrong with the others (they are left out, and the
 * rest is still checked against the ledger, so that one run names every bad row); not ok when
 * the header lacks a column the rows need, and nothing can be checked.
 */
export type Plan = { ok: true; rows: PlannedRow[]; errors: RowError[] } | { ok: false; errors: RowError[] };

const SUFFIX: Record<RowAction, string> = {
  propose: '',
  counter: '/counter',
  agree: '/agree',
  reject: '/reject',
  withdraw: '/withdraw',
  cancel: '/cancel',
  stage: '/stages',
  complete: '/complete',
};

/**
 * Turns the sheet into requests, refusing what no request could make sense of: an action
 * that is not one, a column its rows need that the header lacks, a cell its action does not
 * read, a count that is not a number, an exchange named before the row that proposes it.
 * Everything the ledger itself rules on (parties, kinds, dates, the state machine) is left to
 * the ledger, so that its own problem details are what the user reads.
 */
export function planRows(sheet: Sheet): Plan {
  const errors: RowError[] = [];
  const labels = proposalLabels(sheet.rows, errors);
  const missing = new Map<Column, number>();
  const drafts: (Omit<PlannedRow, 'idempotencyKey'> & { cells: SheetRow['cells'] })[] = [];
  for (const row of sheet.rows) {
    const action = row.cells.action.toLowerCase() as RowAction;
    if (!ROW_ACTIONS.includes(action)) {
      errors.push({
        line: row.line,
        column: 'action',
        message:
          row.cells.action === ''
            ? `name the action: one of ${ROW_ACTIONS.join(', ')}`
            : `"${row.cells.action}" is not one of ${ROW_ACTIONS.join(', ')}`,
      });
      continue;
    }
    const { reads, needs } = ACTION_COLUMNS[action];
    for (const c of needs) if (!sheet.header.has(c) && !missing.has(c)) missing.set(c, row.line);
    const stray = COLUMNS.filter((c) => row.cells[c] !== '' && !reads.includes(c));
    for (const c of stray)
      errors.push({
        line: row.line,
        column: c,
        message: `${/^[aeiou]/.test(action) ? 'an' : 'a'} ${action} row does not take ${c}; leave it empty`,
      });
    const exchange = exchangeOf(row, action, labels, errors);
    const built = bodyOf(row, action, errors);
    if (stray.length || !exchange || !built) continue;
    drafts.push({ line: row.line, action, exchange, suffix: SUFFIX[action], ...built, cells: row.cells });
  }
  if (missing.size) {
    const lacking = [...missing].map(([column, line]) => ({
      line: sheet.headerLine,
      column,
      message: `the header has no column ${column}, which ${rowsNeeding(column)} need (line ${line} is one)`,
    }));
    return { ok: false, errors: lacking };
  }
  const keys = rowKeys(
    drafts.map((d) => ({
      line: d.line,
      cells: d.cells,
      proposal:
        'id' in d.exchange
          ? null
          : 'proposedOn' in d.exchange
            ? { line: d.exchange.proposedOn, own: false }
            : { line: d.line, own: true },
    })),
  );
  return {
    ok: true,
    rows: drafts.map(({ cells: _cells, ...d }) => ({ ...d, idempotencyKey: keys.get(d.line)! })),
    errors,
  };
}

const rowsNeeding = (column: Column) =>
  ROW_ACTIONS.filter((a) => ACTION_COLUMNS[a].needs.includes(column))
    .map((a) => `${a} rows`)
    .join(' and ');

/** The names the file gives its proposals, each once. */
function proposalLabels(rows: readonly SheetRow[], errors: RowError[]): Map<string, number> {
  const labels = new Map<string, number>();
  for (const row of rows) {
    if (row.cells.action.toLowerCase() !== 'propose' || row.cells.exchange === '') continue;
    const first = labels.get(row.cells.exchange);
    if (first !== undefined) {
      errors.push({
        line: row.line,
        column: 'exchange',
        message: `"${row.cells.exchange}" already names the proposal on line ${first}; give each proposal its own name`,
      });
    } else {
      labels.set(row.cells.exchange, row.line);
    }
  }
  return labels;
}

function exchangeOf(
  row: SheetRow,
  action: RowAction,
  labels: Map<string, number>,
  errors: RowError[],
): PlannedRow['exchange'] | null {
  const named = row.cells.exchange;
  if (action === 'propose') return { label: named };
  if (named === '') {
    errors.push({
      line: row.line,
      column: 'exchange',
      message:
        'name the exchange: the exchange cell of its propose row earlier in this file, ' +
        'or the id of an exchange in the ledger',
    });
    return null;
  }
  const proposedOn = labels.get(named);
  if (proposedOn === undefined) return { id: named };
  if (proposedOn > row.line) {
    errors.push({
      line: row.line,
      column: 'exchange',
      message: `"${named}" is proposed on line ${proposedOn}, after this row; rows go in the order things happened`,
    });
    return null;
  }
  return { proposedOn, label: named };
}

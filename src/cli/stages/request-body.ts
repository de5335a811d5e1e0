import type { Column, RowAction } from './columns.js';
import type { PlannedRow } from './plan.js';
import type { RowError, SheetRow } from './sheet.js';

/** Whole numbers as spreadsheets write them: 1200, or 1,200. */
const WHOLE = /^(\d+|\d{1,3}(,\d{3})+)$/;
/** Numbers the ledger is left to refuse in its own words (12.5, -3). */
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

/** A count cell: a number (the ledger judges it), null when empty, undefined when it is no number at all. */
function countOf(cell: string): number | null | undefined {
  if (cell === '') return null;
  if (WHOLE.test(cell)) return Number(cell.replaceAll(',', ''));
  if (DECIMAL.test(cell)) return Number(cell);
  return undefined;
}

const FIELD_COLUMNS: Record<string, Column> = {
  kind: 'kind',
  proposedBy: 'by',
  by: 'by',
  occurredAt: 'occurredAt',
  title: 'title',
  mediator: 'mediator',
  reason: 'reason',
  source: 'sourceTitle',
  'source.title': 'sourceTitle',
  'source.url': 'sourceUrl',
  'source.publishedAt': 'sourcePublishedAt',
  note: 'note',
};

/** A row's request body, and the column each of its fields came from. */
export type Built = Pick<PlannedRow, 'body' | 'columnOf'>;

/**
 * The body of the row's request. Fields the ledger requires are sent even when their cell is
 * empty, so that its answer names them; optional ones are left out.
 */
export function bodyOf(row: SheetRow, action: RowAction, errors: RowError[]): Built | null {
  const c = row.cells;
  const inStage = action === 'stage' || action === 'complete';
  const sides: { party: string; count: number | null }[] = [];
  const sideColumns: ('A' | 'B')[] = [];
  let ok = true;
  for (const side of ['A', 'B'] as const) {
    const party = c[`party${side}`];
    const count = countOf(c[`count${side}`]);
    if (count === undefined) {
      errors.push({
        line: row.line,
        column: `count${side}`,
        message: `must be a whole number, not "${c[`count${side}`]}"`,
      });
      ok = false;
      continue;
    }
    // Terms name both sides (an empty count: not specified); a stage names the sides with a
    // count, as a party left out of a stage handed over nobody in it.
    if (inStage && count === null) continue;
    sides.push({ party, count });
    sideColumns.push(side);
  }
  if (!ok) return null;
  const source = Object.fromEntries(
    (
      [
        ['title', c.sourceTitle],
        ['url', c.sourceUrl],
        ['publishedAt', c.sourcePublishedAt],
      ] as const
    ).filter(([, v]) => v !== ''),
  );
  const optional = (fields: Record<string, string>) =>
    Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));
  const provenance = {
    occurredAt: c.occurredAt,
    ...(Object.keys(source).length ? { source } : {}),
    ...optional({ note: c.note }),
  };
  const terms = sides.map((s) => ({ party: s.party, handsOver: s.count }));
  const handovers = sides.map((s) => ({ party: s.party, count: s.count }));
  const body: Record<string, unknown> = (() => {
    switch (action) {
      case 'propose':
        return {
          kind: c.kind,
          proposedBy: c.by,
          sides: terms,
          ...optional({ title: c.title, mediator: c.mediator }),
          ...provenance,
        };
      case 'counter':
        return { by: c.by, sides: terms, ...provenance };
      case 'agree':
        return { by: c.by, ...provenance };
      case 'reject':
      case 'withdraw':
      case 'cancel':
        return { by: c.by, ...optional({ reason: c.reason }), ...provenance };
      case 'stage':
        return { sides: handovers, ...provenance };
      case 'complete':
        return { ...(handovers.length ? { sides: handovers } : {}), ...provenance };
    }
  })();
  const columnOf = (path: string): Column => {
    const side = /^sides\.(\d+)(?:\.(\w+))?/.exec(path);
    if (side) {
      const letter = sideColumns[Number(side[1])] ?? 'A';
      return side[2] === 'count' || side[2] === 'handsOver' ? `count${letter}` : `party${letter}`;
    }
    if (path === 'sides') return inStage ? 'countA' : 'partyA';
    return FIELD_COLUMNS[path] ?? 'action';
  };
  return { body, columnOf };
}

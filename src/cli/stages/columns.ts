/**
 * The columns of a stages spreadsheet (docs/templates/stages.csv, described in the README):
 * one row per command, in the order the commands happened, the way a researcher keeps a
 * season of exchanges in a sheet.
 */

export const ROW_ACTIONS = [
  'propose',
  'counter',
  'agree',
  'reject',
  'withdraw',
  'cancel',
  'stage',
  'complete',
] as const;
export type RowAction = (typeof ROW_ACTIONS)[number];

export const COLUMNS = [
  'action',
  'exchange',
  'occurredAt',
  'kind',
  'by',
  'partyA',
  'countA',
  'partyB',
  'countB',
  'title',
  'mediator',
  'reason',
  'sourceTitle',
  'sourceUrl',
  'sourcePublishedAt',
  'note',
] as const;
export type Column = (typeof COLUMNS)[number];

/** Every sheet names these, whatever its rows do. */
export const ALWAYS_NEEDED: readonly Column[] = ['action', 'exchange', 'occurredAt'];

const PROVENANCE: readonly Column[] = ['occurredAt', 'sourceTitle', 'sourceUrl', 'sourcePublishedAt', 'note'];
const SIDES: readonly Column[] = ['partyA', 'countA', 'partyB', 'countB'];

/**
 * The columns each action reads, and the ones it cannot do without. A filled cell that its
 * row's action does not read is refused, as the API refuses an unknown field: a `reason` on a
 * stage row is a mistake somewhere, not something to drop silently.
 */
export const ACTION_COLUMNS: Record<RowAction, { reads: readonly Column[]; needs: readonly Column[] }> = {
  propose: {
    reads: ['action', 'exchange', 'kind', 'by', ...SIDES, 'title', 'mediator', ...PROVENANCE],
    needs: ['kind', 'by', 'partyA', 'partyB'],
  },
  counter: { reads: ['action', 'exchange', 'by', ...SIDES, ...PROVENANCE], needs: ['by', 'partyA', 'partyB'] },
  agree: { reads: ['action', 'exchange', 'by', ...PROVENANCE], needs: ['by'] },
  reject: { reads: ['action', 'exchange', 'by', 'reason', ...PROVENANCE], needs: ['by'] },
  withdraw: { reads: ['action', 'exchange', 'by', 'reason', ...PROVENANCE], needs: ['by'] },
  cancel: { reads: ['action', 'exchange', 'by', 'reason', ...PROVENANCE], needs: ['by'] },
  stage: { reads: ['action', 'exchange', ...SIDES, ...PROVENANCE], needs: ['partyA', 'countA'] },
  complete: { reads: ['action', 'exchange', ...SIDES, ...PROVENANCE], needs: [] },
};

/** Header cells are matched loosely (`Occurred at`, `occurred_at`, `OCCURREDAT`): spreadsheets retitle columns. */
export const headerKey = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

const BY_KEY = new Map<string, Column>(COLUMNS.map((c) => [headerKey(c), c]));

export const columnNamed = (header: string): Column | undefined => BY_KEY.get(headerKey(header));

/** A spreadsheet's name for the 0-based column index: A … Z, AA, AB, … */
export function columnLetter(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    letters = String.fromCharCode(65 + rest) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

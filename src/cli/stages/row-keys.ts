import { createHash } from 'node:crypto';
import { COLUMNS, type Column } from './columns.js';

/**
 * The Idempotency-Key of each row, so that running a file again writes none of its rows
 * twice: a row the ledger already holds is answered with its first answer and skipped.
 *
 * A key comes from what the row says, not from where it stands in the file nor from the rest
 * of the file: fixing a refused row, adding rows or moving them leaves every other row's key
 * as it was, so a rerun after such an edit still recognises the rows already written. (A key
 * from the whole file's digest would change with any edit, and the rows written before the
 * interruption would then be written a second time.) What the row says:
 * - its filled cells (empty ones are left out, so an empty column added to the sheet changes nothing);
 * - not the `exchange` cell of a proposal: that is only the file's name for it;
 * - for a row on an exchange proposed in the file, that proposal's identity instead of the
 *   file's name for it: the same words on another proposal are another row;
 * - how many identical rows come before it in the file: two equal tranches on the same day
 *   are two rows.
 */
export interface KeyedRow {
  line: number;
  cells: Record<Column, string>;
  /** A proposal in the file (own), or the one a row acts on (by its line); null for an exchange in the ledger. */
  proposal: { line: number; own: boolean } | null;
}

export function rowKeys(rows: readonly KeyedRow[]): Map<number, string> {
  const identities = new Map<number, string>();
  const seen = new Map<string, number>();
  const keys = new Map<number, string>();
  for (const row of rows) {
    const said = COLUMNS.filter((c) => row.cells[c] !== '').map((c) => [c, row.cells[c]]);
    const on = row.proposal === null || row.proposal.own ? null : (identities.get(row.proposal.line) ?? null);
    const words = said.filter(([c]) => !(c === 'exchange' && row.proposal !== null));
    const content = digest(JSON.stringify({ words, on }));
    const occurrence = seen.get(content) ?? 0;
    seen.set(content, occurrence + 1);
    const identity = digest(`${content}#${occurrence}`);
    if (row.proposal?.own) identities.set(row.line, identity);
    keys.set(row.line, `import-stages-${identity}`);
  }
  return keys;
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

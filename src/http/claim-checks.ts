import type { z } from 'zod';
import { checkClaim, claimWindow } from '../domain/claims.js';
import type { ReadingFigures } from '../domain/reading-totals.js';
import { FIRST, type Reading } from '../domain/readings.js';
import type { LedgerStore, StoredClaim } from '../store/ledger-store.js';
import { readingLabel } from './according.js';
import type { ClaimView } from './schemas/claims.js';

/**
 * A claim beside the ledger's figure for its window under every reading: the default, then
 * each reporter that has given any account (the others read as the default does). Figures
 * are filed by kind, so a claim about civilians counts those released inside a POW swap.
 */
export async function presentClaim(
  store: LedgerStore,
  claim: StoredClaim,
  reporters: readonly Reading[],
): Promise<z.infer<typeof ClaimView>> {
  const window = claimWindow(claim);
  const figures = new Map<Reading, ReadingFigures | undefined>();
  for (const reading of [FIRST, ...reporters]) {
    const rows = await store.totals({ reading, filing: 'kind', ...window });
    figures.set(
      reading,
      rows.find((r) => r.party === claim.party && r.kind === claim.kind),
    );
  }
  return {
    id: claim.claimId,
    reportedBy: claim.reportedBy,
    party: claim.party,
    kind: claim.kind,
    field: claim.field,
    from: claim.from,
    to: claim.to,
    value: claim.value,
    occurredAt: claim.occurredAt,
    recordedAt: claim.recordedAt,
    source: claim.source,
    note: claim.note,
    checks: checkClaim(claim, figures).map((c) => ({ ...c, reading: readingLabel(c.reading) })),
  };
}

import { sql } from 'drizzle-orm';
import { ZERO, type Contribution } from '../../domain/totals.js';
import type { Kind } from '../../domain/vocabulary.js';
import type { TotalsQuery } from '../ledger-store.js';
import type { Db } from './connection.js';

/**
 * The totals as the ledger stood at world time T, from two dated read models and no replay:
 * stage rows dated ≤ T and not voided by T give handedOver/received; the terms in force at T
 * (terms_history) give agreedOutstanding, unspecifiedSides and proposed.
 */
export function totalsAsOf(db: Db, q: TotalsQuery & { asOf: string }): Contribution[] {
  const t = q.asOf;
  // A stage counts from the later of its own date and the agreement's time in force (a stage
  // dated "2 June" may follow an agreement at 15:00 that day): domain/as-of.ts, the same rule.
  const counted = sql`s.occurred_at <= ${t} AND (s.voided_at IS NULL OR s.voided_at > ${t})
    AND EXISTS (SELECT 1 FROM terms_history a WHERE a.exchange_id = s.exchange_id AND a.status <> 'proposed' AND a.valid_from <= ${t})`;
  const window = sql.join(
    [
      counted,
      ...(q.from ? [sql`s.occurred_at >= ${q.from}`] : []),
      ...(q.to ? [sql`s.occurred_at <= ${q.to}`] : []),
      ...(q.kind ? [sql`s.kind = ${q.kind}`] : []),
    ],
    sql` AND `,
  );
  const handed = db.all<{ party: string; kind: Kind; n: number }>(sql`
    SELECT s.party AS party, s.kind AS kind, sum(s.count) AS n FROM stage_handovers s
    WHERE ${window} ${q.party ? sql`AND s.party = ${q.party}` : sql``} GROUP BY s.party, s.kind`);
  const received = db.all<{ party: string; kind: Kind; n: number }>(sql`
    SELECT s.counterparty AS party, s.kind AS kind, sum(s.count) AS n FROM stage_handovers s
    WHERE ${window} ${q.party ? sql`AND s.counterparty = ${q.party}` : sql``} GROUP BY s.counterparty, s.kind`);
  const terms = db.all<{
    party: string;
    kind: Kind;
    agreedOutstanding: number;
    unspecifiedSides: number;
    proposed: number;
  }>(sql`
    SELECT h.party AS party, h.kind AS kind,
      sum(CASE WHEN h.status = 'agreed' AND h.hands_over IS NOT NULL THEN max(h.hands_over - coalesce(
        (SELECT sum(s.count) FROM stage_handovers s WHERE s.exchange_id = h.exchange_id AND s.party = h.party AND ${counted}), 0), 0) ELSE 0 END) AS agreedOutstanding,
      sum(CASE WHEN h.status = 'agreed' AND h.hands_over IS NULL THEN 1 ELSE 0 END) AS unspecifiedSides,
      sum(CASE WHEN h.status = 'proposed' THEN coalesce(h.hands_over, 0) ELSE 0 END) AS proposed
    FROM terms_history h
    WHERE h.valid_from <= ${t} AND (h.valid_to IS NULL OR h.valid_to > ${t})
      ${q.party ? sql`AND h.party = ${q.party}` : sql``} ${q.kind ? sql`AND h.kind = ${q.kind}` : sql``}
    GROUP BY h.party, h.kind`);

  const rows = new Map<string, Contribution>();
  const row = (party: string, kind: Kind) => {
    const key = `${party}\u0000${kind}`;
    if (!rows.has(key)) rows.set(key, { party, kind, ...ZERO });
    return rows.get(key)!;
  };
  for (const r of handed) row(r.party, r.kind).handedOver = r.n;
  for (const r of received) row(r.party, r.kind).received = r.n;
  for (const r of terms)
    Object.assign(row(r.party, r.kind), {
      agreedOutstanding: r.agreedOutstanding,
      unspecifiedSides: r.unspecifiedSides,
      proposed: r.proposed,
    });
  return [...rows.values()].sort((a, b) =>
    a.party === b.party ? (a.kind < b.kind ? -1 : 1) : a.party < b.party ? -1 : 1,
  );
}

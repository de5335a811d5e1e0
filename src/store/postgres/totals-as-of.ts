import { ZERO, type Contribution } from '../../domain/totals.js';
import type { Kind } from '../../domain/vocabulary.js';
import type { TotalsQuery } from '../ledger-store.js';
import { run, type Queryable } from './queries.js';

/**
 * The totals as the ledger stood at world time T, from two dated read models and no replay:
 * stage rows dated ≤ T and not voided by T give handedOver/received; the terms in force at T
 * (terms_history) give agreedOutstanding, unspecifiedSides and proposed. The SQL of the
 * SQLite store's totals-as-of.ts, its three sums in one statement (one snapshot), told apart
 * by `part`.
 */
export async function totalsAsOf(db: Queryable, q: TotalsQuery & { asOf: string }): Promise<Contribution[]> {
  if ([q.asOf, q.party, q.kind, q.from, q.to].some((v) => v?.includes('\u0000'))) return [];
  const values: unknown[] = [q.asOf];
  const param = (value: unknown) => `$${values.push(value)}`;
  // A stage counts from the later of its own date and the agreement's time in force (a stage
  // dated "2 June" may follow an agreement at 15:00 that day): domain/as-of.ts, the same rule.
  const counted = `s.occurred_at <= $1 AND (s.voided_at IS NULL OR s.voided_at > $1)
    AND EXISTS (SELECT 1 FROM terms_history a WHERE a.exchange_id = s.exchange_id AND a.status <> 'proposed' AND a.valid_from <= $1)`;
  const window = [counted];
  if (q.from !== undefined) window.push(`s.occurred_at >= ${param(q.from)}`);
  if (q.to !== undefined) window.push(`s.occurred_at <= ${param(q.to)}`);
  if (q.kind !== undefined) window.push(`s.kind = ${param(q.kind)}`);
  const party = q.party === undefined ? null : param(q.party);
  const kind = q.kind === undefined ? null : param(q.kind);
  const sql = `
    SELECT 'handed' AS part, s.party, s.kind, sum(s.count) AS a, 0 AS b, 0 AS c FROM stage_handovers s
    WHERE ${window.join(' AND ')} ${party ? `AND s.party = ${party}` : ''} GROUP BY s.party, s.kind
    UNION ALL
    SELECT 'received', s.counterparty, s.kind, sum(s.count), 0, 0 FROM stage_handovers s
    WHERE ${window.join(' AND ')} ${party ? `AND s.counterparty = ${party}` : ''} GROUP BY s.counterparty, s.kind
    UNION ALL
    SELECT 'terms', h.party, h.kind,
      sum(CASE WHEN h.status = 'agreed' AND h.hands_over IS NOT NULL THEN GREATEST(h.hands_over - coalesce(
        (SELECT sum(s.count) FROM stage_handovers s WHERE s.exchange_id = h.exchange_id AND s.party = h.party AND ${counted}), 0), 0)
        ELSE 0 END),
      sum(CASE WHEN h.status = 'agreed' AND h.hands_over IS NULL THEN 1 ELSE 0 END),
      sum(CASE WHEN h.status = 'proposed' THEN coalesce(h.hands_over, 0) ELSE 0 END)
    FROM terms_history h
    WHERE h.valid_from <= $1 AND (h.valid_to IS NULL OR h.valid_to > $1)
      ${party ? `AND h.party = ${party}` : ''} ${kind ? `AND h.kind = ${kind}` : ''}
    GROUP BY h.party, h.kind`;
  const name = `ledger_totals_as_of_${[q.from, q.to, q.kind, q.party].map((v) => (v === undefined ? 0 : 1)).join('')}`;
  const parts = await run<{ part: string; party: string; kind: Kind; a: number; b: number; c: number }>(db, { name, text: sql }, values);

  const rows = new Map<string, Contribution>();
  const row = (party: string, kind: Kind) => {
    const key = `${party}\u0000${kind}`;
    if (!rows.has(key)) rows.set(key, { party, kind, ...ZERO });
    return rows.get(key)!;
  };
  for (const r of parts) {
    const target = row(r.party, r.kind);
    if (r.part === 'handed') target.handedOver = r.a;
    else if (r.part === 'received') target.received = r.a;
    else Object.assign(target, { agreedOutstanding: r.a, unspecifiedSides: r.b, proposed: r.c });
  }
  return [...rows.values()].sort((a, b) => (a.party === b.party ? (a.kind < b.kind ? -1 : 1) : a.party < b.party ? -1 : 1));
}

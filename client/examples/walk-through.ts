import { createLedgerClient, must } from '../src/index.js';

/** The README's walk-through: the 1,000-for-1,000 exchange of May 2025, its first stage, the totals and the ledger. */
export async function walkThrough(baseUrl: string, key?: string) {
  const ledger = createLedgerClient({ baseUrl, ...(key && { key }) });

  // 1. Register the parties (once; needs an admin key or the master key).
  await must(ledger.POST('/v1/parties', { body: { id: 'UA', name: 'Ukraine' } }));
  await must(ledger.POST('/v1/parties', { body: { id: 'RU', name: 'Russia' } }));

  // 2. Propose. A retry with the same Idempotency-Key returns the first answer.
  const proposed = await must(
    ledger.POST('/v1/exchanges', {
      params: { header: { 'idempotency-key': 'istanbul-2025-05-16' } },
      body: {
        kind: 'pow',
        proposedBy: 'UA',
        title: '1,000 for 1,000',
        mediator: 'Türkiye',
        sides: [
          { party: 'UA', handsOver: 1000 },
          { party: 'RU', handsOver: 1000 },
        ],
        occurredAt: '2025-05-16',
        source: { title: 'Istanbul talks, 16 May 2025' },
      },
    }),
  );
  const path = { id: proposed.id };

  // 3. Agree: by the party that did not make the standing proposal.
  const agreement = { by: 'RU', occurredAt: '2025-05-16' };
  await must(ledger.POST('/v1/exchanges/{id}/agree', { params: { path }, body: agreement }));

  // 4. Record the first stage.
  const { stage } = await must(
    ledger.POST('/v1/exchanges/{id}/stages', {
      params: { path },
      body: {
        sides: [
          { party: 'UA', count: 390 },
          { party: 'RU', count: 390 },
        ],
        occurredAt: '2025-05-23',
        source: { title: 'First stage' },
      },
    }),
  );

  // 5. The totals: UA has handed over 390 and received 390; 610 are agreed and outstanding.
  const totals = await must(ledger.GET('/v1/totals', { params: { query: { party: 'UA' } } }));

  // 6. The ledger itself, in order, each event with its hash.
  const events = await must(ledger.GET('/v1/events', { params: { query: { after: 0 } } }));
  const head = await must(ledger.GET('/v1/ledger/head'));

  // A refusal is a LedgerProblem naming what is wrong (here: 409, RU may not agree twice).
  const refused = await must(ledger.POST('/v1/exchanges/{id}/agree', { params: { path }, body: agreement })).catch(
    (e: unknown) => e,
  );

  return { exchangeId: proposed.id, stage, totals: totals.data, events: events.data, head, refused };
}

/**
 * The README's worked example: the June 2025 repatriation of 6,000 bodies recorded as it was
 * reported, through the HTTP API of a running service, printing what a reader would look at.
 * The README shows its output; test/readme-example.test.ts runs it on a fresh ledger and
 * checks that the README still prints what it prints.
 *
 *   BASE=http://127.0.0.1:3000 [LEDGER_KEY=…] npx tsx scripts/readme-example.ts
 */

const base = process.env.BASE ?? 'http://127.0.0.1:3000';
const key = process.env.LEDGER_KEY;

type Json = Record<string, unknown>;

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(key && { authorization: `Bearer ${key}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as Json;
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

const source = (title: string) => ({ title });

for (const [id, name] of [
  ['UA', 'Ukraine'],
  ['RU', 'Russia'],
])
  await call('POST', '/v1/parties', { id, name, occurredAt: '2022-02-24' });

// The terms as each side gave them: RU "6,000 unilaterally", UA "6,000 for 6,000".
const exchange = await call('POST', '/v1/exchanges', {
  kind: 'remains',
  proposedBy: 'RU',
  title: '6,000 bodies',
  sides: [
    { party: 'RU', handsOver: 6000 },
    { party: 'UA', handsOver: 0 },
  ],
  occurredAt: '2025-06-02',
  source: source('Istanbul talks, 2 June 2025'),
  termsAccounts: [
    {
      reportedBy: 'RU',
      sides: [
        { party: 'RU', handsOver: 6000 },
        { party: 'UA', handsOver: 0 },
      ],
      source: source('Russian delegation: 6,000 bodies, unilaterally'),
    },
    {
      reportedBy: 'UA',
      sides: [
        { party: 'RU', handsOver: 6000 },
        { party: 'UA', handsOver: 6000 },
      ],
      source: source('Ukrainian delegation: 6,000 for 6,000'),
    },
  ],
});
const id = exchange.id as string;
await call('POST', `/v1/exchanges/${id}/agree`, { by: 'UA', occurredAt: '2025-06-07' });

/** Both sides' accounts of one tranche: [RU's count for RU, UA's count for RU], and what RU got back. */
const bothSay = (ru: [number | null, number | null], back: number | null) => [
  {
    reportedBy: 'RU',
    sides: [{ party: 'RU', count: ru[0] }, ...(back === null ? [] : [{ party: 'UA', count: back }])],
    source: source('Russian Ministry of Defence'),
  },
  {
    reportedBy: 'UA',
    sides: [{ party: 'RU', count: ru[1] }, ...(back === null ? [] : [{ party: 'UA', count: back }])],
    source: source('Coordination Headquarters for the Treatment of POWs'),
  },
];
await call('POST', `/v1/exchanges/${id}/stages`, { accounts: bothSay([1212, 1212], 27), occurredAt: '2025-06-11' });
await call('POST', `/v1/exchanges/${id}/stages`, { accounts: bothSay([1200, 1200], null), occurredAt: '2025-06-13' });
// "The third stage took place": no number published. Both sides gave theirs later.
const third = (await call('POST', `/v1/exchanges/${id}/stages`, {
  sides: [{ party: 'RU', count: null }],
  occurredAt: '2025-06-14',
  source: source('News agency: the third stage of the repatriation took place'),
})) as { stage: { id: string } };
for (const reporter of ['UA', 'RU'])
  await call('POST', `/v1/exchanges/${id}/stages/${third.stage.id}/accounts`, {
    reportedBy: reporter,
    sides: [{ party: 'RU', count: 1200 }],
    occurredAt: '2025-06-15',
    source: source(reporter === 'UA' ? 'Coordination Headquarters' : 'Russian Ministry of Defence'),
  });
await call('POST', `/v1/exchanges/${id}/stages`, { accounts: bothSay([1248, 1245], 51), occurredAt: '2025-06-16' });
await call('POST', `/v1/exchanges/${id}/complete`, { accounts: bothSay([1200, 1200], null), occurredAt: '2025-06-19' });
// Three more bodies, a week after the exchange was completed.
await call('POST', `/v1/exchanges/${id}/stages`, {
  sides: [{ party: 'RU', count: 3 }],
  reportedBy: 'UA',
  occurredAt: '2025-06-26',
  source: source('Coordination Headquarters: three more bodies'),
});

const shown = await call('GET', `/v1/exchanges/${id}`);
console.log(`exchange ${shown.title}: ${shown.status}`);
for (const s of shown.stages as {
  occurredAt: string;
  afterCompletion: boolean;
  disputed: boolean;
  accounts: { reportedBy: string | null; sides: { party: string; count: number | null }[] }[];
}[]) {
  const accounts = s.accounts
    .map((a) => `${a.reportedBy ?? 'unattributed'} ${a.sides.map((x) => `${x.party} ${x.count ?? '?'}`).join(' ')}`)
    .join(' | ');
  const marks = [s.disputed && 'disputed', s.afterCompletion && 'after completion'].filter(Boolean).join(', ');
  console.log(`  stage ${s.occurredAt}: ${accounts}${marks ? `  (${marks})` : ''}`);
}

const figures = (r: Json) =>
  `handedOver ${r.handedOver} (${r.handedOverUndisclosedStages} stage(s) undisclosed), received ${r.received}, agreedOutstanding ${r.agreedOutstanding}`;
for (const according of [null, 'UA', 'RU']) {
  const q = `party=RU&kind=remains${according ? `&according=${according}` : ''}`;
  const totals = await call('GET', `/v1/totals?${q}`);
  const [row] = totals.data as Json[];
  console.log(`RU remains, according to ${according ?? 'the first account of each stage'}: ${figures(row!)}`);
}
const each = await call('GET', '/v1/totals?party=RU&kind=remains&according=each');
for (const r of each.readings as { reporter: string; data: Json[] }[])
  console.log(`according=each, ${r.reporter}: handedOver ${r.data[0]?.handedOver ?? 0}`);

const claim = await call('POST', '/v1/claims', {
  reportedBy: 'RU',
  party: 'RU',
  kind: 'remains',
  field: 'handedOver',
  from: '2025-06-01',
  to: '2025-06-30',
  value: 6060,
  occurredAt: '2025-06-30',
  source: source('Russian negotiator: 6,060 bodies handed over'),
});
for (const c of claim.checks as { reading: string | null; ledger: number; difference: number }[])
  console.log(`claim 6,060 against ${c.reading ?? 'the first accounts'}: ledger ${c.ledger}, difference ${c.difference}`);

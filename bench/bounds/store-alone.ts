import type { ExchangeCommand } from '../../src/domain/commands.js';
import { ledgerCommandOf } from '../../src/domain/ledger-command.js';
/**
 * A bound for the write targets, not a ceiling: the service's own store (the same source as the service's build) driven
 * in process, with no HTTP at all. It records stage commands spread over 500 agreed exchanges
 * with IN_FLIGHT commands outstanding for SECONDS seconds — the same commands, group commit,
 * hash chain, read models and answer rendering as `POST /v1/exchanges/{id}/stages` — and
 * prints its figures as one JSON line. Whatever this reaches, the service over HTTP cannot
 * exceed.
 */
import { respondWith } from '../../src/http/command.js';
import { etagOf, presentStage, presentSummary } from '../../src/http/present.js';
import { uuidv7 } from '../../src/ids.js';
import { openStore } from '../../src/server.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { ExchangeWritten, ExchangeWriteRequest } from '../../src/ledger/requests.js';

// A fresh ledger: the SQLite file DB_PATH, or the (empty) database DATABASE_URL names.
const databaseUrl = process.env.DATABASE_URL ?? `file:${process.env.DB_PATH!}`;
const inFlight = Number(process.env.IN_FLIGHT ?? 50);
const seconds = Number(process.env.SECONDS ?? 4);
const store = await openStore({ databaseUrl });
const ledger = new Ledger(store);
const now = () => new Date().toISOString();
const provenance = (occurredAt: string) => ({ occurredAt, source: null, note: null });
const answered = async (p: Promise<{ kind: string; response?: { status: number } }>) => {
  const outcome = await p;
  if (outcome.kind !== 'answered' || outcome.response!.status >= 300)
    throw new Error(`refused: ${JSON.stringify(outcome)}`);
};

for (const [partyId, name] of [
  ['BA', 'Bench A'],
  ['BB', 'Bench B'],
] as const) {
  await answered(
    ledger.registerParty({
      command: { partyId, name, occurredAt: '2020-01-01', note: null },
      principal: 'bench',
      now: now(),
      idempotency: null,
      respond: respondWith((p) => ({ status: 201, headers: {}, body: p })),
    }),
  );
}
const exchange = (exchangeId: string, command: ExchangeCommand): ExchangeWriteRequest => ({
  exchangeId,
  command: ledgerCommandOf(command),
  principal: 'bench',
  now: now(),
  idempotency: null,
  expectedVersion: null,
  respond: respondWith((w: ExchangeWritten) => ({
    status: 201,
    headers: { etag: etagOf(w.state.version), 'content-type': 'application/json; charset=utf-8' },
    body: { stage: w.recorded[0] && presentStage(w.recorded[0]), exchange: presentSummary(w) },
  })),
});
const targets: string[] = [];
for (let i = 0; i < 500; i += 1) {
  const id = uuidv7();
  await answered(
    ledger.executeExchange(
      exchange(id, {
        action: 'propose',
        exchangeId: id,
        kind: 'medical',
        proposedBy: 'BA',
        sides: [
          { party: 'BA', handsOver: 9_999_999 },
          { party: 'BB', handsOver: 9_999_999 },
        ],
        title: null,
        mediator: null,
        ...provenance('2025-01-01'),
      }),
    ),
  );
  await answered(ledger.executeExchange(exchange(id, { action: 'agree', by: 'BB', ...provenance('2025-01-02') })));
  targets.push(id);
}

const latencies: number[] = [];
let n = 0;
const deadline = performance.now() + seconds * 1000;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline) {
      const id = targets[n++ % targets.length]!;
      const started = performance.now();
      await answered(
        ledger.executeExchange(
          exchange(id, {
            action: 'recordStage',
            stageId: uuidv7(),
            sides: [{ party: 'BA', count: 1 }],
            ...provenance('2025-02-01'),
          }),
        ),
      );
      latencies.push(performance.now() - started);
    }
  }),
);
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10;
const rssMb = process.resourceUsage().maxRSS / 1024;
await store.close();
console.error(
  `  store alone, ${inFlight} in flight: ${Math.round((cpu.user + cpu.system) / latencies.length)} µs of CPU per command`,
);
console.log(
  JSON.stringify({
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    rssMb,
    ok: latencies.length,
    errors: 0,
  }),
);

import { type Figures, type Run, load, loadSpread } from './measure.js';
import { api, type Proc } from './processes.js';

/**
 * What the benchmark asks of a service, the same on every store and build: a recorder key,
 * the exchange read, 500 agreed exchanges the stages are spread over, and the loads on them.
 */
export interface BenchLedger {
  auth: { authorization: string };
  recorder: string;
  /** The exchange the read runs ask for. */
  read: string;
  /** Writes spread over many agreed exchanges, as real recording is. */
  targets: string[];
}

export async function prepareLedger(base: string, master: string): Promise<BenchLedger> {
  const recorder = (await api(base, master, 'POST', '/v1/keys', { name: 'bench', role: 'recorder' })).secret as string;
  for (const [id, name] of [
    ['UA', 'Ukraine'],
    ['RU', 'Russia'],
    ['BA', 'Bench A'],
    ['BB', 'Bench B'],
  ]) {
    await api(base, master, 'POST', '/v1/parties', { id, name });
  }
  const read = (
    await api(base, recorder, 'POST', '/v1/exchanges', {
      kind: 'pow',
      proposedBy: 'UA',
      title: '1,000 for 1,000',
      sides: [
        { party: 'UA', handsOver: 1000 },
        { party: 'RU', handsOver: 1000 },
      ],
      occurredAt: '2025-05-16',
      source: { title: 'Istanbul talks' },
    })
  ).id as string;
  await api(base, recorder, 'POST', `/v1/exchanges/${read}/agree`, { by: 'RU', occurredAt: '2025-05-16' });
  for (const [count, day] of [
    [390, '2025-05-23'],
    [307, '2025-05-24'],
  ] as const) {
    await api(base, recorder, 'POST', `/v1/exchanges/${read}/stages`, {
      sides: [
        { party: 'UA', count },
        { party: 'RU', count },
      ],
      occurredAt: day,
    });
  }
  const targets: string[] = [];
  for (let i = 0; i < 500; i += 1) {
    const id = (
      await api(base, recorder, 'POST', '/v1/exchanges', {
        kind: 'medical',
        proposedBy: 'BA',
        sides: [
          { party: 'BA', handsOver: 9_999_999 },
          { party: 'BB', handsOver: 9_999_999 },
        ],
        occurredAt: '2025-01-01',
      })
    ).id as string;
    await api(base, recorder, 'POST', `/v1/exchanges/${id}/agree`, { by: 'BB', occurredAt: '2025-01-02' });
    targets.push(id);
  }
  return { auth: { authorization: `Bearer ${recorder}` }, recorder, read, targets };
}

/** One service, or several instances sharing the load. */
const loadOn = (procs: Proc[], opts: Parameters<typeof load>[1]): Promise<Figures> =>
  procs.length === 1 ? load(procs[0]!, opts) : loadSpread(procs, opts);

export const readRun = (name: string, procs: Proc[], ledger: BenchLedger, path: string): Run => ({
  name,
  measure: () => loadOn(procs, { path, connections: 10, headers: ledger.auth }),
});

/** The three read runs of part 1, named after their route with `label` before it. */
export const readRoutes = (ledger: BenchLedger) => [
  { route: 'GET /v1/exchanges/{id}', path: `/v1/exchanges/${ledger.read}` },
  { route: 'GET /v1/totals', path: '/v1/totals' },
  { route: 'GET /v1/exchanges?limit=50', path: '/v1/exchanges?limit=50' },
];

/** Stages recorded round the targets; `acknowledged` counts the 2xx answers (the durability check). */
export function stageRun(
  name: string,
  procs: Proc[],
  ledger: BenchLedger,
  connections: number,
  acknowledged: { n: number },
): Run {
  let n = 0;
  return {
    name,
    measure: async () => {
      const figures = await loadOn(procs, {
        method: 'POST',
        connections,
        headers: ledger.auth,
        body: () => ({
          path: `/v1/exchanges/${ledger.targets[n++ % ledger.targets.length]}/stages`,
          body: JSON.stringify({ sides: [{ party: 'BA', count: 1 }], occurredAt: '2025-02-01' }),
        }),
      });
      acknowledged.n += figures.ok;
      return figures;
    },
  };
}

/** A durable writer ceiling at `connections`, each request a small JSON body. */
export function writerRun(name: string, writer: Proc, connections: number): Run {
  let n = 0;
  return {
    name,
    measure: () =>
      load(writer, {
        path: '/write',
        method: 'POST',
        connections,
        body: () => ({ path: '/write', body: JSON.stringify({ stream: `s${n++ % 1000}`, count: 1 }) }),
      }),
  };
}

/** Every acknowledged stage is in the ledger (delivered to BA), and the ledger verifies. */
export async function durability(
  base: string,
  master: string,
  ledger: BenchLedger,
  acknowledged: number,
  inFlight: number,
) {
  const totals = await api(base, ledger.recorder, 'GET', '/v1/totals?party=BA');
  const handed = (totals.data as { handedOver: number }[]).reduce((s, r) => s + r.handedOver, 0);
  const verify = await api(base, master, 'GET', '/v1/ledger/verify');
  return {
    acknowledgedStages: acknowledged,
    deliveredInLedger: handed,
    allAcknowledgedPresent: handed >= acknowledged && handed - acknowledged <= inFlight,
    verifyOk: verify.ok as boolean,
    ledgerEvents: verify.events as number,
  };
}

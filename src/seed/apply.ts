import { uuidv7 } from 'uuidv7';
import type { LedgerStore } from '../store/ledger-store.js';
import type { SyntheticStep } from './synthetic.js';

const quiet = () => ({ status: 200, headers: {}, body: null });

/**
 * Records synthetic steps through the store's ordinary command path (the same rules,
 * transactions and read models as the HTTP API). A refusal is a bug in the generator.
 */
export async function applySteps(store: LedgerStore, steps: Iterable<SyntheticStep>, principal = 'seed', onStep?: () => void): Promise<void> {
  const now = new Date().toISOString();
  for (const step of steps) {
    const outcome = step.kind === 'party'
      ? await store.registerParty({ command: step.command, principal, now, idempotency: null, respond: (r) => (r.ok ? quiet() : { status: 409, headers: {}, body: r.rejection }) })
      : await store.executeExchange({ exchangeId: step.exchangeId, command: step.command, principal, now, idempotency: null, expectedVersion: null,
          respond: (r) => (r.ok ? quiet() : { status: 422, headers: {}, body: r.rejection }) });
    if (outcome.kind === 'answered' && outcome.response.status !== 200) {
      throw new Error(`synthetic step refused: ${JSON.stringify(step)} → ${JSON.stringify(outcome.response.body)}`);
    }
    onStep?.();
  }
}

export const freshExchangeId = (_n: number) => uuidv7();

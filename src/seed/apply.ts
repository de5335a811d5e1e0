import { ledgerCommandOf } from '../domain/ledger-command.js';
import { uuidv7 } from '../ids.js';
import type { Ledger } from '../ledger/ledger.js';
import type { WriteOutcome } from '../ledger/requests.js';
import type { SyntheticStep } from './synthetic.js';

const quiet = () => ({ status: 200, headers: {}, body: null });

/**
 * Records synthetic steps through the store's ordinary command path (the same rules,
 * transactions and read models as the HTTP API). Steps are submitted `window` at a time, in
 * order, so group commit applies them in few transactions. A refusal is a generator bug.
 */
export async function applySteps(
  ledger: Ledger,
  steps: Iterable<SyntheticStep>,
  options: { principal?: string; window?: number; onProgress?: (applied: number) => void } = {},
): Promise<number> {
  const principal = options.principal ?? 'seed';
  const window = options.window ?? 512;
  const now = new Date().toISOString();
  let pending: Promise<[SyntheticStep, WriteOutcome]>[] = [];
  let applied = 0;
  const settle = async () => {
    for (const [step, outcome] of await Promise.all(pending)) {
      if (outcome.kind !== 'answered' || outcome.response.status !== 200) {
        throw new Error(
          `synthetic step refused: ${JSON.stringify(step)} → ${JSON.stringify(outcome.kind === 'answered' ? outcome.response.body : outcome)}`,
        );
      }
    }
    applied += pending.length;
    pending = [];
    options.onProgress?.(applied);
  };
  for (const step of steps) {
    const outcome =
      step.kind === 'party'
        ? ledger.registerParty({
            command: step.command,
            principal,
            now,
            idempotency: null,
            respond: (r) => (r.ok ? quiet() : { status: 409, headers: {}, body: r.rejection }),
          })
        : ledger.executeExchange({
            exchangeId: step.exchangeId,
            command: ledgerCommandOf(step.command),
            principal,
            now,
            idempotency: null,
            expectedVersion: null,
            respond: (r) => (r.ok ? quiet() : { status: 422, headers: {}, body: r.rejection }),
          });
    pending.push(outcome.then((o) => [step, o]));
    if (pending.length >= window) await settle();
  }
  await settle();
  return applied;
}

export const freshExchangeId = (_n: number) => uuidv7();

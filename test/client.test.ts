import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_SCHEMA_FILE, generateClientSchema } from '../client/generator/generate.js';
import { walkThrough } from '../client/examples/walk-through.js';
import { LedgerProblem, createLedgerClient, must } from '../client/src/index.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { MASTER_KEY, createKey } from './security/helpers.js';
import { startLedger, type TestLedger } from './support/app.js';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

describe('the typed client', () => {
  it('client/src/schema.ts is what openapi-typescript makes of openapi/openapi.json (`npm run client`)', async () => {
    expect(readFileSync(CLIENT_SCHEMA_FILE, 'utf8')).toBe(await generateClientSchema());
  });

  it('client/README.md shows the walk-through exactly as client/examples/walk-through.ts runs it', () => {
    const readme = read('client/README.md');
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Walk-through')))?.[1];
    expect(block, 'a ts code block under "## Walk-through"').toBeDefined();
    expect(block).toBe(read('client/examples/walk-through.ts'));
  });
});

describe('the README walk-through, through the client, against the running service', () => {
  let t: TestLedger;
  let baseUrl = '';
  beforeAll(async () => {
    t = await startLedger({ LEDGER_MASTER_KEY: MASTER_KEY });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t.close();
    expect(t.contractViolations).toEqual([]);
  });

  it('registers the parties, proposes, agrees, records a stage, and reads the totals and the ledger', async () => {
    const r = await walkThrough(baseUrl, MASTER_KEY);
    expect(r.stage).toMatchObject({
      sides: [
        { party: 'UA', count: 390 },
        { party: 'RU', count: 390 },
      ],
      voided: null,
    });
    expect(r.totals).toEqual([
      {
        party: 'UA',
        kind: 'pow',
        handedOver: 390,
        received: 390,
        agreedOutstanding: 610,
        unspecifiedSides: 0,
        proposed: 0,
        handedOverUndisclosedStages: 0,
        receivedUndisclosedStages: 0,
        handedOverApproximate: 0,
        receivedApproximate: 0,
      },
    ]);
    expect(r.events.map((e) => e.type)).toEqual([
      'PartyRegistered',
      'PartyRegistered',
      'ExchangeProposed',
      'ExchangeAgreed',
      'StageRecorded',
    ]);
    expect(r.head).toMatchObject({ sequence: 5, hash: r.events.at(-1)!.hash });
    // What the client read is what the service holds.
    const held = await t.http().get(`/v1/exchanges/${r.exchangeId}`).set('authorization', `Bearer ${MASTER_KEY}`);
    expect(held.body.sides[0].delivered).toBe(390);
    expect(r.refused).toBeInstanceOf(LedgerProblem);
    expect((r.refused as LedgerProblem).status).toBe(409);
    expect((r.refused as LedgerProblem).problem.type).toBe('/problems/transition-not-allowed');
  });

  it('sends its key: without one 401; with a reader key it reads, and a write is 403', async () => {
    const anonymous = createLedgerClient({ baseUrl });
    const { error, response } = await anonymous.GET('/v1/totals');
    expect(response.status).toBe(401);
    expect(error?.type).toBe('/problems/unauthorized');

    const reader = createLedgerClient({ baseUrl, key: (await createKey(t, 'reader')).secret });
    expect((await must(reader.GET('/v1/parties'))).data.map((p) => p.id)).toEqual(['RU', 'UA']);
    const refused = await must(reader.POST('/v1/parties', { body: { id: 'PL', name: 'Poland' } })).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(LedgerProblem);
    expect((refused as LedgerProblem).status).toBe(403);
  });

  it('names every failing field of a refused body', async () => {
    const ledger = createLedgerClient({ baseUrl, key: MASTER_KEY });
    // A body the types allow but the service refuses: an unregistered party and a future date.
    const refused = await must(
      ledger.POST('/v1/exchanges', {
        body: {
          kind: 'pow',
          proposedBy: 'XX',
          occurredAt: '2999-01-01',
          sides: [
            { party: 'XX', handsOver: 1 },
            { party: 'UA', handsOver: 1 },
          ],
        },
      }),
    ).catch((e: unknown) => e as LedgerProblem);
    expect(refused).toBeInstanceOf(LedgerProblem);
    expect((refused as LedgerProblem).problem.errors?.length).toBeGreaterThan(0);
    expect((refused as LedgerProblem).message).toMatch(/^(400|422) /);
  });
});

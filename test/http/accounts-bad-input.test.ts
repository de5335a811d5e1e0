import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { agreedBetween, expectRefused, get, post, written, type Json } from '../support/reported.js';

/*
 * Bad input to the commands that carry accounts (issue 14, "Bad input"): a breakdown summing
 * past its count, a reporter not registered, an account for a stage of another exchange, an
 * approximate flag on a null count. Each is a 400 or 422 problem+json naming the field, and
 * nothing is written: the exchange, its history and the ledger's head stay as they were.
 */

const UNPROCESSABLE = '/problems/unprocessable';
const INVALID = '/problems/validation-failed';

describe('bad accounts', () => {
  const t = useLedger();
  let id = '';
  let other = '';
  let stageId = '';
  let otherStageId = '';

  beforeAll(async () => {
    id = await agreedBetween(t());
    other = await agreedBetween(t());
    stageId = (
      await post(
        t(),
        `/v1/exchanges/${id}/stages`,
        { sides: [{ party: 'RU', count: 100 }], occurredAt: '2025-06-10' },
        201,
      )
    ).body.stage.id;
    otherStageId = (
      await post(
        t(),
        `/v1/exchanges/${other}/stages`,
        { sides: [{ party: 'RU', count: 5 }], occurredAt: '2025-06-10' },
        201,
      )
    ).body.stage.id;
  });

  const cases: { name: string; path: () => string; body: Json; status: number; type: string; fields: string[] }[] = [
    {
      name: 'a breakdown summing past its count (sides)',
      path: () => `/v1/exchanges/${id}/stages`,
      body: {
        sides: [
          {
            party: 'RU',
            count: 80,
            breakdown: [
              { kind: 'pow', count: 33 },
              { kind: 'civilians', count: 51 },
            ],
          },
        ],
        occurredAt: '2025-06-11',
      },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['sides.0.breakdown'],
    },
    {
      name: 'a breakdown summing past its count (in the second account)',
      path: () => `/v1/exchanges/${id}/stages`,
      body: {
        accounts: [
          { reportedBy: 'RU', sides: [{ party: 'RU', count: 84 }] },
          { reportedBy: 'UA', sides: [{ party: 'RU', count: 10, breakdown: [{ kind: 'pow', count: 11 }] }] },
        ],
        occurredAt: '2025-06-11',
      },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['accounts.1.sides.0.breakdown'],
    },
    {
      name: 'a breakdown summing past its count (a later account)',
      path: () => `/v1/exchanges/${id}/stages/${stageId}/accounts`,
      body: {
        reportedBy: 'UA',
        sides: [{ party: 'RU', count: 1, breakdown: [{ kind: 'civilians', count: 2 }] }],
        occurredAt: '2025-06-11',
      },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['sides.0.breakdown'],
    },
    {
      name: 'a breakdown of a count not disclosed',
      path: () => `/v1/exchanges/${id}/stages`,
      body: { sides: [{ party: 'RU', count: null, breakdown: [{ kind: 'pow', count: 1 }] }], occurredAt: '2025-06-11' },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['sides.0.breakdown'],
    },
    {
      name: 'a kind outside the vocabulary in a breakdown',
      path: () => `/v1/exchanges/${id}/stages`,
      body: {
        sides: [{ party: 'RU', count: 5, breakdown: [{ kind: 'hostages', count: 1 }] }],
        occurredAt: '2025-06-11',
      },
      status: 400,
      type: INVALID,
      fields: ['sides.0.breakdown.0.kind'],
    },
    {
      name: 'a reporter not registered (sides)',
      path: () => `/v1/exchanges/${id}/stages`,
      body: { reportedBy: 'NOBODY', sides: [{ party: 'RU', count: 5 }], occurredAt: '2025-06-11' },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['reportedBy'],
    },
    {
      name: 'a reporter not registered (accounts)',
      path: () => `/v1/exchanges/${id}/stages`,
      body: {
        accounts: [
          { reportedBy: 'RU', sides: [{ party: 'RU', count: 5 }] },
          { reportedBy: 'NOBODY', sides: [{ party: 'RU', count: 6 }] },
        ],
        occurredAt: '2025-06-11',
      },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['accounts.1.reportedBy'],
    },
    {
      name: 'a reporter not registered (a later account)',
      path: () => `/v1/exchanges/${id}/stages/${stageId}/accounts`,
      body: { reportedBy: 'NOBODY', sides: [{ party: 'RU', count: 5 }], occurredAt: '2025-06-11' },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['reportedBy'],
    },
    {
      name: 'the same reporter’s account twice in one stage',
      path: () => `/v1/exchanges/${id}/stages`,
      body: {
        accounts: [
          { reportedBy: 'RU', sides: [{ party: 'RU', count: 5 }] },
          { reportedBy: 'RU', sides: [{ party: 'RU', count: 6 }] },
        ],
        occurredAt: '2025-06-11',
      },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['accounts.1.reportedBy'],
    },
    {
      name: 'an approximate flag on a null count',
      path: () => `/v1/exchanges/${id}/stages`,
      body: { sides: [{ party: 'RU', count: null, approximate: true }], occurredAt: '2025-06-11' },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['sides.0.approximate'],
    },
    {
      name: 'an approximate flag on a null count (a later account)',
      path: () => `/v1/exchanges/${id}/stages/${stageId}/accounts`,
      body: { reportedBy: 'UA', sides: [{ party: 'RU', count: null, approximate: true }], occurredAt: '2025-06-11' },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['sides.0.approximate'],
    },
    {
      name: 'an approximate flag on a null count (completion)',
      path: () => `/v1/exchanges/${id}/complete`,
      body: {
        accounts: [{ reportedBy: 'RU', sides: [{ party: 'RU', count: null, approximate: true }] }],
        occurredAt: '2025-06-11',
      },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['accounts.0.sides.0.approximate'],
    },
    {
      name: 'a party of no side of the exchange in an account',
      path: () => `/v1/exchanges/${id}/stages/${stageId}/accounts`,
      body: { reportedBy: 'UA', sides: [{ party: 'PL', count: 5 }], occurredAt: '2025-06-11' },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['sides.0.party'],
    },
    {
      name: 'both sides and accounts',
      path: () => `/v1/exchanges/${id}/stages`,
      body: {
        sides: [{ party: 'RU', count: 5 }],
        accounts: [{ reportedBy: 'RU', sides: [{ party: 'RU', count: 5 }] }],
        occurredAt: '2025-06-11',
      },
      status: 400,
      type: INVALID,
      fields: ['accounts'],
    },
    {
      name: 'neither sides nor accounts',
      path: () => `/v1/exchanges/${id}/stages`,
      body: { occurredAt: '2025-06-11' },
      status: 400,
      type: INVALID,
      fields: ['sides'],
    },
    {
      name: 'neither sides nor accounts, and no date either: both named at once',
      path: () => `/v1/exchanges/${id}/stages`,
      body: { note: 'a stage took place' },
      status: 400,
      type: INVALID,
      fields: ['sides', 'occurredAt'],
    },
    {
      name: 'reportedBy beside accounts (each account names its own)',
      path: () => `/v1/exchanges/${id}/stages`,
      body: {
        reportedBy: 'UA',
        accounts: [{ reportedBy: 'RU', sides: [{ party: 'RU', count: 5 }] }],
        occurredAt: '2025-06-11',
      },
      status: 400,
      type: INVALID,
      fields: ['reportedBy'],
    },
    {
      name: 'reportedBy on a completion without a last tranche',
      path: () => `/v1/exchanges/${id}/complete`,
      body: { reportedBy: 'UA', occurredAt: '2025-06-11' },
      status: 400,
      type: INVALID,
      fields: ['reportedBy'],
    },
    {
      name: 'both sides and accounts on a completion',
      path: () => `/v1/exchanges/${id}/complete`,
      body: {
        sides: [{ party: 'RU', count: 5 }],
        accounts: [{ reportedBy: 'RU', sides: [{ party: 'RU', count: 5 }] }],
        occurredAt: '2025-06-11',
      },
      status: 400,
      type: INVALID,
      fields: ['accounts'],
    },
    {
      name: 'an account with no reporter',
      path: () => `/v1/exchanges/${id}/stages`,
      body: { accounts: [{ sides: [{ party: 'RU', count: 5 }] }], occurredAt: '2025-06-11' },
      status: 400,
      type: INVALID,
      fields: ['accounts.0.reportedBy'],
    },
    {
      name: 'an unknown field inside an account',
      path: () => `/v1/exchanges/${id}/stages`,
      body: {
        accounts: [{ reportedBy: 'RU', sides: [{ party: 'RU', count: 5 }], weight: 3 }],
        occurredAt: '2025-06-11',
      },
      status: 400,
      type: INVALID,
      fields: ['accounts.0.weight'],
    },
    {
      name: 'a control character in an account’s note',
      path: () => `/v1/exchanges/${id}/stages`,
      body: {
        accounts: [{ reportedBy: 'RU', sides: [{ party: 'RU', count: 5 }], note: 'a\u0000b' }],
        occurredAt: '2025-06-11',
      },
      status: 400,
      type: INVALID,
      fields: ['accounts.0.note'],
    },
    {
      name: 'a later account before its stage',
      path: () => `/v1/exchanges/${id}/stages/${stageId}/accounts`,
      body: { reportedBy: 'UA', sides: [{ party: 'RU', count: 99 }], occurredAt: '2025-06-09' },
      status: 422,
      type: UNPROCESSABLE,
      fields: ['occurredAt'],
    },
    {
      name: 'an account for a stage of another exchange',
      path: () => `/v1/exchanges/${id}/stages/${otherStageId}/accounts`,
      body: { reportedBy: 'UA', sides: [{ party: 'RU', count: 5 }], occurredAt: '2025-06-11' },
      status: 404,
      type: '/problems/not-found',
      fields: [],
    },
    {
      name: 'an account for no stage',
      path: () => `/v1/exchanges/${id}/stages/01900000-0000-7000-8000-00000000dead/accounts`,
      body: { reportedBy: 'UA', sides: [{ party: 'RU', count: 5 }], occurredAt: '2025-06-11' },
      status: 404,
      type: '/problems/not-found',
      fields: [],
    },
  ];

  it.each(cases)('$name: $status naming the field, nothing written', async ({ path, body, status, type, fields }) => {
    const before = await written(t(), id);
    const otherBefore = await written(t(), other);
    expectRefused(await post(t(), path(), body), status, type, ...fields);
    expect(await written(t(), id)).toEqual(before);
    expect(await written(t(), other)).toEqual(otherBefore);
  });

  it('an account for a voided stage is refused with 409, nothing written', async () => {
    const voided = (
      await post(
        t(),
        `/v1/exchanges/${id}/stages`,
        { sides: [{ party: 'RU', count: 7 }], occurredAt: '2025-06-12' },
        201,
      )
    ).body.stage.id;
    await post(t(), `/v1/exchanges/${id}/stages/${voided}/void`, { occurredAt: '2025-06-13', reason: 'twice' }, 200);
    const before = await written(t(), id);
    expectRefused(
      await post(t(), `/v1/exchanges/${id}/stages/${voided}/accounts`, {
        reportedBy: 'UA',
        sides: [{ party: 'RU', count: 7 }],
        occurredAt: '2025-06-13',
      }),
      409,
      '/problems/stage-already-voided',
    );
    expect(await written(t(), id)).toEqual(before);
  });

  it('accounts of the terms by a reporter not registered: 422 naming it, no exchange proposed', async () => {
    const listed = (await get(t(), '/v1/exchanges?limit=200')).data.length;
    const head = (await get(t(), '/v1/ledger/head')).sequence;
    const res = await post(t(), '/v1/exchanges', {
      kind: 'remains',
      proposedBy: 'RU',
      sides: [
        { party: 'UA', handsOver: 0 },
        { party: 'RU', handsOver: 6000 },
      ],
      occurredAt: '2025-06-02',
      termsAccounts: [
        { reportedBy: 'UA', sides: [{ party: 'UA', handsOver: 6000 }] },
        { reportedBy: 'NOBODY', sides: [{ party: 'UA', handsOver: 6000 }] },
      ],
    });
    expectRefused(res, 422, UNPROCESSABLE, 'termsAccounts.1.reportedBy');
    expect((await get(t(), '/v1/exchanges?limit=200')).data.length).toBe(listed);
    expect((await get(t(), '/v1/ledger/head')).sequence).toBe(head);
  });

  it('accounts of the terms on a counter, of a party not of the exchange: 422, nothing written', async () => {
    const proposed = (
      await post(
        t(),
        '/v1/exchanges',
        {
          kind: 'remains',
          proposedBy: 'RU',
          sides: [
            { party: 'UA', handsOver: 0 },
            { party: 'RU', handsOver: 6000 },
          ],
          occurredAt: '2025-06-02',
        },
        201,
      )
    ).body.id as string;
    const before = await written(t(), proposed);
    const res = await post(t(), `/v1/exchanges/${proposed}/counter`, {
      by: 'UA',
      sides: [
        { party: 'UA', handsOver: 6000 },
        { party: 'RU', handsOver: 6000 },
      ],
      occurredAt: '2025-06-03',
      termsAccounts: [{ reportedBy: 'UA', sides: [{ party: 'PL', handsOver: 1 }] }],
    });
    expectRefused(res, 422, UNPROCESSABLE, 'termsAccounts.0.sides.0.party');
    expect(await written(t(), proposed)).toEqual(before);
  });
});

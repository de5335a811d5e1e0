import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordedLedgerEvent } from '../../src/domain/reported-events.js';
import { problemFor } from '../../src/http/errors.js';
import { presentEventSafely } from '../../src/http/present-event.js';
import { useLedger } from '../support/app.js';
import { agreedBetween, expectRefused, get, post, registerObserver, type Json } from '../support/reported.js';

/*
 * The events of the record as it was reported (TermsReported, StageReported,
 * StageAccountAdded, ObserverRegistered, ClaimRecorded) in the ledger's reads, and the text
 * and URL rule for what accounts carry: a source inside an account is held to it as the
 * event's own source is, when recorded and when shown.
 */

describe('the new events in the ledger’s reads', () => {
  const t = useLedger();
  let id = '';

  beforeAll(async () => {
    await registerObserver(t(), 'ICRC');
    id = await agreedBetween(t());
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
        termsAccounts: [{ reportedBy: 'UA', sides: [{ party: 'UA', handsOver: 6000 }] }],
      },
      201,
    );
    const stage = await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      {
        accounts: [
          {
            reportedBy: 'RU',
            sides: [{ party: 'RU', count: 6060 }],
            source: { title: 'Negotiator', url: 'https://example.org/a b' },
          },
        ],
        occurredAt: '2025-06-16',
      },
      201,
    );
    await post(
      t(),
      `/v1/exchanges/${id}/stages/${stage.body.stage.id}/accounts`,
      { reportedBy: 'ICRC', sides: [{ party: 'RU', count: 6060 }], occurredAt: '2025-06-17' },
      201,
    );
    const claim = await t().ledger.recordClaim({
      command: {
        claimId: '01977777-0000-7000-8000-000000000001',
        reportedBy: 'RU',
        party: 'RU',
        kind: 'remains',
        field: 'handedOver',
        from: '2025-01-01',
        to: null,
        value: 16483,
        occurredAt: '2025-07-01',
        source: { title: 'Kommersant' },
        note: null,
      },
      principal: 'dev',
      now: new Date().toISOString(),
      idempotency: null,
      respond: (r) => ({ status: r.ok ? 201 : 422, headers: {}, body: r.ok ? null : r.rejection }),
    });
    expect(claim).toMatchObject({ kind: 'answered', response: { status: 201 } });
  });

  it('are listed in GET /v1/events, in JSON and CSV, and in the exchange’s history', async () => {
    const events = (await get(t(), '/v1/events?limit=1000')).data as Json[];
    const types = events.map((e) => e.type);
    for (const type of ['ObserverRegistered', 'TermsReported', 'StageReported', 'StageAccountAdded', 'ClaimRecorded'])
      expect(types, type).toContain(type);
    expect(events.find((e) => e.type === 'ObserverRegistered')).toMatchObject({
      streamId: 'observer:ICRC',
      data: { observerId: 'ICRC' },
    });
    expect(events.find((e) => e.type === 'ClaimRecorded')).toMatchObject({
      data: { reportedBy: 'RU', value: 16483, field: 'handedOver' },
    });
    const history = (await get(t(), `/v1/exchanges/${id}/events`)).data as Json[];
    expect(history.map((e) => e.type)).toEqual([
      'ExchangeProposed',
      'ExchangeAgreed',
      'StageReported',
      'StageAccountAdded',
    ]);
    const csv = await t().http().get('/v1/events').set('Accept', 'text/csv');
    expect(csv.status).toBe(200);
    const [header, ...rows] = parse(csv.text) as string[][];
    const type = header!.indexOf('type');
    expect(rows.map((r) => r[type])).toEqual(types);
  });

  it('hold an account’s source URL in its recorded (normalised) form, as the stage view shows it', async () => {
    const reported = ((await get(t(), `/v1/exchanges/${id}/events`)).data as Json[]).find(
      (e) => e.type === 'StageReported',
    )!;
    expect(reported.data.accounts[0].source).toEqual({ title: 'Negotiator', url: 'https://example.org/a%20b' });
    expect(reported.unacceptedText).toBeUndefined();
    const view = await get(t(), `/v1/exchanges/${id}`);
    expect(view.stages[0].accounts[0].source).toEqual({ title: 'Negotiator', url: 'https://example.org/a%20b' });
  });

  it('refuse an account’s source URL the rule refuses (400 naming it), nothing written', async () => {
    const head = (await get(t(), '/v1/ledger/head')).sequence;
    const res = await post(t(), `/v1/exchanges/${id}/stages`, {
      accounts: [
        {
          reportedBy: 'RU',
          sides: [{ party: 'RU', count: 1 }],
          source: { title: 'x', url: 'https://user:secret@example.org/' },
        },
      ],
      occurredAt: '2025-06-18',
    });
    expectRefused(res, 400, '/problems/validation-failed', 'accounts.0.source.url');
    expect((await get(t(), '/v1/ledger/head')).sequence).toBe(head);
  });
});

describe('an id registered as one reporter, registered again as another', () => {
  const t = useLedger();

  it('is refused with 409 reporter-already-registered, a problem type of its own', async () => {
    await registerObserver(t(), 'ICRC');
    const head = (await get(t(), '/v1/ledger/head')).sequence;
    const res = await post(t(), '/v1/parties', { id: 'ICRC', name: 'Red Cross' });
    expectRefused(res, 409, '/problems/reporter-already-registered');
    expect(res.body.detail).toContain('ICRC is already registered as an observer');
    expect((await get(t(), '/v1/ledger/head')).sequence).toBe(head);
    expect(await get(t(), '/problems/reporter-already-registered')).toMatchObject({ status: 409 });
  });

  it('maps either way round (an observer id taken by a party) to the same 409', () => {
    expect(problemFor({ kind: 'reporter-already-registered', reporterId: 'UA', registeredAs: 'party' })).toMatchObject({
      type: '/problems/reporter-already-registered',
      status: 409,
      detail: expect.stringContaining('UA is already registered as a party'),
    });
  });
});

describe('an account an earlier build recorded outside the URL rule', () => {
  const event = (url: string): RecordedLedgerEvent =>
    ({
      sequence: 9,
      id: '01977777-0000-7000-8000-000000000009',
      streamId: 'x',
      version: 3,
      type: 'StageReported',
      data: {
        exchangeId: 'x',
        stageId: 's',
        afterCompletion: false,
        accounts: [
          { reportedBy: null, sides: [], source: { title: 'ok', url: 'https://example.org/' }, note: null },
          { reportedBy: 'UA', sides: [], source: { title: 'as sent', url }, note: null },
        ],
      },
      occurredAt: '2025-06-16',
      recordedAt: '2025-06-16T00:00:00.000Z',
      principal: 'dev',
      source: null,
      note: null,
      prevHash: '0',
      hash: '1',
    }) as unknown as RecordedLedgerEvent;

  it('is shown normalised in the page of events, and flagged', () => {
    const shown = presentEventSafely(event('https://example.org/a b'));
    expect((shown.data.accounts as Json[])[1]!.source).toEqual({ title: 'as sent', url: 'https://example.org/a%20b' });
    expect((shown.data.accounts as Json[])[0]!.source.url).toBe('https://example.org/');
    expect(shown.unacceptedText).toEqual([
      { path: 'data.accounts.1.source.url', message: expect.any(String), shown: 'normalised' },
    ]);
  });

  it('is left out when the rule cannot make a URL of it, and flagged', () => {
    const recorded = event('https://example.org/\u0000x');
    const shown = presentEventSafely(recorded);
    expect((shown.data.accounts as Json[])[1]!.source).toEqual({ title: 'as sent' });
    expect(shown.unacceptedText).toEqual([
      { path: 'data.accounts.1.source.url', message: expect.any(String), shown: 'left out' },
    ]);
    // The event itself (what the hash covers) is not changed.
    expect((recorded.data as Json).accounts[1].source.url).toBe('https://example.org/\u0000x');
  });
});

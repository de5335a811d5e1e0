import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLedger, type TestLedger } from '../../support/app.js';
import { startPgLedger, type PgLedger } from './support.js';

/*
 * Design, "PostgreSQL and several instances": the same service on PostgreSQL, with identical
 * behaviour. One walk-through (the exchanges of 2025, bad requests and hostile reads among
 * them) is sent to a service on SQLite and to one on PostgreSQL; every answer must be the
 * same, status, headers and body byte for byte, once what differs between any two runs is
 * named alike in both: ids, hashes, the clock's times, new secrets.
 */

const MASTER = 'm'.repeat(40);
type Call = (
  method: 'get' | 'post' | 'delete',
  path: string,
  body?: object,
  headers?: Record<string, string>,
) => Promise<{ status: number; json: any }>;

/** The walk-through, against one service; every answer goes to the transcript. */
async function walkThrough(call: Call): Promise<void> {
  for (const id of ['UA', 'RU', 'AM', 'AZ'])
    await call('post', '/v1/parties', { id, name: `Party ${id}`, occurredAt: '2014-01-01', note: 'from the register' });
  await call('post', '/v1/parties', { id: 'UA', name: 'again' });
  await call('post', '/v1/parties', { id: 'xx yy', name: '' });
  await call('get', '/v1/parties');
  await call('get', '/v1/parties/UA');
  await call('get', '/v1/parties/ZZ');

  const e1 = (
    await call('post', '/v1/exchanges', {
      kind: 'pow',
      proposedBy: 'UA',
      title: '1,000 for 1,000',
      mediator: 'Türkiye',
      sides: [
        { party: 'UA', handsOver: 1000 },
        { party: 'RU', handsOver: 1000 },
      ],
      occurredAt: '2025-05-16T15:00:00+03:00',
      source: { title: 'Istanbul talks', url: 'https://example.org/istanbul' },
    })
  ).json.id as string;
  await call('post', `/v1/exchanges/${e1}/agree`, { by: 'RU', occurredAt: '2025-05-16' }, { 'if-match': '"7"' });
  await call('post', `/v1/exchanges/${e1}/agree`, { by: 'RU', occurredAt: '2025-05-16' }, { 'if-match': '"1"' });
  const s390 = (
    await call('post', `/v1/exchanges/${e1}/stages`, {
      sides: [
        { party: 'UA', count: 390 },
        { party: 'RU', count: 390 },
      ],
      occurredAt: '2025-05-23',
    })
  ).json.stage.id as string;
  const twice = (
    await call('post', `/v1/exchanges/${e1}/stages`, {
      sides: [{ party: 'UA', count: 307 }],
      occurredAt: '2025-05-24T09:00:00Z',
    })
  ).json.stage.id as string;
  await call(
    'post',
    `/v1/exchanges/${e1}/stages`,
    {
      sides: [
        { party: 'UA', count: 307 },
        { party: 'RU', count: 307 },
      ],
      occurredAt: '2025-05-24',
    },
    { 'idempotency-key': 'stage-307' },
  );
  await call(
    'post',
    `/v1/exchanges/${e1}/stages`,
    {
      sides: [
        { party: 'UA', count: 307 },
        { party: 'RU', count: 307 },
      ],
      occurredAt: '2025-05-24',
    },
    { 'idempotency-key': 'stage-307' },
  );
  await call(
    'post',
    `/v1/exchanges/${e1}/stages`,
    { sides: [{ party: 'UA', count: 1 }], occurredAt: '2025-05-24' },
    { 'idempotency-key': 'stage-307' },
  );
  await call('post', `/v1/exchanges/${e1}/stages/${twice}/void`, {
    occurredAt: '2025-05-24T10:00:00Z',
    reason: 'recorded twice',
  });
  await call('post', `/v1/exchanges/${e1}/stages/${twice}/void`, {
    occurredAt: '2025-05-24T11:00:00Z',
    reason: 'again',
  });
  await call('post', `/v1/exchanges/${e1}/complete`, {
    sides: [
      { party: 'UA', count: 303 },
      { party: 'RU', count: 303 },
    ],
    occurredAt: '2025-05-20',
  });
  await call('post', `/v1/exchanges/${e1}/complete`, {
    sides: [
      { party: 'UA', count: 303 },
      { party: 'RU', count: 303 },
    ],
    occurredAt: '2025-05-25',
  });
  await call('post', `/v1/exchanges/${e1}/stages`, { sides: [{ party: 'UA', count: 1 }], occurredAt: '2025-05-26' });

  const e2 = (
    await call('post', '/v1/exchanges', {
      kind: 'remains',
      proposedBy: 'AZ',
      sides: [
        { party: 'AM', handsOver: 0 },
        { party: 'AZ', handsOver: 500 },
      ],
      occurredAt: '2025-06-01',
    })
  ).json.id as string;
  await call('post', `/v1/exchanges/${e2}/counter`, {
    by: 'AM',
    sides: [
      { party: 'AM', handsOver: 10 },
      { party: 'AZ', handsOver: 400 },
    ],
    occurredAt: '2025-06-01',
  });
  await call('post', `/v1/exchanges/${e2}/agree`, { by: 'AZ', occurredAt: '2025-06-02' });
  await call('post', `/v1/exchanges/${e2}/stages`, { sides: [{ party: 'AZ', count: 200 }], occurredAt: '2025-06-05' });
  const e3 = (
    await call('post', '/v1/exchanges', {
      kind: 'children',
      proposedBy: 'UA',
      sides: [
        { party: 'UA', handsOver: null },
        { party: 'RU', handsOver: 12 },
      ],
      occurredAt: '2025-07-01',
    })
  ).json.id as string;
  await call('post', `/v1/exchanges/${e3}/reject`, { by: 'RU', reason: 'not now', occurredAt: '2025-07-02' });
  await call('post', '/v1/exchanges', {
    kind: 'medical',
    proposedBy: 'RU',
    sides: [
      { party: 'UA', handsOver: null },
      { party: 'RU', handsOver: null },
    ],
    occurredAt: '2025-07-03',
  });
  const e5 = (
    await call('post', '/v1/exchanges', {
      kind: 'pow',
      proposedBy: 'RU',
      sides: [
        { party: 'UA', handsOver: 84 },
        { party: 'RU', handsOver: 84 },
      ],
      occurredAt: '2025-07-03',
    })
  ).json.id as string;
  await call('post', `/v1/exchanges/${e5}/agree`, { by: 'UA', occurredAt: '2025-07-04' });
  await call('post', '/v1/exchanges', {
    kind: 'pow',
    proposedBy: 'UA',
    sides: [
      { party: 'UA', handsOver: 1 },
      { party: 'ZZ', handsOver: 1 },
    ],
    occurredAt: '2025-07-03',
  });
  await call('post', '/v1/exchanges/no-such-exchange/agree', { by: 'UA', occurredAt: '2025-07-03' });

  for (const id of [
    e1,
    e2,
    e3,
    `${e1}?asOf=2025-05-23`,
    `${e1}?asOf=2025-05-16T11:59:59Z`,
    `${e2}?asOf=2025-06-01`,
    `${e1}?asOf=2024-01-01`,
    'nope',
    '%00',
  ]) {
    await call('get', `/v1/exchanges/${id}`);
  }
  for (const path of [
    `${e1}/stages/${s390}`,
    `${e1}/stages/${twice}`,
    `${e1}/stages/none`,
    `${e1}/stages/%00`,
    `%00/stages/x`,
    `${e1}/events`,
    `${e2}/events`,
    'nope/events',
    '%00/events',
  ]) {
    await call('get', `/v1/exchanges/${path}`);
  }
  const cursors: string[] = [];
  for (const q of [
    '',
    '?limit=2',
    '?status=agreed',
    '?status=completed',
    '?kind=pow',
    '?party=UA',
    '?party=AM&status=agreed',
    '?party=UA&kind=pow&limit=1',
    '?from=2025-06-01',
    '?to=2025-06-01',
    '?from=2025-05-17&to=2025-07-02',
    '?party=RU&from=2025-07-03',
    '?status=%00',
    '?party=%00',
  ]) {
    const page = await call('get', `/v1/exchanges${q}`);
    if (page.json?.nextCursor) cursors.push(`${q ? `${q}&` : '?'}cursor=${page.json.nextCursor}`);
  }
  for (const q of cursors) await call('get', `/v1/exchanges${q}`);
  const forged = Buffer.from(JSON.stringify(['2025-06-01\u0000', 3])).toString('base64url');
  await call('get', `/v1/exchanges?cursor=${forged}`);
  await call('get', `/v1/exchanges?cursor=${Buffer.from(JSON.stringify(['2025-06-01', 0])).toString('base64url')}`);

  for (const q of [
    '',
    '?party=UA',
    '?kind=pow',
    '?party=AZ&kind=remains',
    '?from=2025-05-24',
    '?to=2025-05-23',
    '?from=2025-05-24&to=2025-05-24&party=RU',
    '?asOf=2025-05-23',
    '?asOf=2025-05-24T09:30:00Z',
    '?asOf=2025-06-30&party=AM',
    '?asOf=2025-07-05&kind=children',
    '?asOf=2025-06-30&from=2025-05-24',
    '?asOf=2000-01-01',
    '?party=ZZ',
    '?kind=%00',
  ]) {
    await call('get', `/v1/totals${q}`);
  }
  for (const q of ['', '?after=0&limit=5', '?after=5&limit=3', '?after=1e300', '?after=-1', '?limit=1001'])
    await call('get', `/v1/events${q}`);
  await call('get', '/v1/events', undefined, { accept: 'application/x-ndjson' });
  await call('get', '/v1/events?after=10', undefined, { accept: 'application/x-ndjson' });
  await call('get', '/v1/ledger/head');
  await call('get', '/v1/ledger/verify');

  const key = (await call('post', '/v1/keys', { name: 'recorder of the office', role: 'recorder' })).json;
  await call('post', '/v1/keys', { name: 'reader', role: 'reader' });
  await call('get', '/v1/keys');
  const recorder = { authorization: `Bearer ${key.secret}` };
  await call(
    'post',
    `/v1/exchanges/${e5}/stages`,
    { sides: [{ party: 'UA', count: 40 }], occurredAt: '2025-07-05' },
    recorder,
  );
  await call('post', '/v1/parties', { id: 'GE', name: 'Georgia' }, recorder);
  await call('delete', `/v1/keys/${key.id}`);
  await call('delete', `/v1/keys/${key.id}`);
  await call('delete', '/v1/keys/none');
  await call(
    'post',
    `/v1/exchanges/${e5}/stages`,
    { sides: [{ party: 'UA', count: 44 }], occurredAt: '2025-07-05' },
    recorder,
  );
  await call('get', '/v1/parties', undefined, { authorization: 'Bearer wrong-key-wrong-key-wrong-key-wrong' });
  await call('get', '/v1/events?after=18');
  await call('get', '/readyz');
  await call('get', '/healthz');
}

/**
 * Ids, hashes, times of the clock (this year's: the walk-through's own are older) and secrets,
 * each named by its first appearance.
 */
function normaliser(): (text: string) => string {
  const now = new RegExp(`${new Date().getUTCFullYear()}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z`, 'g');
  const names = new Map<string, string>();
  const name = (kind: string) => (value: string) => {
    if (!names.has(value)) names.set(value, `<${kind}${names.size}>`);
    return names.get(value)!;
  };
  return (text) =>
    text
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, name('id'))
      .replace(/\b[0-9a-f]{64}\b/g, name('hash'))
      .replace(now, '<now>')
      .replace(/"secret":"[^"]+"/g, '"secret":"<secret>"');
}

const SHOWN_HEADERS = ['content-type', 'etag', 'location', 'idempotent-replayed', 'retry-after'];

/** Runs the walk-through against a service, returning what it answered, normalised. */
async function transcriptOf(http: () => ReturnType<typeof request>): Promise<string[]> {
  const lines: string[] = [];
  const normalise = normaliser();
  const call: Call = async (method, path, body, headers = {}) => {
    let req = http()
      [method](path)
      .set({ authorization: `Bearer ${MASTER}`, ...headers });
    if (body !== undefined) req = req.send(body);
    // The body as sent, byte for byte, whatever its type.
    const res = await req.buffer(true).parse((stream, done) => {
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (text += chunk));
      stream.on('end', () => done(null, text));
    });
    const text = res.body as string;
    const shown = SHOWN_HEADERS.filter((h) => res.headers[h] !== undefined)
      .map((h) => `${h}: ${res.headers[h]}`)
      .join('; ');
    lines.push(normalise(`${method.toUpperCase()} ${path} → ${res.status} [${shown}]\n${text}`));
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // NDJSON, or not JSON at all
    }
    return { status: res.status, json };
  };
  await walkThrough(call);
  return lines;
}

describe('the same service on PostgreSQL as on SQLite', () => {
  let sqlite: TestLedger;
  let postgres: PgLedger;
  beforeAll(async () => {
    [sqlite, postgres] = await Promise.all([
      startLedger({ LEDGER_MASTER_KEY: MASTER }, {}, 'sqlite'),
      startPgLedger({ LEDGER_MASTER_KEY: MASTER }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([sqlite?.close(), postgres?.close()]);
    // The contract check cannot read a streamed body (the NDJSON export): those answers are compared above.
    const checked = (violations: string[]) =>
      violations.filter((v) => !/^GET \/v1\/events(\?after=10)? → 200: body does not match/.test(v));
    expect(checked(sqlite.contractViolations), 'SQLite: every response matches openapi/openapi.json').toEqual([]);
    expect(checked(postgres.contractViolations), 'PostgreSQL: every response matches openapi/openapi.json').toEqual([]);
  });

  it('answers a walk-through of every route alike, byte for byte', async () => {
    const expected = await transcriptOf(sqlite.http);
    const actual = await transcriptOf(postgres.http);
    if (process.env.SHOW_TRANSCRIPT) console.log(actual.join('\n'));
    // The walk-through means something only if it went where it meant to.
    expect(expected.filter((l) => / → 5\d\d /.test(l))).toEqual([]);
    expect(expected.filter((l) => / → 20\d /.test(l)).length).toBeGreaterThan(60);
    for (let i = 0; i < expected.length; i += 1) expect(actual[i], `answer ${i + 1}`).toBe(expected[i]);
    expect(actual.length).toBe(expected.length);
  });
});

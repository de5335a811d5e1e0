import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { agreed, registerParties, stage } from '../support/scenario.js';

/*
 * Issue 16: what is accepted must be readable back. A lone surrogate in any text field used
 * to answer 500 (the hash's canonical JSON refuses it; with an Idempotency-Key, earlier, when
 * the key was claimed); a source URL the input took but the response schema refused was
 * written, and from then on every JSON page of events holding it answered 500. Now text is
 * held to one rule, and a URL is refused or normalised, before anything sees the body.
 */

const t = useLedger();
let agreedId = '';
let stageId = '';

beforeAll(async () => {
  await registerParties(t(), 'UA', 'RU');
  agreedId = await agreed(t());
  stageId = await stage(t(), agreedId, { UA: 390, RU: 390 }, '2025-05-23');
});

/** Sends the JSON text as it is: a lone surrogate can only be written as an escape. */
const postRaw = (url: string, json: string, headers: Record<string, string> = {}) =>
  t()
    .http()
    .post(url)
    .set({ 'content-type': 'application/json', ...headers })
    .send(json);

function expectRefused(
  res: { status: number; headers: Record<string, string>; body: any; text: string },
  path: string,
  message: RegExp,
): void {
  expect(res.status, res.text).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe('/problems/validation-failed');
  expect(res.body.errors, res.text).toEqual([{ path, message: expect.stringMatching(message) }]);
}

const PROPOSAL =
  '"kind":"pow","proposedBy":"UA","sides":[{"party":"UA","handsOver":1},{"party":"RU","handsOver":1}],"occurredAt":"2025-05-16"';

describe('a lone surrogate or a control character in a text field', () => {
  it('POST /v1/parties {"id":"PL","name":"P\\ud800"} is 400 naming name (the reproduction of the issue)', async () => {
    expectRefused(
      await postRaw('/v1/parties', '{"id":"PL","name":"P\\ud800"}'),
      'name',
      /lone UTF-16 surrogate \(U\+D800 at character 2\)/,
    );
  });

  it('is refused before the Idempotency-Key is claimed: 400, and the key is still free for the request meant', async () => {
    expectRefused(
      await postRaw('/v1/parties', '{"id":"PL","name":"P\\ud800"}', { 'idempotency-key': 'party-pl' }),
      'name',
      /lone UTF-16 surrogate/,
    );
    const res = await postRaw('/v1/parties', '{"id":"PL","name":"Poland"}', { 'idempotency-key': 'party-pl' });
    expect(res.status, res.text).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  const cases: [string, () => string, string, string][] = [
    ['a party’s note', () => '/v1/parties', '{"id":"AM","name":"Armenia","note":"x\\u0000"}', 'note'],
    ['an API key’s name', () => '/v1/keys', '{"name":"bad\\u001b[31m","role":"reader"}', 'name'],
    ['a proposal’s title', () => '/v1/exchanges', `{${PROPOSAL},"title":"\\udc00"}`, 'title'],
    ['a proposal’s mediator', () => '/v1/exchanges', `{${PROPOSAL},"mediator":"T\\u007f"}`, 'mediator'],
    ['a source’s title', () => '/v1/exchanges', `{${PROPOSAL},"source":{"title":"\\ud83d"}}`, 'source.title'],
    ['a proposal’s note', () => '/v1/exchanges', `{${PROPOSAL},"note":"\\u0085"}`, 'note'],
    [
      'a stage’s note',
      () => `/v1/exchanges/${agreedId}/stages`,
      '{"sides":[{"party":"UA","count":1}],"occurredAt":"2025-05-24","note":"\\u0000"}',
      'note',
    ],
    [
      'a void’s reason',
      () => `/v1/exchanges/${agreedId}/stages/${stageId}/void`,
      '{"occurredAt":"2025-05-26","reason":"twice\\u0000"}',
      'reason',
    ],
    [
      'a cancellation’s reason',
      () => `/v1/exchanges/${agreedId}/cancel`,
      '{"by":"UA","occurredAt":"2025-05-26","reason":"\\ud800"}',
      'reason',
    ],
  ];
  it.each(cases)('in %s is 400 naming it, with or without an Idempotency-Key', async (_name, url, json, path) => {
    expectRefused(await postRaw(url(), json), path, /lone UTF-16 surrogate|control character/);
    if (!url().startsWith('/v1/keys'))
      expectRefused(await postRaw(url(), json, { 'idempotency-key': `k-${path}-${url()}` }), path, /./);
  });

  it('while tab, line feed, emoji and any script are text', async () => {
    const res = await postRaw(
      '/v1/parties',
      '{"id":"UA-2","name":"Україна \\ud83c\\uddfa\\ud83c\\udde6","note":"line 1\\n\\tline 2"}',
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body.name).toBe('Україна \u{1F1FA}\u{1F1E6}');
  });
});

describe('a source URL', () => {
  const proposeWith = (url: string) =>
    postRaw(
      '/v1/exchanges',
      JSON.stringify({
        kind: 'pow',
        proposedBy: 'UA',
        sides: [
          { party: 'UA', handsOver: 1 },
          { party: 'RU', handsOver: 1 },
        ],
        occurredAt: '2025-05-16',
        source: { title: 'a report', url },
      }),
    );

  it.each([
    ['https://example.org/a b', 'https://example.org/a%20b'],
    ['https://example.org/\u{1F600}', 'https://example.org/%F0%9F%98%80'],
    ['https://example.org/<script>', 'https://example.org/%3Cscript%3E'],
  ])('%j is recorded normalised, %j, and reads back through every JSON page of events', async (sent, recorded) => {
    const res = await proposeWith(sent);
    expect(res.status, res.text).toBe(201);
    const history = await t().http().get(`/v1/exchanges/${res.body.id}/events`);
    expect(history.status, history.text).toBe(200);
    expect(history.body.data[0].source).toEqual({ title: 'a report', url: recorded });
    expect(history.body.data[0].unacceptedText).toBeUndefined();
    const page = await t().http().get('/v1/events?limit=1000');
    expect(page.status, page.text).toBe(200);
    expect(page.body.data.find((e: { id: string }) => e.id === history.body.data[0].id).source.url).toBe(recorded);
  });

  it.each([
    ['https://<script>', /not a URL/],
    ['https://example.org/\u0000', /U\+0000/],
    ['javascript:alert(1)', /http or https/],
    ['https://user:pw@example.org/', /user name or password/],
  ])('%j is 400 naming source.url', async (sent, message) => {
    expectRefused(await proposeWith(sent), 'source.url', message);
  });
});

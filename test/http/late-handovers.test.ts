import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { agreedBetween, expectRefused, get, post, written, type Json } from '../support/reported.js';

/*
 * Late handovers (DESIGN.md, Wave 2): 3 bodies handed over a week after the 6,000 exchange
 * was completed. A stage may be recorded on a completed exchange: the status stays
 * `completed`, the stage is marked `afterCompletion`, and it counts like any other.
 */

describe('a stage after completion', () => {
  const t = useLedger();
  let id = '';
  let late: Json;

  beforeAll(async () => {
    id = await agreedBetween(t());
    await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      { sides: [{ party: 'RU', count: 6057 }], occurredAt: '2025-06-16' },
      201,
    );
    await post(t(), `/v1/exchanges/${id}/complete`, { occurredAt: '2025-06-16' }, 200);
  });

  it('is recorded: 201, the status stays completed, the stage is marked and counts in delivered', async () => {
    const before = await get(t(), `/v1/exchanges/${id}`);
    expect(before.allowedTransitions).toEqual(expect.arrayContaining(['recordStage', 'voidStage']));
    const res = await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      {
        reportedBy: 'UA',
        sides: [{ party: 'RU', count: 3 }],
        occurredAt: '2025-06-23',
        source: { title: 'Coordination Headquarters, 23 June 2025' },
      },
      201,
    );
    late = res.body.stage;
    expect(late.afterCompletion).toBe(true);
    expect(res.body.exchange).toMatchObject({ status: 'completed', version: before.version + 1 });
    expect(res.body.exchange.sides[1]).toMatchObject({ party: 'RU', delivered: 6060, variance: 60 });
    const view = await get(t(), `/v1/exchanges/${id}`);
    expect(view.status).toBe('completed');
    expect(view.stages.map((s: Json) => s.afterCompletion)).toEqual([false, true]);
    expect(view.stages[1]).toEqual(late);
    const last = (await get(t(), `/v1/exchanges/${id}/events`)).data.at(-1);
    expect(last).toMatchObject({ type: 'StageReported', data: { stageId: late.id, afterCompletion: true } });
  });

  it('an unattributed one with whole counts is marked too (the old form cannot say afterCompletion)', async () => {
    const res = await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      { sides: [{ party: 'RU', count: 1 }], occurredAt: '2025-06-24' },
      201,
    );
    expect(res.body.stage.afterCompletion).toBe(true);
    expect(res.body.stage.accounts[0].reportedBy).toBeNull();
    const last = (await get(t(), `/v1/exchanges/${id}/events`)).data.at(-1);
    expect(last.type).toBe('StageReported');
    // A correction of a late stage takes it out again, as for any stage.
    const voided = await post(
      t(),
      `/v1/exchanges/${id}/stages/${res.body.stage.id}/void`,
      { occurredAt: '2025-06-25', reason: 'a duplicate report of the 3' },
      200,
    );
    expect(voided.body.status).toBe('completed');
    expect(voided.body.sides[1]).toMatchObject({ delivered: 6060 });
  });

  it('may be given a later account, like any stage', async () => {
    const res = await post(
      t(),
      `/v1/exchanges/${id}/stages/${late.id}/accounts`,
      { reportedBy: 'RU', sides: [{ party: 'RU', count: 3 }], occurredAt: '2025-06-24' },
      201,
    );
    expect(res.body.stage).toMatchObject({ afterCompletion: true, disputed: false });
    expect(res.body.stage.accounts).toHaveLength(2);
  });

  it('may not precede the completion: 422 naming occurredAt, nothing written', async () => {
    const before = await written(t(), id);
    expectRefused(
      await post(t(), `/v1/exchanges/${id}/stages`, { sides: [{ party: 'RU', count: 3 }], occurredAt: '2025-06-15' }),
      422,
      '/problems/unprocessable',
      'occurredAt',
    );
    expect(await written(t(), id)).toEqual(before);
  });

  it('does not make a completed exchange complete again: 409 naming what it allows', async () => {
    const before = await written(t(), id);
    const res = await post(t(), `/v1/exchanges/${id}/complete`, {
      sides: [{ party: 'RU', count: 3 }],
      occurredAt: '2025-06-30',
    });
    expectRefused(res, 409, '/problems/transition-not-allowed');
    expect([...res.body.allowedTransitions].sort()).toEqual(['recordStage', 'voidStage']);
    expect(await written(t(), id)).toEqual(before);
  });
});

describe('a stage on a terminal exchange that is not completed', () => {
  const t = useLedger();

  it('is refused with 409, as before, writing nothing', async () => {
    const id = await agreedBetween(t());
    await post(t(), `/v1/exchanges/${id}/cancel`, { by: 'RU', occurredAt: '2025-06-05' }, 200);
    const before = await written(t(), id);
    const res = await post(t(), `/v1/exchanges/${id}/stages`, {
      reportedBy: 'UA',
      sides: [{ party: 'RU', count: 3 }],
      occurredAt: '2025-06-23',
    });
    expectRefused(res, 409, '/problems/transition-not-allowed');
    expect(res.body).toMatchObject({ currentStatus: 'cancelled', allowedTransitions: [] });
    expect(await written(t(), id)).toEqual(before);
  });
});

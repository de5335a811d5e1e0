import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/store/ledger-store.js';
import { OneRunAtATime } from '../../src/store/one-run-at-a-time.js';

/** A task whose runs the test settles by hand, counting how many were started. */
function controlledTask() {
  const runs: { progress: Progress; resolve: (v: string) => void; reject: (e: unknown) => void }[] = [];
  const task = (progress: Progress) =>
    new Promise<string>((resolve, reject) => runs.push({ progress, resolve, reject }));
  return { runs, task };
}

const settled = () => new Promise((r) => setImmediate(r));

describe('verifications one at a time (OneRunAtATime)', () => {
  it('starts no second run while one runs: callers who come meanwhile share the next, started when the first ends', async () => {
    const { runs, task } = controlledTask();
    const once = new OneRunAtATime(task);
    const first = once.run();
    const second = once.run();
    const third = once.run();
    expect(runs).toHaveLength(1);
    expect(second).toBe(third);

    runs[0]!.resolve('snapshot 1');
    expect(await first).toBe('snapshot 1');
    await settled();
    expect(runs).toHaveLength(2);
    runs[1]!.resolve('snapshot 2');
    expect(await second).toBe('snapshot 2');
    expect(await third).toBe('snapshot 2');

    // Idle again: the next caller starts a run of its own at once.
    await settled();
    const fourth = once.run();
    expect(runs).toHaveLength(3);
    runs[2]!.resolve('snapshot 3');
    expect(await fourth).toBe('snapshot 3');
  });

  it('hands over after a failed run too, and the failure goes only to the callers of that run', async () => {
    const { runs, task } = controlledTask();
    const once = new OneRunAtATime(task);
    const first = once.run();
    const second = once.run();
    runs[0]!.reject(new Error('worker stopped'));
    await expect(first).rejects.toThrow('worker stopped');
    await settled();
    expect(runs).toHaveLength(2);
    runs[1]!.resolve('ok');
    expect(await second).toBe('ok');
  });

  it('a task that throws at once is a rejected run, and the next caller is not left waiting', async () => {
    let calls = 0;
    const once = new OneRunAtATime<string>(() => {
      calls += 1;
      if (calls === 1) throw new Error('cannot start');
      return Promise.resolve('started');
    });
    await expect(once.run()).rejects.toThrow('cannot start');
    await settled();
    expect(await once.run()).toBe('started');
  });

  it('tells each caller of a shared run how far it has got', async () => {
    const { runs, task } = controlledTask();
    const once = new OneRunAtATime(task);
    const heardFirst: number[] = [];
    const heardB: number[] = [];
    const heardC: number[] = [];
    const first = once.run((done) => heardFirst.push(done));
    const shared = [once.run((done) => heardB.push(done)), once.run((done) => heardC.push(done)), once.run()];
    runs[0]!.progress(10, 20);
    runs[0]!.resolve('a');
    await first;
    await settled();
    runs[1]!.progress(5, 30);
    runs[1]!.progress(30, 30);
    runs[1]!.resolve('b');
    await Promise.all(shared);
    expect(heardFirst).toEqual([10]);
    expect(heardB).toEqual([5, 30]);
    expect(heardC).toEqual([5, 30]);
  });

  it("a caller whose listener throws breaks neither the run nor the others' progress", async () => {
    const { runs, task } = controlledTask();
    const once = new OneRunAtATime(task);
    const heard: number[] = [];
    const run = once.run(() => {
      throw new Error('a broken progress bar');
    });
    const blocker = run.then(() => undefined);
    const shared = [
      once.run(() => {
        throw new Error('another');
      }),
      once.run((done) => heard.push(done)),
    ];
    expect(() => runs[0]!.progress(1, 2)).not.toThrow();
    runs[0]!.resolve('a');
    expect(await run).toBe('a');
    await blocker;
    await settled();
    expect(() => runs[1]!.progress(7, 9)).not.toThrow();
    runs[1]!.resolve('b');
    expect(await Promise.all(shared)).toEqual(['b', 'b']);
    expect(heard).toEqual([7]);
  });
});

import { describe, expect, it } from 'vitest';
import { decideObserverRegistration, observerRegistered, observerStreamId } from '../../src/domain/observers.js';

const NOW = '2025-07-01T12:00:00.000Z';
const register = (
  observerId: string,
  name = 'International Committee of the Red Cross',
  occurredAt = '2025-06-01',
) => ({ observerId, name, occurredAt, note: null });

describe('registering an observer', () => {
  it('given a free id, when ICRC is registered, then ObserverRegistered, and the observer as it reads', () => {
    const d = decideObserverRegistration(register('ICRC'), null, NOW);
    expect(d).toEqual({
      ok: true,
      value: [
        {
          type: 'ObserverRegistered',
          data: { observerId: 'ICRC', name: 'International Committee of the Red Cross' },
          occurredAt: '2025-06-01',
          source: null,
          note: null,
        },
      ],
    });
    expect(observerRegistered(d.ok ? d.value[0]! : (null as never))).toEqual({
      id: 'ICRC',
      name: 'International Committee of the Red Cross',
      registeredAt: '2025-06-01',
    });
    expect(observerStreamId('ICRC')).toBe('observer:ICRC');
  });

  it('given the id is a party’s (one id space), then reporter-already-registered, as a party', () => {
    expect(decideObserverRegistration(register('UA', 'Ukraine'), 'party', NOW)).toEqual({
      ok: false,
      rejection: { kind: 'reporter-already-registered', reporterId: 'UA', registeredAs: 'party' },
    });
  });

  it('given the id is an observer’s already, then reporter-already-registered, as an observer', () => {
    expect(decideObserverRegistration(register('ICRC'), 'observer', NOW)).toMatchObject({
      ok: false,
      rejection: { registeredAs: 'observer' },
    });
  });

  it('given the id `each` (taken by according=each), then unprocessable naming id', () => {
    const d = decideObserverRegistration(register('each'), null, NOW);
    expect(d).toMatchObject({
      ok: false,
      rejection: { kind: 'unprocessable', errors: [{ path: 'id', message: expect.stringContaining('reserved') }] },
    });
  });

  it('given a malformed id, an empty name and a date too far ahead, then every failing field at once', () => {
    const d = decideObserverRegistration(register('UN HRMMU', '  ', '2025-07-05'), null, NOW);
    expect(d.ok === false && d.rejection.kind === 'unprocessable' && d.rejection.errors.map((e) => e.path)).toEqual([
      'id',
      'name',
      'occurredAt',
    ]);
  });
});

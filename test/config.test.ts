import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('TRUST_PROXY', () => {
  it('is off unless set: no X-Forwarded-For is believed', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(false);
  });

  it('takes how many proxies stand in front, or their addresses and ranges', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.8.0.0/16,fd00::/8 , loopback' }).trustProxy).toEqual([
      '10.0.0.1',
      '10.8.0.0/16',
      'fd00::/8',
      'loopback',
    ]);
  });

  it.each(['0', '11', 'everyone', 'true', '10.0.0.1,', '1.2.3.4/33'])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY: must be how many proxies/);
  });
});

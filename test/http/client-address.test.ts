import { describe, expect, it } from 'vitest';
import { clientAddressOf } from '../../src/http/client-address.js';

describe('the address a client is counted under (rate limits)', () => {
  it('is the IPv4 address, however it is written', () => {
    expect(clientAddressOf('192.0.2.7')).toBe('192.0.2.7');
    expect(clientAddressOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientAddressOf('::ffff:c000:207')).toBe('192.0.2.7');
  });

  it('is the /64 of an IPv6 address: one host cannot dodge a limit by moving within its network', () => {
    const a = clientAddressOf('2001:db8:1:2:3:4:5:6');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(clientAddressOf('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(a);
    expect(clientAddressOf('2001:0db8:0001:0002::1')).toBe(a);
    expect(clientAddressOf('2001:db8:1:3::1')).not.toBe(a);
    expect(clientAddressOf('::1')).toBe('::/64');
  });
});

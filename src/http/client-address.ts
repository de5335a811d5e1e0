import { Address6 } from 'ip-address';
import { isIPv6 } from 'node:net';

/**
 * The address a client's requests are counted under by the rate limits. An IPv6 host is
 * given a whole /64 (RFC 6177) and picks any address in it, so counting full addresses would
 * let one client dodge every limit and fill the counters' memory: its /64 is counted instead.
 * IPv4, and IPv4 written as IPv6 (`::ffff:192.0.2.1`), count as the IPv4 address.
 */
export function clientAddressOf(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const address = new Address6(ip);
  if (address.isMapped4()) return address.to4().correctForm();
  return `${new Address6(`${ip}/64`).startAddress().correctForm()}/64`;
}

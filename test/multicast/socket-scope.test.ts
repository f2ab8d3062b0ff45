// Which groups a multicast socket takes [SW-19.9-1]: administratively scoped IPv4 (239.0.0.0/8) and
// IPv6 of scope 2 (ff02::/16) or 5 (ff05::/16); nothing wider, nothing that is not an address.
import { describe, expect, it } from 'vitest';
import { DEFAULT_GROUP_V4, DEFAULT_GROUP_V6 } from '../../src/multicast/constants.js';
import { MulticastSocket, isScopedGroup } from '../../src/node/multicast-socket.js';

describe('scoped groups only [SW-19.9-1]', () => {
  it('takes 239/8, ff02::/16 and ff05::/16 (the defaults among them)', () => {
    for (const g of ['239.0.0.1', '239.255.255.255', DEFAULT_GROUP_V4, 'ff02::1', 'FF05::5357', DEFAULT_GROUP_V6]) expect(isScopedGroup(g), g).toBe(true);
  });
  it('refuses global, link-local-control, other-scope and non-address groups', () => {
    for (const g of ['224.0.0.251', '238.255.0.1', '240.0.0.1', '10.0.0.1', 'ff0e::1', 'ff01::1', 'ff08::1', 'fe80::1', '239.example', 'localhost', '']) expect(isScopedGroup(g), g).toBe(false);
  });
  it('a socket on another group is refused before it binds', async () => {
    await expect(MulticastSocket.open({ group: 'ff0e::5357', port: 5357 })).rejects.toThrow(/scoped/);
    await expect(MulticastSocket.open({ group: '224.0.1.1', port: 5357 })).rejects.toThrow(/scoped/);
  });
});

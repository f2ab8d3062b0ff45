// An interface that comes back makes a group socket join again [SW-19.9-2], with the host's interface
// list replaced by a fake one (the real kernel case, a re-created veth, is in netns.test.ts).
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { groupPort } from './group-port.js';
import { interfaceFingerprint } from '../../src/node/interface-watch.js';
import { MulticastSocket } from '../../src/node/multicast-socket.js';

const v4 = (address: string, mac = '02:00:00:00:00:01'): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac, internal: false, cidr: `${address}/24` });
const v6 = (address: string, scopeid: number): NetworkInterfaceInfo => ({ address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/64`, scopeid });
const until = async (f: () => boolean, ms = 5_000) => {
  for (const end = Date.now() + ms; !f() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  return f();
};

describe('interface watch [SW-19.9-2]', () => {
  it('fingerprints only what the membership depends on: the named address or ifname, else the family', () => {
    const list = { lo: [v4('127.0.0.1')], wlan0: [v4('10.0.0.5'), v6('fe80::1', 3)], eth1: [v4('10.1.0.5')] };
    const a = interfaceFingerprint(list, 'IPv4', '10.0.0.5');
    expect(a).toBe('wlan0 02:00:00:00:00:01 10.0.0.5');
    expect(interfaceFingerprint({ ...list, eth1: [] }, 'IPv4', '10.0.0.5')).toBe(a); // another interface: no change
    expect(interfaceFingerprint({ ...list, wlan0: [v4('10.0.0.5', '02:00:00:00:00:02')] }, 'IPv4', '10.0.0.5')).not.toBe(a); // re-created
    expect(interfaceFingerprint({ lo: list.lo }, 'IPv4', '10.0.0.5')).toBe(''); // gone
    expect(interfaceFingerprint(list, 'IPv6', '::%wlan0')).toBe('wlan0 02:00:00:00:00:01 fe80::1%3');
    expect(interfaceFingerprint({ ...list, wlan0: [v6('fe80::1', 4)] }, 'IPv6', '::%wlan0')).not.toBe('wlan0 02:00:00:00:00:01 fe80::1%3'); // new ifindex
    expect(interfaceFingerprint(list, 'IPv4', undefined).split(',')).toHaveLength(3);
  });

  it('a group socket joins again when its interface goes away and when it comes back, and not otherwise', async () => {
    let list: NodeJS.Dict<NetworkInterfaceInfo[]> = { lo: [v4('127.0.0.1', '00:00:00:00:00:00')] };
    const group = `239.255.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const s = await MulticastSocket.open({ group, port: groupPort(), interface: '127.0.0.1', rejoinMs: 0, watchInterfacesMs: 20, listInterfaces: () => list });
    try {
      expect(s.stats.joins).toBe(1);
      await new Promise((r) => setTimeout(r, 100)); // several polls, nothing changed
      expect(s.stats.interfaceRejoins).toBe(0);
      list = {}; // gone
      expect(await until(() => s.stats.interfaceRejoins === 1)).toBe(true);
      list = { lo: [v4('127.0.0.1', '00:00:00:00:00:00')] }; // back
      expect(await until(() => s.stats.interfaceRejoins === 2)).toBe(true);
      expect(s.stats.joins).toBe(3); // each a join (the kernel has lo throughout, so each succeeds)
    } finally {
      await s.close();
    }
  });
});

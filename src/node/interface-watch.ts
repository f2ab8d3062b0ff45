/**
 * Notices an interface coming back (spec 19.9, [SW-19.9-2]). Node has no event for link or address
 * changes, so this polls `os.networkInterfaces()` (one getifaddrs call; libuv lists only interfaces
 * that are up and running) and calls back when what a multicast socket depends on changed: the
 * interface it names (an IPv4 address, or '::%ifname'), or any interface of its family when it names
 * none. A Wi-Fi link that reconnects, an interface that is re-created (a new ifindex: the kernel's
 * membership went with the old one) or a new DHCP address all show here within one poll; the
 * periodic join of REJOIN_INTERVAL stays as the backstop for what no host can see (a router or an
 * access point that forgot the group).
 * @module
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export type InterfaceLister = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

/** What the socket's membership depends on, as a string that changes when it does. */
export function interfaceFingerprint(list: NodeJS.Dict<NetworkInterfaceInfo[]>, family: 'IPv4' | 'IPv6', iface: string | undefined): string {
  const ifname = iface?.includes('%') === true ? iface.slice(iface.indexOf('%') + 1) : undefined;
  const out: string[] = [];
  for (const [name, addrs] of Object.entries(list)) {
    for (const a of addrs ?? []) {
      if (a.family !== family) continue;
      if (iface !== undefined && (ifname !== undefined ? name !== ifname : a.address !== iface)) continue;
      // the MAC and IPv6 scope id tell a re-created interface from the old one where they differ
      out.push(`${name} ${a.mac} ${a.address}${a.scopeid !== undefined ? `%${a.scopeid}` : ''}`);
    }
  }
  return out.sort().join(',');
}

/**
 * Calls `changed` each time the fingerprint differs from the previous poll's. Returns a stop
 * function. The timer is unref'd: it never keeps a process alive.
 */
export function watchInterfaces(
  family: 'IPv4' | 'IPv6',
  iface: string | undefined,
  everyMs: number,
  changed: () => void,
  list: InterfaceLister = networkInterfaces,
): () => void {
  const read = (): string => {
    try {
      return interfaceFingerprint(list(), family, iface);
    } catch {
      return ''; // no interfaces readable: as if none were up
    }
  };
  let last = read();
  const timer = setInterval(() => {
    const now = read();
    if (now === last) return;
    last = now;
    changed();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

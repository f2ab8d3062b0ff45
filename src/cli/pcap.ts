/**
 * The UDP datagrams of a classic pcap capture (tcpdump -w, Wireshark "pcap" format), for
 * `saltwire inspect --file capture.pcap`. Link types: Ethernet (with 802.1Q tags), Linux cooked
 * (SLL and SLL2), raw IP and BSD loopback; IPv4 and IPv6 (no extension headers); fragments of IP
 * datagrams are skipped. pcapng is not read: save as pcap (`editcap -F pcap`).
 * @module
 */

export interface CapturedUdp {
  /** 1-based, as Wireshark numbers packets. */
  readonly index: number;
  readonly src: string;
  readonly dst: string;
  readonly payload: Uint8Array;
}

const MAGICS = new Map<number, { little: boolean }>([
  [0xa1b2c3d4, { little: false }],
  [0xa1b23c4d, { little: false }],
  [0xd4c3b2a1, { little: true }],
  [0x4d3cb2a1, { little: true }],
]);

/** Whether `b` starts like a classic pcap file. */
export function isPcap(b: Uint8Array): boolean {
  return b.length >= 24 && MAGICS.has(new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false));
}

/** The UDP datagrams in a classic pcap file; throws Error on a file that is not one. */
export function udpDatagrams(file: Uint8Array): CapturedUdp[] {
  if (!isPcap(file)) throw new Error('not a pcap file (pcapng is not read: save it as pcap)');
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const { little } = MAGICS.get(v.getUint32(0, false))!;
  const linkType = v.getUint32(20, little) & 0x0fffffff;
  const out: CapturedUdp[] = [];
  let o = 24;
  for (let index = 1; o + 16 <= file.length; index++) {
    const incl = v.getUint32(o + 8, little);
    const frame = file.subarray(o + 16, Math.min(file.length, o + 16 + incl));
    o += 16 + incl;
    const ip = ipOf(frame, linkType);
    const udp = ip === undefined ? undefined : udpOf(ip);
    if (udp !== undefined) out.push({ index, ...udp });
  }
  return out;
}

/** The IP packet inside a link-layer frame, with its version. */
function ipOf(f: Uint8Array, linkType: number): Uint8Array | undefined {
  const u16 = (at: number): number => (f[at]! << 8) | f[at + 1]!;
  let at: number;
  let proto: number;
  switch (linkType) {
    case 1: // Ethernet
      at = 12;
      while (f.length >= at + 2 && (u16(at) === 0x8100 || u16(at) === 0x88a8)) at += 4;
      proto = u16(at);
      at += 2;
      break;
    case 113: // Linux cooked (SLL)
      proto = u16(14);
      at = 16;
      break;
    case 276: // Linux cooked v2 (SLL2)
      proto = u16(0);
      at = 20;
      break;
    case 0: // BSD loopback: a 4-byte address family
      at = 4;
      proto = 0;
      break;
    case 12:
    case 101:
    case 228:
    case 229: // raw IP
      at = 0;
      proto = 0;
      break;
    default:
      return undefined;
  }
  if (proto !== 0 && proto !== 0x0800 && proto !== 0x86dd) return undefined;
  return f.length > at ? f.subarray(at) : undefined;
}

function udpOf(ip: Uint8Array): { src: string; dst: string; payload: Uint8Array } | undefined {
  const version = ip[0]! >> 4;
  let udp: Uint8Array;
  let src: string;
  let dst: string;
  if (version === 4) {
    const ihl = (ip[0]! & 0x0f) * 4;
    const fragmented = (((ip[6]! & 0x1f) << 8) | ip[7]!) !== 0 || (ip[6]! & 0x20) !== 0;
    if (ip[9] !== 17 || fragmented || ip.length < ihl + 8) return undefined;
    src = [...ip.subarray(12, 16)].join('.');
    dst = [...ip.subarray(16, 20)].join('.');
    udp = ip.subarray(ihl);
  } else if (version === 6) {
    if (ip[6] !== 17 || ip.length < 48) return undefined;
    const v6 = (b: Uint8Array): string => `[${Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(':')}]`;
    src = v6(ip.subarray(8, 24));
    dst = v6(ip.subarray(24, 40));
    udp = ip.subarray(40);
  } else return undefined;
  const port = (at: number): number => (udp[at]! << 8) | udp[at + 1]!;
  const len = port(4);
  if (len < 8 || len > udp.length) return undefined;
  return { src: `${src}:${port(0)}`, dst: `${dst}:${port(2)}`, payload: udp.subarray(8, len) };
}

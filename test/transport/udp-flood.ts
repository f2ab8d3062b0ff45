/**
 * For the UdpTransport tests that need input arriving faster than the receiver reads it: the
 * datagrams come from another process, so they queue in the receiver's socket while it is busy.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A process that sends `count` datagrams of `size` bytes to `port` on 127.0.0.1, at most `perMs` a
 * millisecond, once told "go" on stdin; with `stamp`, each starts with Date.now() as a float64
 * (little-endian). Resolves once it is ready; the caller kills it (children lists it).
 */
export function floodSender(children: ChildProcess[], port: number, o: { count: number; perMs: number; size: number; stamp?: boolean }): Promise<ChildProcess> {
  const fill = o.stamp === true ? `const b = Buffer.alloc(${o.size}); b.writeDoubleLE(Date.now(), 0);` : `const b = Buffer.alloc(${o.size}, 7);`;
  const code = `
    const s = require('node:dgram').createSocket('udp4'); let left = ${o.count};
    const burst = () => { for (let k = 0; k < ${o.perMs} && left > 0; k++, left--) { ${fill} s.send(b, ${port}, '127.0.0.1'); } if (left > 0) setTimeout(burst, 1); };
    process.stdin.once('data', () => burst()); process.stdout.write('ready\\n');`;
  const c = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(c);
  return new Promise((res) => c.stdout!.once('data', () => res(c)));
}

/** Keeps this process busy for `ms` (a stall, or the cost of handling one datagram). */
export const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

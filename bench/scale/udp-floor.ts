/**
 * Raw UDP floors: the least a Node.js process spends on the same datagrams as a Saltwire hub, with
 * no crypto, no state and no timers: what is left is node:dgram and the kernel.
 *
 * - `recv` (bench/idle.ts): takes each datagram and does nothing with it (a one-way keepalive).
 * - `echo` (bench/idle.ts): answers each with the same bytes to its sender (a keepalive that asks
 *   for an answer, as Saltwire's PING does).
 * - `relay` (bench/rpc-hub.ts): a hub's part in a call from device to device: a datagram whose
 *   first byte is 1 goes to the responder, one whose first byte is 2 to the caller (each learned
 *   from the last datagram it sent); two datagrams in and two out per call, as the Saltwire hub's.
 * - `responder RELAY_PORT` (bench/rpc-hub.ts): says hello (byte 2) to the relay on 127.0.0.1, then
 *   answers each datagram through it with its bytes, first byte 2.
 *
 * Run as `node --import tsx udp-floor.ts MODE [RELAY_PORT]`; prints `listening 127.0.0.1:PORT`.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';

const mode = process.argv[2] ?? 'recv';
const s = createSocket('udp4');
let count = 0;
let caller: RemoteInfo | undefined;
let responder: RemoteInfo | undefined;
s.on('message', (m, r) => {
  count++;
  if (mode === 'echo') s.send(m, r.port, r.address);
  else if (mode === 'relay') {
    if (m[0] === 1) caller = r;
    else responder = r;
    const to = m[0] === 1 ? responder : m.length > 1 ? caller : undefined; // a 1-byte 2 is the hello
    if (to !== undefined) s.send(m, to.port, to.address);
  } else if (mode === 'responder') {
    m[0] = 2;
    s.send(m, r.port, r.address);
  }
});
s.bind(0, '127.0.0.1', () => {
  if (mode === 'responder') s.send(Buffer.from([2]), Number(process.argv[3]), '127.0.0.1');
  console.log(`listening 127.0.0.1:${s.address().port}`);
});
process.on('SIGTERM', () => {
  console.error(`udp-floor ${mode}: ${count} datagrams`);
  s.close();
  process.exit(0);
});

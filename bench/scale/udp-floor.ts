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
 * - `publish-relay` (bench/scale.ts, system udp-relay): a hub's part in a QoS 0 publication with one
 *   subscriber. A 1-byte datagram is the sink's hello: its sender becomes the sink and gets the byte
 *   back. A device's keepalive (bytes 8..11 are 0x5a5a5a5a, which no payload has there: that is its
 *   device index, protocol.ts makePayload) is echoed to its sender, as `echo` does. Anything else is
 *   a publication, sent on unchanged to the sink (dropped before the hello): one datagram in, one out.
 *
 * Run as `node --import tsx udp-floor.ts MODE [RELAY_PORT]`; prints `listening 127.0.0.1:PORT`.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';

const mode = process.argv[2] ?? 'recv';
const s = createSocket('udp4');
let count = 0;
let caller: RemoteInfo | undefined;
let responder: RemoteInfo | undefined;
let sink: RemoteInfo | undefined;
/** publish-relay: bytes 8..11 of a device's keepalive (worker.ts fills it with 0x5a). */
const KEEPALIVE_MARK = 0x5a5a5a5a;
s.on('message', (m, r) => {
  count++;
  if (mode === 'echo') s.send(m, r.port, r.address);
  else if (mode === 'publish-relay') {
    if (m.length === 1) {
      sink = r;
      s.send(m, r.port, r.address);
    } else if (m.length >= 12 && m.readUInt32LE(8) === KEEPALIVE_MARK) s.send(m, r.port, r.address);
    else if (sink !== undefined) s.send(m, sink.port, sink.address);
  } else if (mode === 'relay') {
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

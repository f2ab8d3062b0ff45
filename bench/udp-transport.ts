/**
 * UDP receive under a burst (spec 8.4): another thread sends N datagrams as fast as node:dgram
 * allows to one UdpTransport on loopback; the table shows what the kernel granted and how many were
 * lost, per requested receive buffer and payload size. Also the send rate of UdpTransport.send.
 * Bounded: each cell waits at most 3 s. Does not change net.core.rmem_max: requests above it are
 * capped (the 'granted' column shows it). Run: npx tsx bench/udp-transport.ts [N]
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { UdpTransport } from '../src/internals.js';

const N = Number(process.argv[2] ?? 20_000);
const SIZES = [64, 1200];
const BUFFERS = [0, 1 << 20, 4 << 20];

const SENDER = `
const dgram = require('node:dgram');
const { workerData: w, parentPort } = require('node:worker_threads');
const s = dgram.createSocket('udp4');
s.bind(0, '127.0.0.1', () => {
  const b = Buffer.alloc(w.size, 0x5a);
  let done = 0;
  const t0 = performance.now();
  for (let i = 0; i < w.N; i++) s.send(b, w.port, '127.0.0.1', () => {
    if (++done === w.N) { parentPort.postMessage(performance.now() - t0); s.close(); }
  });
});`;

async function burst(recvBufferSize: number, size: number) {
  const rx = await UdpTransport.bind({ host: '127.0.0.1', recvBufferSize });
  let got = 0;
  rx.onReceive(() => void got++);
  const w = new Worker(SENDER, { eval: true, workerData: { N, size, port: rx.local.port } });
  const sendMs = await new Promise<number>((resolve) => w.once('message', resolve));
  await w.terminate();
  const end = performance.now() + 3000;
  let last = -1;
  // done when everything arrived, or nothing more arrived for 200 ms
  while (got < N && performance.now() < end && got !== last) {
    last = got;
    await new Promise((r) => setTimeout(r, 200));
  }
  const granted = rx.getRecvBufferSize();
  await rx.close();
  return { requested: recvBufferSize || 'OS default', granted, size, received: got, lossPct: ((100 * (N - got)) / N).toFixed(2), sendRate: Math.round((N * 1000) / sendMs) };
}

async function sendRate(size: number) {
  const tx = await UdpTransport.bind({ host: '127.0.0.1' });
  const sink = await UdpTransport.bind({ host: '127.0.0.1' });
  const data = new Uint8Array(size);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 500) {
    const batch: Promise<void>[] = [];
    for (let i = 0; i < 256; i++) batch.push(tx.send(data, sink.local));
    await Promise.all(batch);
    n += 256;
  }
  const rate = Math.round((n * 1000) / (performance.now() - t0));
  await Promise.all([tx.close(), sink.close()]);
  return { size, sendsPerSecond: rate };
}

let rmemMax = 'n/a';
try {
  rmemMax = readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim();
} catch {
  // not Linux
}
console.log(`node ${process.version}, net.core.rmem_max = ${rmemMax}, burst of ${N} datagrams from a worker thread`);
const rows = [];
for (const size of SIZES) for (const b of BUFFERS) rows.push(await burst(b, size));
console.table(rows);
console.table([await sendRate(64), await sendRate(1200)]);

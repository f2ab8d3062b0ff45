/**
 * The hub side of bench/reliable.ts in its own process, as a broker runs beside its clients: a
 * Saltwire hub on loopback, and when a loss rate is given a ChaosProxy in front of it (in this
 * process too: the "network" costs the hub's core, not the sender's). Driven over IPC:
 * the parent gets { hub, proxy } ports once listening, sends { cmd: 'count' } to read how many
 * reliable messages were delivered, and ends the child with SIGTERM or by going away.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SiteKeyring } from '../src/core.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { SaltwireNode, type ReliabilityOptions } from '../src/peer/node.js';
import { MemoryStateStore } from '../src/peer/state-store.js';
import { ChaosProxy } from '../src/transport/chaos-proxy.js';
import { UdpTransport } from '../src/transport/udp.js';

export interface HubChild {
  readonly hubPort: number;
  /** Where the device sends: the proxy when there is one, else the hub. */
  readonly port: number;
  delivered(): Promise<number>;
  stop(): Promise<void>;
}

interface Spec {
  readonly site: number[];
  readonly loss: number | undefined;
  readonly reliability: ReliabilityOptions;
}

const SELF = fileURLToPath(import.meta.url);

export async function startHubChild(site: Uint8Array, loss: number | undefined, reliability: ReliabilityOptions): Promise<HubChild> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const spec: Spec = { site: [...site], loss, reliability };
  const child = fork(SELF, ['--serve-hub', JSON.stringify(spec)], { execArgv: ['--import', tsx, ...(process.env['HUB_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['HUB_PROF']}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = (): boolean => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const next = (): Promise<Record<string, number>> =>
    new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('hub child: no answer in 15 s')), 15_000);
      child.once('message', (m) => {
        clearTimeout(t);
        res(m as Record<string, number>);
      });
    });
  const ready = await next();
  return {
    hubPort: ready['hub']!,
    port: ready['proxy'] ?? ready['hub']!,
    async delivered() {
      const answer = next();
      child.send({ cmd: 'count' });
      return (await answer)['delivered']!;
    },
    async stop() {
      process.removeListener('exit', kill);
      child.kill('SIGTERM');
      const t = setTimeout(kill, 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF && process.argv[2] === '--serve-hub') {
  const spec = JSON.parse(process.argv[3]!) as Spec;
  const suite = defaultCryptoSuite();
  const transport = await UdpTransport.bind({ host: '127.0.0.1' });
  const hub = await SaltwireNode.start({
    id: 'hub',
    keyring: new SiteKeyring(suite, Uint8Array.from(spec.site)),
    suite,
    transport,
    state: new MemoryStateStore(),
    provisioning: true,
    peerMaxDatagram: 1200,
    reliability: spec.reliability,
  });
  let delivered = 0;
  hub.on('message', (m) => void (m.reliable && delivered++));
  const proxy = spec.loss === undefined ? undefined : await ChaosProxy.start({ target: transport.local, maxCapture: 0, seed: 7, faults: { loss: spec.loss } });
  const quit = (): void => void Promise.all([hub.close(), proxy?.close()]).finally(() => process.exit(0));
  process.once('SIGTERM', quit);
  process.once('disconnect', quit);
  process.on('message', (m) => {
    if ((m as { cmd?: string }).cmd === 'count') process.send?.({ delivered });
  });
  process.send?.({ hub: transport.local.port, ...(proxy && { proxy: proxy.address.port }) });
}

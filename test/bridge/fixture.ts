/**
 * A hub with a bridge, devices and MQTT clients on loopback, for the bridge tests: the hub and
 * devices are nodes in this process over real UDP (state in a temp directory), the broker is aedes
 * in-process or a mosquitto process (bench/peers), the MQTT side is MQTT.js 5.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { MqttBridge, type BridgeOptions } from '../../src/bridge/index.js';
import { Client, deriveDeviceKey, Hub, PairKeyring, SiteKeyring, startNode, type HubOptions, type SaltwireNode } from '../../src/internals.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';

export const SITE = new Uint8Array(32).fill(7);

export class Rig {
  readonly dir = mkdtempSync(join(tmpdir(), 'sw-bridge-'));
  readonly cleanup: Array<() => Promise<void> | void> = [];
  hubNode!: SaltwireNode;
  hub!: Hub;
  hubPort = 0;

  async startHub(o: HubOptions = {}, port = 0, name = 'hub-state'): Promise<Hub> {
    const suite = defaultCryptoSuite();
    this.hubNode = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, SITE), listen: { host: '127.0.0.1', port }, stateDir: join(this.dir, name), provisioning: true, suite });
    this.hub = await Hub.start(this.hubNode, o);
    this.hubPort = this.hubNode.local.port;
    const node = this.hubNode;
    const hub = this.hub;
    this.cleanup.push(async () => {
      await hub.close();
      await node.close();
    });
    return this.hub;
  }

  async bridge(o: Omit<BridgeOptions, 'url'> & { url?: string }, port: number, hub = this.hub): Promise<MqttBridge> {
    const b = await MqttBridge.start(hub, { url: `mqtt://127.0.0.1:${port}`, reconnect: { baseMs: 50, capMs: 300, stableMs: 1000 }, ...o });
    this.cleanup.push(() => b.close());
    return b;
  }

  async device(id: string, hubPort = this.hubPort): Promise<{ node: SaltwireNode; client: Client }> {
    const suite = defaultCryptoSuite();
    const node = await startNode({
      id, keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, id, 0)), listen: { host: '127.0.0.1' },
      stateDir: join(this.dir, id), provisioning: true, suite, peers: [{ id: 'hub', address: { host: '127.0.0.1', port: hubPort } }],
    });
    const client = await Client.start(node, { hub: 'hub' });
    this.cleanup.push(async () => {
      await client.close();
      await node.close();
    });
    return { node, client };
  }

  async mqtt(port: number, o: IClientOptions = {}): Promise<MqttClient> {
    const c = connect({ host: '127.0.0.1', port, protocolVersion: 5, reconnectPeriod: 100, ...o });
    await new Promise<void>((res, rej) => {
      c.once('connect', () => res());
      c.once('error', rej);
    });
    this.cleanup.push(() => new Promise<void>((r) => c.end(true, {}, () => r())));
    return c;
  }

  async close(): Promise<void> {
    for (const f of this.cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves once `cond()` holds, polling every 10 ms; rejects after `ms` with `what`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * `saltwire hub`: a hub on a UDP address, deriving every device's key from the site key, with an
 * optional access-control configuration; runs until SIGINT or SIGTERM.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { AccessControl } from '../../acl/acl.js';
import { parseAclConfig } from '../../acl/acl-config.js';
import { FileStateStore } from '../../node/file-state-store.js';
import { decodePeers, PEERS_KEY } from '../../peer/state-store.js';
import { Hub } from '../../messaging/index.js';
import { defaultCryptoSuite } from '../../node/crypto.js';
import { startNode } from '../../node/start.js';
import { SiteKeyring } from '../../session/keyring.js';
import { DELIVERY_QUEUE } from '../../pubsub/limits.js';
import { addressKey } from '../../transport/transport.js';
import { STANDING_QUEUE_MS } from '../../transport/standing-queue.js';
import { UdpTransport } from '../../transport/udp.js';
import { UsageError } from '../args.js';
import { EXIT, type Command } from '../command.js';
import { keyFlags, readKey, SITE_KEY } from '../key-source.js';
import { HubLog } from '../hub-log.js';
import { startMetrics, type MetricsServer } from '../hub-metrics.js';
import { hubStatus, STATUS_METHOD } from './status.js';
import { BUSY_POLL_HELP, DEFAULT_HUB_ID, reportConflicts } from '../endpoint.js';
import { hubStateDir, STATE_HELP_DEFAULT } from '../state-dir.js';

/** Top-level keys of the --config file. */
const CONFIG_KEYS = new Set(['acl', 'mqtt']);

export interface HubConfig {
  readonly acl?: AccessControl;
  /** The device ids access control names (its rules' `devices`, but `*`, and `revoked`): `saltwire status` lists them. */
  readonly devices?: readonly string[];
  /** The bridge's options (`--mqtt`), checked by bridgeOptionsFromConfig. */
  readonly mqtt?: unknown;
}

/** Reads and checks the --config file: `{ "acl": <spec 17.9 configuration> }`. */
export async function loadHubConfig(path: string, warn: (line: string) => void): Promise<HubConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--config: cannot read ${JSON.stringify(path)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`--config: ${path} must hold a JSON object`);
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!CONFIG_KEYS.has(k)) warn(`warning: --config: unknown key ${JSON.stringify(k)} ignored`);
  const mqtt = o['mqtt'] === undefined ? {} : { mqtt: o['mqtt'] };
  if (o['acl'] === undefined) return mqtt;
  try {
    const parsed = parseAclConfig(o['acl']);
    const devices = new Set([...parsed.rules.flatMap((r) => [...(r.devices ?? [])]), ...parsed.revoked]);
    return { acl: AccessControl.fromConfig(o['acl']), devices: [...devices], ...mqtt };
  } catch (e) {
    throw new UsageError(`--config: ${path}: acl: ${(e as Error).message}`);
  }
}

export const hub: Command = {
  spec: {
    name: 'hub',
    summary: 'Runs a hub: routes publications and forwards calls between the devices of a site.',
    flags: {
      '--listen': { value: 'HOST:PORT', help: 'UDP address to listen on (an IP address; port 0: the OS picks)', required: true },
      ...keyFlags(SITE_KEY),
      '--id': { value: 'ID', help: `the hub's node id (default ${DEFAULT_HUB_ID}; devices then need --hub-id ID)` },
      '--state': { value: 'DIR', help: `state directory (default: hub-<PORT> in ${STATE_HELP_DEFAULT}); created on first start` },
      '--config': { value: 'FILE', help: 'JSON file {"acl": <access control, spec 17.9>}; without it every device may do everything' },
      '--debug': { help: 'log dropped datagrams to stderr (wrong key, unknown id, ...)' },
      '--busy-poll-us': { value: 'N', help: BUSY_POLL_HELP },
      '--standing-queue-ms': { value: 'N', help: `shrink the receive buffer once every read has found more waiting for N ms, until one finds it empty (default ${STANDING_QUEUE_MS}; 0: never) [SW-8.4-4]` },
      '--max-queued': { value: 'N', help: `QoS 1/2 copies owed to one subscriber, waiting or in flight (default ${DELIVERY_QUEUE}, as mosquitto's max_queued_messages) [SW-18.2-3]` },
      '--queue-policy': { value: 'refuse|drop-oldest', help: 'past --max-queued: refuse the new copy (default) or drop the oldest waiting one; each drop is counted' },
      '--log-format': { value: 'text|json', help: 'the log on stderr (first contact, reachable, unreachable, restart, address, conflict, denied): text (default) or JSON lines' },
      '--metrics': { value: 'HOST:PORT', help: 'serve Prometheus metrics on http://HOST:PORT/metrics (needs the package prom-client)' },
      '--mqtt': { value: 'mqtt://HOST:PORT', help: 'bridge to this MQTT broker (needs the package mqtt); mapping and broker options in --config {"mqtt": {...}}; default: every topic both ways under its own name, minus $ topics' },
    },
    notes: [
      'Prints "listening HOST:PORT" (the bound address) on stdout once ready.',
      'The site key comes from --site-file FILE, the environment variable SALTWIRE_SITE_KEY, or --site HEX',
      '  (visible to other users in ps: warns). Devices use keys from `saltwire derive`.',
      'Serves its status to devices access control lets call "saltwire/status" (saltwire status): the devices',
      '  heard since it started, those in the peer memory of its state directory, and those its --config names.',
      'SIGINT or SIGTERM: drains, closes and exits 0 (a second signal exits at once with 130).',
    ].join('\n'),
  },
  async run(flags, io) {
    const listen = flags.hostPort('--listen', { allowZero: true, literalIp: true });
    const warnings: string[] = [];
    const site = readKey(flags, io.env, SITE_KEY, warnings);
    const id = flags.nodeId('--id', DEFAULT_HUB_ID);
    const configPath = flags.string('--config');
    const config = configPath === undefined ? {} : await loadHubConfig(configPath, io.err);
    const suite = defaultCryptoSuite();
    const busyPollUs = flags.int('--busy-poll-us', 0, 1_000_000, 0);
    const standingQueueMs = flags.int('--standing-queue-ms', 0, 60_000, STANDING_QUEUE_MS);
    const maxQueued = flags.int('--max-queued', 1, 10_000_000, DELIVERY_QUEUE);
    const policy = flags.string('--queue-policy') ?? 'refuse';
    if (policy !== 'refuse' && policy !== 'drop-oldest') throw new UsageError(`--queue-policy must be refuse or drop-oldest, not ${policy}`);
    const mqttUrl = flags.string('--mqtt');
    if (mqttUrl !== undefined && !/^(mqtts?|wss?|tcp|ssl):\/\/[^/]+/.test(mqttUrl)) throw new UsageError(`--mqtt must be a broker URL like mqtt://HOST:PORT, not ${mqttUrl}`);
    const logFormat = flags.string('--log-format') ?? 'text';
    if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`--log-format must be text or json, not ${logFormat}`);
    const metricsAt = flags.has('--metrics') ? flags.hostPort('--metrics', { allowZero: true, literalIp: true }) : undefined;
    warnings.forEach((w) => io.err(w));
    const log = new HubLog(logFormat, io.err);
    const startedAt = performance.now();
    const transport = await UdpTransport.bind({ host: listen.host, port: listen.port, busyPollUs, standingQueueMs });
    const stateDir = flags.string('--state') ?? hubStateDir(transport.local.port, io.env);
    // the devices heard before a restart: the peer memory the node is about to load (spec 12.1)
    const saved = decodePeers(await new FileStateStore(stateDir).load(PEERS_KEY).catch(() => undefined)).map((p) => p.id);
    let node;
    try {
      // provisioning is never inferred from an empty directory [SW-5.6-5]: a wiped one is empty too
      node = await startNode({ id, keyring: new SiteKeyring(suite, site), transport, stateDir, provisioning: false, suite, debug: flags.bool('--debug') });
      if (logFormat === 'text') reportConflicts(node, io.err);
      log.attach(node);
    } catch (e) {
      await transport.close();
      throw e;
    }
    let h: Hub;
    try {
      const delivery = { max: maxQueued, policy } as const;
      h = await Hub.start(node, config.acl === undefined ? { delivery } : { acl: log.watch(config.acl), delivery });
    } catch (e) {
      await node.close();
      throw e;
    }
    if (config.acl === undefined || config.acl.isOpen) {
      io.err('warning: no access-control rules: every device may publish, subscribe, call and serve anything (--config)');
    }
    let bridge: { close(): Promise<void> } | undefined;
    if (mqttUrl !== undefined) {
      try {
        bridge = await startBridge(h, mqttUrl, config.mqtt, io.err);
      } catch (e) {
        await h.close();
        await node.close();
        throw e;
      }
    }
    const hubNode = node;
    const acl = config.acl;
    const known = { heard: log.seen, saved, acl: config.devices ?? [], revoked: (id: string) => acl?.revoked(id) ?? false };
    h.serve(STATUS_METHOD, () => hubStatus(hubNode, known, startedAt));
    let metrics: MetricsServer | undefined;
    if (metricsAt !== undefined) {
      try {
        metrics = await startMetrics(metricsAt, { node, hub: h, peers: () => log.seen });
      } catch (e) {
        await h.close();
        await node.close();
        throw e;
      }
      io.err(`metrics on http://${metricsAt.host.includes(':') ? `[${metricsAt.host}]` : metricsAt.host}:${metrics.port}/metrics`);
    }
    io.out(`listening ${addressKey(node.local)}`);
    await io.stopped;
    try {
      await metrics?.close();
      await h.close();
      await bridge?.close();
    } finally {
      await node.close();
    }
    return EXIT.OK;
  },
};

/** The bridge, loaded only when asked for: `mqtt` is an optional dependency. Logs to stderr. */
async function startBridge(h: Hub, url: string, cfg: unknown, err: (line: string) => void): Promise<{ close(): Promise<void> }> {
  let mod: typeof import('../../bridge/index.js');
  try {
    mod = await import('../../bridge/index.js');
  } catch (e) {
    throw new Error(`--mqtt needs the package mqtt (npm install mqtt): ${(e as Error).message}`);
  }
  let options;
  try {
    options = mod.bridgeOptionsFromConfig(url, cfg);
  } catch (e) {
    throw new UsageError(`--config: mqtt: ${(e as Error).message}`);
  }
  return mod.MqttBridge.start(h, { ...options, log: err });
}

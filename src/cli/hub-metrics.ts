/**
 * `saltwire hub --metrics HOST:PORT`: the hub's counters as Prometheus text on
 * http://HOST:PORT/metrics, through prom-client (an optional dependency, loaded only here). Every
 * value is read from the node's and the hub's own counters when scraped: nothing is counted twice.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { Hub } from '../messaging/hub.js';
import type { SaltwireNode } from '../peer/node.js';
import type { HostPort } from './values.js';

/** What a scrape reads. */
export interface MetricsSource {
  readonly node: SaltwireNode;
  readonly hub: Hub;
  /** Peer ids heard from (HubLog.seen), for the reachability gauge. */
  readonly peers: () => Iterable<string>;
}

export interface MetricsServer {
  /** The bound address (port 0: the one the OS chose). */
  readonly port: number;
  close(): Promise<void>;
}

type Labels = Record<string, string>;
type Sample = readonly [Labels, number];

/** The metrics: name, help, type and the samples of one scrape. */
export function samples(s: MetricsSource): Array<{ name: string; help: string; type: 'gauge' | 'counter'; labels?: readonly string[]; values: Sample[] }> {
  const st = s.node.stats;
  const hub = s.hub.stats();
  const rpc = s.hub.rpcCounters;
  const reach: Record<string, number> = { reachable: 0, unreachable: 0, unknown: 0 };
  for (const id of s.peers()) {
    const r = s.node.peer(id)?.reachability ?? 'unknown';
    reach[r] = (reach[r] ?? 0) + 1;
  }
  const entries = (o: object, label: string): Sample[] => Object.entries(o).filter(([, v]) => typeof v === 'number').map(([k, v]) => [{ [label]: k }, v as number]);
  return [
    { name: 'saltwire_peers', help: 'Peers in the node table', type: 'gauge', values: [[{}, st.peers]] },
    { name: 'saltwire_peers_by_reachability', help: 'Peers heard from by this process, by reachability', labels: ['state'], type: 'gauge', values: entries(reach, 'state') },
    { name: 'saltwire_datagrams_received_total', help: 'Datagrams received and accepted', type: 'counter', values: [[{}, st.received]] },
    { name: 'saltwire_datagrams_sent_total', help: 'Datagrams sent', type: 'counter', values: [[{}, st.sent.datagrams]] },
    { name: 'saltwire_bytes_sent_total', help: 'UDP payload bytes sent', type: 'counter', values: [[{}, st.sent.bytes]] },
    { name: 'saltwire_drops_total', help: 'Datagrams dropped, by reason (spec 6)', labels: ['reason'], type: 'counter', values: entries(st.drops, 'reason') },
    { name: 'saltwire_hub_drops_total', help: 'Operations the hub dropped or refused, by reason', labels: ['reason'], type: 'counter', values: entries(hub.drops, 'reason') },
    { name: 'saltwire_publications_forwarded_total', help: 'Publication copies sent to subscribers', type: 'counter', values: [[{}, hub.forwarded.sent]] },
    { name: 'saltwire_publications_delivered_total', help: 'QoS 1/2 copies acknowledged by their subscribers', type: 'counter', values: [[{}, hub.deliveries.delivered]] },
    { name: 'saltwire_delivery_queue_owed', help: 'QoS 1/2 copies owed to subscribers now (queue depth)', type: 'gauge', values: [[{}, hub.deliveries.owed]] },
    { name: 'saltwire_delivery_queue_owed_bytes', help: 'Payload bytes of the copies owed now', type: 'gauge', values: [[{}, hub.deliveries.owedBytes]] },
    { name: 'saltwire_delivery_drops_total', help: 'Copies the delivery queues refused, dropped or gave up', labels: ['kind'], type: 'counter', values: [[{ kind: 'refused' }, hub.deliveries.refused], [{ kind: 'dropped-oldest' }, hub.deliveries.droppedOldest], [{ kind: 'given-up' }, hub.deliveries.givenUp]] },
    { name: 'saltwire_calls_forwarded_total', help: 'Calls forwarded between devices, by outcome', labels: ['outcome'], type: 'counter', values: rpc.forwarder === undefined ? [] : entries(rpc.forwarder, 'outcome') },
    { name: 'saltwire_reliable_transmissions_total', help: 'Reliable fragments sent, first and again (spec 14.4)', labels: ['kind'], type: 'counter', values: [[{ kind: 'first' }, st.retransmits.transmissions - st.retransmits.retransmissions], [{ kind: 'retransmission' }, st.retransmits.retransmissions]] },
    { name: 'saltwire_reliable_losses_total', help: 'Reliable fragments found lost, by how (spec 14.4)', labels: ['how'], type: 'counter', values: [[{ how: 'ack' }, st.retransmits.fastLosses], [{ how: 'timeout' }, st.retransmits.timeouts]] },
    { name: 'saltwire_reliable_links', help: 'Reliable links now, live or set aside while quiescent (spec 14.13)', labels: ['state'], type: 'gauge', values: [[{ state: 'live' }, st.links.live], [{ state: 'parked' }, st.links.parked]] },
    { name: 'saltwire_unreliable_waiting', help: 'QoS 0 messages waiting for room in a full queue now (spec 14.8)', type: 'gauge', values: [[{}, st.unreliable.waiting]] },
    { name: 'saltwire_unreliable_waits_total', help: 'QoS 0 messages that found a full queue, by outcome (spec 14.8)', labels: ['outcome'], type: 'counter', values: [[{ outcome: 'queued' }, st.unreliable.waited], [{ outcome: 'refused' }, st.unreliable.refused], [{ outcome: 'expired' }, st.unreliable.expired], [{ outcome: 'given-up' }, st.unreliable.givenUp]] },
    { name: 'saltwire_input_waits_total', help: "Event-loop turns the node's timers waited for its socket to be read (spec 8.4): rising means the hub is behind its input", labels: ['outcome'], type: 'counter', values: [[{ outcome: 'waited' }, st.input.waits], [{ outcome: 'expired' }, st.input.expired]] },
    { name: 'saltwire_input_buffer_shrinks_total', help: 'Times the receive buffer shrank because every read found more waiting for 200 ms (spec 8.4): the kernel then drops what the hub cannot handle in time', type: 'counter', values: [[{}, st.input.shrinks]] },
    { name: 'saltwire_stale_answers_total', help: 'Stale datagrams answered (spec 12.4)', type: 'counter', values: [[{}, st.stale.answered]] },
    { name: 'saltwire_conflicts_total', help: 'Two processes under one id reported (spec 12.4)', type: 'counter', values: [[{}, st.stale.conflicts]] },
  ];
}

/** Serves /metrics on `at`. Throws (rejects) when prom-client is not installed or the port is taken. */
export async function startMetrics(at: HostPort, source: MetricsSource): Promise<MetricsServer> {
  let prom: typeof import('prom-client');
  try {
    prom = await import('prom-client');
  } catch {
    throw new Error('--metrics needs the package prom-client (npm install prom-client)');
  }
  const registry = new prom.Registry();
  let current = samples(source);
  for (const m of current) {
    const name = m.name;
    const labelNames = [...(m.labels ?? [])];
    const g = new prom.Gauge({
      name,
      help: m.help,
      labelNames,
      registers: [registry],
      collect() {
        const fresh = current.find((x) => x.name === name);
        this.reset();
        for (const [labels, v] of fresh?.values ?? []) this.set(labels, v);
      },
    });
    void g;
  }
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('see /metrics\n');
      return;
    }
    current = samples(source);
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(fixTypes(text, current)),
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : at.port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Gauges serve every metric; the counters among them are declared as such in the TYPE lines. */
function fixTypes(text: string, metrics: ReturnType<typeof samples>): string {
  const counters = new Set(metrics.filter((m) => m.type === 'counter').map((m) => m.name));
  return text.replace(/^# TYPE (\S+) gauge$/gm, (line, name: string) => (counters.has(name) ? `# TYPE ${name} counter` : line));
}

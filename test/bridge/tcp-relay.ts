/**
 * A TCP relay the test controls, between the bridge and its broker: cut() resets every connection
 * through it, down() also refuses new ones until up(). How a flapping link or a partition is made
 * without touching the broker.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpRelay {
  private readonly pairs = new Set<Socket>();
  private refusing = false;
  /** Connections accepted (and relayed). */
  accepted = 0;

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(targetPort: number): Promise<TcpRelay> {
    let relay: TcpRelay | undefined;
    const server = createServer((inbound) => {
      if (relay === undefined || relay.refusing) return void inbound.destroy();
      relay.accepted++;
      const out = createConnection({ host: '127.0.0.1', port: targetPort });
      for (const s of [inbound, out]) {
        relay.pairs.add(s);
        s.on('close', () => relay!.pairs.delete(s));
        s.on('error', () => undefined);
      }
      inbound.pipe(out);
      out.pipe(inbound);
      inbound.on('close', () => out.destroy());
      out.on('close', () => inbound.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    relay = new TcpRelay(server, (server.address() as { port: number }).port);
    return relay;
  }

  /** Resets every connection through the relay now. */
  cut(): void {
    for (const s of this.pairs) s.resetAndDestroy();
  }

  down(): void {
    this.refusing = true;
    this.cut();
  }

  up(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

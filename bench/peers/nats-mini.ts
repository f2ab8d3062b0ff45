/**
 * A minimal NATS client over node:net, for benchmarks only (the `nats` package is not installed and
 * there is no network to fetch it): the text protocol's CONNECT, PING/PONG, SUB, UNSUB, PUB with a
 * reply subject and MSG parsing; no headers, no TLS, no reconnect, no queue groups. It does what the
 * official client does on the hot path of request/reply: one TCP connection with TCP_NODELAY, one
 * wildcard inbox subscription for all replies, each request a PUB with a unique reply subject
 * (request(); JetStream's API and PubAcks are such requests, bench/pubsub-nats.ts).
 *
 * Also starts nats-server (/usr/sbin/nats-server, or $NATS_SERVER_BIN) on a free loopback port with
 * its defaults, optionally with JetStream (-js) storing in a given directory.
 *
 * Usage: `const c = await NatsMini.connect(port); c.subscribe('s', (m) => ...); c.publish('s', data, reply)`
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { freeTcpPort, sleep, waitForTcp } from './util.js';

export interface NatsMsg {
  readonly subject: string;
  readonly sid: number;
  readonly reply: string | undefined;
  readonly data: Buffer;
}

const CRLF = Buffer.from('\r\n');

export class NatsMini {
  private buf: Buffer = Buffer.alloc(0);
  private nextSid = 1;
  private readonly subs = new Map<number, (m: NatsMsg) => void>();
  private pongs: Array<() => void> = [];
  private error: Error | undefined;
  private inbox: string | undefined;
  private nextReq = 1;
  private readonly requests = new Map<string, (m: NatsMsg) => void>();
  /** Resolves when the connection closes, with the last error or -ERR line if there was one. */
  readonly closed: Promise<Error | undefined>;

  private constructor(private readonly sock: Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', (e) => (this.error = e));
    this.closed = new Promise((r) => sock.once('close', () => r(this.error)));
  }

  /** Connects, sends CONNECT and waits for the PONG of a first PING (the server accepted CONNECT). */
  static async connect(port: number, host = '127.0.0.1', name = 'nats-mini'): Promise<NatsMini> {
    const sock = connect({ port, host });
    await new Promise<void>((res, rej) => {
      sock.once('connect', res);
      sock.once('error', rej);
    });
    const c = new NatsMini(sock);
    const opts = { verbose: false, pedantic: false, tls_required: false, name, lang: 'node', version: '0.0.0', protocol: 1, headers: false, no_responders: false };
    sock.write(`CONNECT ${JSON.stringify(opts)}\r\n`);
    await c.flush();
    return c;
  }

  /** PING, resolved at its PONG: everything written before it was processed by the server. Rejects if the connection closes first. */
  flush(): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (this.sock.destroyed) return Promise.reject(new Error('nats: connection closed'));
    const pong = new Promise<void>((r) => {
      this.pongs.push(r);
      this.sock.write('PING\r\n');
    });
    return Promise.race([pong, this.closed.then((e) => Promise.reject(e ?? new Error('nats: connection closed')))]);
  }

  subscribe(subject: string, cb: (m: NatsMsg) => void): number {
    const sid = this.nextSid++;
    this.subs.set(sid, cb);
    this.sock.write(`SUB ${subject} ${sid}\r\n`);
    return sid;
  }

  unsubscribe(sid: number): void {
    this.subs.delete(sid);
    this.sock.write(`UNSUB ${sid}\r\n`);
  }

  /** PUB (past the socket's buffer, wait for drained() before more: back-pressure). */
  publish(subject: string, data: Uint8Array, reply?: string): void {
    const head = reply === undefined ? `PUB ${subject} ${data.length}\r\n` : `PUB ${subject} ${reply} ${data.length}\r\n`;
    // what is written in one tick leaves in one write, as the official client's outbound buffer (and
    // MQTT.js's cork until nextTick) do: a PUB per write() would be a syscall per message
    if (this.sock.writableCorked === 0) {
      this.sock.cork();
      process.nextTick(() => this.sock.uncork());
    }
    this.sock.write(Buffer.concat([Buffer.from(head), data, CRLF]));
  }

  /** Resolves once the socket's write buffer has drained (at once if it is not full). */
  drained(): Promise<void> {
    if (!this.sock.writableNeedDrain) return Promise.resolve();
    return new Promise((r) => this.sock.once('drain', r));
  }

  /** PUB with a reply subject of the one inbox subscription; the first reply, or a rejection after timeoutMs. */
  request(subject: string, data: Uint8Array, timeoutMs = 5000): Promise<NatsMsg> {
    if (this.error) return Promise.reject(this.error);
    if (this.inbox === undefined) {
      this.inbox = `_INBOX.${Math.random().toString(36).slice(2, 12)}`;
      this.subscribe(`${this.inbox}.*`, (m) => {
        const r = this.requests.get(m.subject);
        this.requests.delete(m.subject);
        r?.(m);
      });
    }
    const reply = `${this.inbox}.${this.nextReq++}`;
    return new Promise((res, rej) => {
      const t = setTimeout(() => {
        this.requests.delete(reply);
        rej(new Error(`nats: no reply to ${subject} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.requests.set(reply, (m) => {
        clearTimeout(t);
        res(m);
      });
      this.publish(subject, data, reply);
    });
  }

  close(): void {
    this.sock.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (;;) {
      const eol = this.buf.indexOf(CRLF);
      if (eol < 0) return;
      const line = this.buf.toString('latin1', 0, eol);
      if (line.startsWith('MSG ')) {
        // MSG <subject> <sid> [reply-to] <#bytes>
        const parts = line.split(' ');
        const n = Number(parts[parts.length - 1]);
        if (this.buf.length < eol + 2 + n + 2) return; // payload not complete yet
        const data = this.buf.subarray(eol + 2, eol + 2 + n);
        const sid = Number(parts[2]);
        const msg: NatsMsg = { subject: parts[1]!, sid, reply: parts.length === 5 ? parts[3] : undefined, data };
        this.buf = this.buf.subarray(eol + 2 + n + 2);
        this.subs.get(sid)?.(msg);
        continue;
      }
      this.buf = this.buf.subarray(eol + 2);
      if (line === 'PING') this.sock.write('PONG\r\n');
      else if (line === 'PONG') this.pongs.shift()?.();
      else if (line.startsWith('-ERR')) this.error = new Error(`nats: ${line}`);
      // INFO and +OK: nothing to do
    }
  }
}

export function findNatsServer(): string | undefined {
  for (const c of [process.env['NATS_SERVER_BIN'], '/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server']) {
    if (c === undefined) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export interface NatsServer {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * nats-server with its defaults on a free 127.0.0.1 port (no monitoring port, no cluster); with
 * `jetStreamDir`, JetStream enabled (-js) with its defaults, storing there (-sd).
 */
export async function startNatsServer(o: { jetStreamDir?: string } = {}): Promise<NatsServer> {
  const bin = findNatsServer();
  if (bin === undefined) throw new Error('nats-server not found (set NATS_SERVER_BIN)');
  const port = await freeTcpPort();
  const js = o.jetStreamDir === undefined ? [] : ['-js', '-sd', o.jetStreamDir];
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), ...js], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const kill = (): boolean => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitForTcp(port, 5000, '127.0.0.1', () => (child.exitCode !== null ? new Error(`nats-server exited (${child.exitCode}): ${stderr}`) : undefined));
  await sleep(50);
  return {
    port,
    pid: child.pid!,
    async stop() {
      process.removeListener('exit', kill);
      child.kill('SIGTERM');
      const t = setTimeout(kill, 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

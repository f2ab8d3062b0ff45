/**
 * An aedes MQTT broker (in-memory persistence, aedes defaults) behind a node:net server on a free
 * loopback port, for the MQTT peer benchmarks, the demo and broker tests.
 *
 * - startAedes(): in this process. Cheap to start and what tests use; in a bench the broker then
 *   shares this process's event loop (and core) with the load-generating clients.
 * - startAedesProcess(): the same broker in a child process (this file run with tsx), so the broker
 *   gets its own event loop like mosquitto does; that is how shared/reference/baselines.md measured it.
 *
 * `noDelay` sets TCP_NODELAY on the broker's accepted sockets (aedes itself never does; Node's
 * net.Server default is Nagle on).
 */
import { Aedes } from 'aedes';
import { fork } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withTimeout } from './util.js';

export interface AedesOptions {
  /** TCP_NODELAY on accepted sockets (default false) */
  noDelay?: boolean;
  /** default 0: the OS picks a free port */
  port?: number;
}

export interface AedesBroker {
  readonly host: string;
  readonly port: number;
  /** 'in-process' or the child's pid */
  readonly where: 'in-process' | number;
  /** closes the broker, its clients and the listening socket (or ends the child). Idempotent. */
  stop(): Promise<void>;
}

/** An aedes broker in this process. */
export async function startAedes(opts: AedesOptions = {}): Promise<AedesBroker> {
  const broker = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: opts.noDelay ?? false }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  // a client that resets mid-run must not take the bench down
  broker.on('clientError', () => {});
  broker.on('connectionError', () => {});
  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.removeListener('error', rej);
        res();
      });
    });
  } catch (e) {
    await new Promise<void>((r) => broker.close(() => r()));
    throw e;
  }
  const addr = server.address();
  if (addr === null || typeof addr !== 'object') throw new Error('aedes: no listening address');

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      const serverClosed = new Promise<void>((r) => server.close(() => r()));
      await withTimeout(new Promise<void>((r) => broker.close(() => r())), 3000, 'aedes close').catch(() => {});
      for (const s of sockets) s.destroy();
      await withTimeout(serverClosed, 3000, 'aedes server close').catch(() => {});
    })());
  return { host: '127.0.0.1', port: addr.port, where: 'in-process', stop };
}

const SELF = fileURLToPath(import.meta.url);

/** The same broker in a child process (node --import tsx this-file). Resolves once it listens. */
export async function startAedesProcess(opts: AedesOptions = {}, startTimeoutMs = 15_000): Promise<AedesBroker> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(SELF, ['--serve-aedes', JSON.stringify(opts)], {
    execArgv: ['--import', tsx],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const exitP = new Promise<void>((r) => child.once('exit', () => r()));
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      process.removeListener('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exitP;
        clearTimeout(t);
      }
    })());
  try {
    const port = await withTimeout(
      new Promise<number>((res, rej) => {
        child.once('message', (m: unknown) => {
          const p = (m as { port?: unknown }).port;
          if (typeof p === 'number') res(p);
          else rej(new Error(`aedes child: unexpected message ${JSON.stringify(m)}`));
        });
        child.once('error', rej);
        child.once('exit', (code, sig) => rej(new Error(`aedes child exited before listening (code ${code}, signal ${sig})`)));
      }),
      startTimeoutMs,
      'aedes child start',
    );
    return { host: '127.0.0.1', port, where: child.pid!, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

// Child entry: node --import tsx bench/peers/aedes.ts --serve-aedes '{"noDelay":true}'
if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF && process.argv[2] === '--serve-aedes') {
  const opts = JSON.parse(process.argv[3] ?? '{}') as AedesOptions;
  const b = await startAedes(opts);
  const quit = () => void b.stop().finally(() => process.exit(0));
  process.once('SIGTERM', quit);
  process.once('SIGINT', quit);
  process.once('disconnect', quit); // the parent went away
  process.send?.({ port: b.port });
}

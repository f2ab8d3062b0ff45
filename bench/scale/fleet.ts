/**
 * The device workers of bench/scale.ts and bench/idle.ts: each a forked bench/scale/worker.ts
 * holding devices [from, to) of one run, spoken to over IPC (protocol.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sleep } from '../peers/util.js';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Worker {
  readonly child: ChildProcess;
  next(): Promise<FromWorker>;
  tell(m: ToWorker): void;
}

export function startWorker(cfg: WorkerConfig): Worker {
  const child = fork(join(HERE, 'worker.ts'), [JSON.stringify(cfg)], { execArgv: ['--import', TSX], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  const queue: FromWorker[] = [];
  const waiting: Array<(m: FromWorker) => void> = [];
  child.on('message', (m: FromWorker) => (waiting.length > 0 ? waiting.shift()!(m) : queue.push(m)));
  return {
    child,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))),
    tell: (m) => void child.send(m),
  };
}

export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`${what}: nothing after ${ms} ms`)))]);
}


/** Starts `k` workers holding devices [0, n) between them in equal runs, each with `base` otherwise. */
export function startWorkers(base: Omit<WorkerConfig, 'from' | 'to'>, n: number, k: number): Worker[] {
  const per = Math.ceil(n / k);
  return Array.from({ length: k }, (_, w) => startWorker({ ...base, from: w * per, to: Math.min(n, (w + 1) * per) }));
}

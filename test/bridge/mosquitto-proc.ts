/**
 * The mosquitto binary for the bridge tests: its own config and directory on a free loopback port
 * (never the system's :1883), restartable on the same port and state (kill -9 tests). With
 * `persist`, mosquitto saves its state after every change (autosave_on_changes, interval 1), so a
 * kill -9 keeps the sessions and queued messages it acknowledged: the broker's own losses are not
 * mistaken for the bridge's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMosquitto } from '../../bench/peers/mosquitto.js';
import { freeTcpPort, waitForTcp } from '../../bench/peers/util.js';

export const MOSQUITTO = findMosquitto();

export class Mosquitto {
  readonly dir = mkdtempSync(join(tmpdir(), 'sw-mosq-'));
  child: ChildProcess | undefined;
  private constructor(readonly port: number, private readonly persist: boolean) {
    chmodSync(this.dir, 0o777); // mosquitto started as root drops to its own user, which must write here
  }

  static async start(persist = false): Promise<Mosquitto> {
    const m = new Mosquitto(await freeTcpPort(), persist);
    await m.run();
    return m;
  }

  async run(): Promise<void> {
    const conf = [
      `listener ${this.port} 127.0.0.1`,
      'allow_anonymous true',
      'sys_interval 0',
      'log_dest stderr',
      'log_type error',
      'max_queued_messages 100000',
      ...(this.persist ? ['persistence true', `persistence_location ${this.dir}/`, 'autosave_on_changes true', 'autosave_interval 1'] : ['persistence false']),
    ].join('\n');
    writeFileSync(join(this.dir, 'mosquitto.conf'), conf + '\n');
    const c = spawn(MOSQUITTO!, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
    this.child = c;
    await waitForTcp(this.port, 5000);
  }

  /** SIGKILL, and waits for the exit. */
  async kill9(): Promise<void> {
    const c = this.child;
    if (c === undefined || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    await this.kill9();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `saltwire conformance vectors --adapter "<command>"`: runs the conformance kit (conformance/kit/,
 * conformance/README.md "Writing an adapter") against an implementation's adapter;
 * `saltwire conformance coverage`: the spec's MUST statements cited by vectors, scenarios and tests. Thin: the kit is
 * loaded from the source checkout, next to the vectors it runs; an installed package has no kit.
 * @module
 */
import { EXIT, type Command } from '../command.js';

interface Kit {
  runKit(
    a: { mode: string; adapter: string | undefined; json: string | undefined; junit: string | undefined; html?: string | undefined; vectors: string | undefined; files: string[] | undefined; timeoutMs: number | undefined; verbose: boolean; floor?: number | undefined; runs?: number | undefined; seed?: number | undefined; out?: string | undefined; target?: string | undefined; role?: string | undefined; keyFile?: string | undefined; siteFile?: string | undefined; id?: string | undefined; targetId?: string | undefined; listen?: string | undefined; restartCommand?: string | undefined; dropsCommand?: string | undefined; strict?: boolean },
    io: { out(l: string): void; err(l: string): void },
  ): Promise<number>;
}

export const conformance: Command = {
  spec: {
    name: 'conformance',
    summary: 'check an implementation: conformance vectors|property --adapter "<command>", conformance live --target udp://HOST:PORT',
    positional: { name: 'MODE', help: 'vectors: every vector file through the adapter; property: generated operations, the adapter against the SDK; live: the runner as a peer of a running implementation over UDP; coverage: spec ids cited by vectors, scenarios, tests' },
    flags: {
      '--adapter': { value: 'COMMAND', help: 'the adapter command (run with sh -c): JSON operations on stdin, replies on stdout' },
      '--json': { value: 'FILE', help: 'write the JSON report there' },
      '--junit': { value: 'FILE', help: 'write a JUnit XML report there' },
      '--html': { value: 'FILE', help: 'write a self-contained HTML report there (matrix, failures with spec text and bytes)' },
      '--vectors': { value: 'DIR', help: 'the vector directory (default conformance/vectors)' },
      '--only': { value: 'NAMES', help: 'comma-separated vector file names to run (live: check names)' },
      '--timeout': { value: 'MS', help: 'how long the whole run may take (default 120000)' },
      '--verbose': { help: 'list every failure, not the first 20 (coverage: list the uncovered MUST statements)' },
      '--runs': { value: 'N', help: 'property: generated cases per property (default 200)' },
      '--seed': { value: 'N', help: 'property: the seed, to replay a run' },
      '--out': { value: 'DIR', help: 'property: where counterexamples are written as vector files (default counterexamples/)' },
      '--floor': { value: 'PERCENT', help: 'coverage: fail below this share of MUST statements covered (default the kit\'s floor)' },
      '--target': { value: 'udp://HOST:PORT', help: 'live: the running implementation' },
      '--role': { value: 'ROLE', help: 'live: what the target is, hub (default: the runner plays devices) or device (the runner plays its hub)' },
      '--key-file': { value: 'FILE', help: 'live: the pair key of the runner\'s id and the target (64 hex characters)' },
      '--site-file': { value: 'FILE', help: 'live: the site key, from which the runner derives its keys (and plays two devices)' },
      '--id': { value: 'ID', help: 'live: the runner\'s node id (default live-a against a hub, hub against a device)' },
      '--target-id': { value: 'ID', help: 'live: the target\'s node id (default hub; required for a device)' },
      '--listen': { value: 'HOST:PORT', help: 'live, a device target: where the runner\'s hub listens (the address the device sends to)' },
      '--restart-command': { value: 'COMMAND', help: 'live: restarts the target (sh -c) and returns once it runs again; enables the restart checks' },
      '--drops-command': { value: 'COMMAND', help: 'live: prints the target\'s drop counters as a JSON object {REASON: count}; drops are then checked for their reason' },
      '--strict': { help: 'SHOULD-level checks fail instead of passing as NON-STRICT (all modes)' },
    },
    notes: 'exit codes: 0 every supported test passed (coverage: at or above the floor), 1 a failure (or a usage error), 127 the adapter supports nothing.',
  },
  async run(flags, io) {
    let kit: Kit;
    try {
      // A computed URL: the build (src only) does not pull the kit in; tsx maps .js to .ts in a checkout.
      kit = (await import(new URL('../../../conformance/kit/cli.js', import.meta.url).href)) as Kit;
    } catch (e) {
      io.err(`saltwire conformance: the kit is in the source repository (conformance/kit): ${(e as Error).message}`);
      return EXIT.ERROR;
    }
    const only = flags.string('--only');
    const timeout = flags.string('--timeout');
    const floor = flags.string('--floor');
    return kit.runKit(
      {
        mode: flags.positional() ?? 'vectors',
        adapter: flags.string('--adapter'),
        json: flags.string('--json'),
        junit: flags.string('--junit'),
        html: flags.string('--html'),
        vectors: flags.string('--vectors'),
        files: only === undefined ? undefined : only.split(','),
        timeoutMs: timeout === undefined ? undefined : Number(timeout),
        verbose: flags.bool('--verbose'),
        floor: floor === undefined ? undefined : Number(floor),
        runs: flags.string('--runs') === undefined ? undefined : Number(flags.string('--runs')),
        seed: flags.string('--seed') === undefined ? undefined : Number(flags.string('--seed')),
        out: flags.string('--out'),
        target: flags.string('--target'),
        role: flags.string('--role'),
        keyFile: flags.string('--key-file'),
        siteFile: flags.string('--site-file'),
        id: flags.string('--id'),
        targetId: flags.string('--target-id'),
        listen: flags.string('--listen'),
        restartCommand: flags.string('--restart-command'),
        dropsCommand: flags.string('--drops-command'),
        strict: flags.bool('--strict'),
      },
      io,
    );
  },
};

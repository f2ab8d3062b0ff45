/**
 * Whether the C device's tests can build here: the tools named (default cc and make) on PATH and
 * libsodium's headers and library. Returns why not (with the Debian packages that fix it), or
 * undefined. CI installs them (.ci/run); elsewhere the C tests skip, saying why.
 */
import { execFileSync } from 'node:child_process';

export function cToolchainMissing(tools: readonly string[] = ['cc', 'make']): string | undefined {
  for (const tool of tools) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (Debian: apt-get install -y gcc make libsodium-dev)`;
    }
  }
  try {
    execFileSync('sh', ['-c', 'printf "#include <sodium.h>\\nint main(void){return sodium_init();}" | cc -x c - -o /dev/null -lsodium'], { stdio: 'ignore' });
  } catch {
    return 'libsodium is not installed (Debian: apt-get install -y libsodium-dev)';
  }
  return undefined;
}

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (f: string): string => fileURLToPath(new URL(`./src/${f}`, import.meta.url));

export default defineConfig({
  // examples and documentation import the package by name, as its users do (tsconfig.json paths)
  resolve: {
    alias: [
      { find: /^saltwire$/, replacement: src('index.ts') },
      { find: /^saltwire\/core$/, replacement: src('core.ts') },
      { find: /^saltwire\/internals$/, replacement: src('internals.ts') },
      { find: /^saltwire\/bridge$/, replacement: src('bridge/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // vitest's default on a 2-core machine is one worker (cores - 1); most long files here wait on real
    // time (process restarts, outages, freezes), so two run side by side and CI stays well under 15 min
    maxWorkers: 2,
    hookTimeout: 60_000,
  },
});

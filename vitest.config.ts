import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` is `npm test` (every file but the end-to-end ones, a few minutes on 2 cores);
 * `e2e` holds the heavy end-to-end files (*.e2e.test.ts: sharding whole suites, the USE Lite port
 * against its reference, installing the packed tarball). `npm run test:all` runs both, as CI does.
 */
export default defineConfig({
  test: {
    // Child processes, not vm isolation: onnxruntime-node's typed arrays break under vm realms.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.e2e.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'], testTimeout: 600_000, hookTimeout: 600_000 } },
    ],
  },
});

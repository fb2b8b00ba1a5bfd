import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Child processes, not vm isolation: onnxruntime-node's typed arrays break under vm realms.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests spawn node processes and the kernels use both cores; parallel files only contend.
    fileParallelism: false,
    testTimeout: 60_000,
  },
});

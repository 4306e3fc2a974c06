import { defineConfig } from 'vitest/config';

// test/standalone: pure TS; test/native: addon + synthetic models; test/model: real tiny models from
// ../shared/models. Native and model files run in forks so a native crash cannot take the runner down.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});

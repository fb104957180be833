import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    // The tests' own Kafka clients run with the same kafkajs fix as the product's (src/kafka/requestQueue.ts).
    setupFiles: ['src/kafka/requestQueue.ts'],
    // chDB allows one data directory per process: each test file gets its own process.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});

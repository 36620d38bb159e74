import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that load the machine on purpose (decompression bombs, 32 concurrent hostile requests, GBs
 * of allocation refused): run on their own after the rest (`npm test` runs both), so they never
 * share the 2 cores with the hot path's timing tests.
 */
const HEAVY = ['test/unit/collector/hostile.test.ts'];
const heavyOnly = process.env.CC_OTEL_TESTS === 'heavy';

export default defineConfig({
  test: {
    include: heavyOnly ? HEAVY : ['test/**/*.test.ts'],
    exclude: heavyOnly ? configDefaults.exclude : [...configDefaults.exclude, ...HEAVY],
    // e2e files drive the real Claude Code binary: give them room, and keep the 2-core CI machine
    // from running too many at once.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
  },
});

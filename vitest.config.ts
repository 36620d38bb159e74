import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that load the machine on purpose (decompression bombs, 32 concurrent hostile requests, GBs
 * of allocation refused): run on their own after the rest (`npm test` runs both), so they never
 * share the 2 cores with the hot path's timing tests.
 */
const HEAVY = ['test/unit/collector/hostile.test.ts'];
const heavyOnly = process.env.CC_OTEL_TESTS === 'heavy';
const include = heavyOnly ? HEAVY : ['test/**/*.test.ts'];
const exclude = heavyOnly ? configDefaults.exclude : [...configDefaults.exclude, ...HEAVY];
/** What runs the installed package (test/helpers/artifact-setup.ts); everything else runs the sources. */
const ARTIFACT = ['test/cli/**/*.test.ts', 'test/e2e/**/*.test.ts'];

export default defineConfig({
  test: {
    // e2e files drive the real Claude Code binary: give them room, and keep the 2-core CI machine
    // from running too many at once.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
    // Two projects so that only a run with a CLI or e2e file pays for `npm pack` + install: vitest
    // runs a project's globalSetup only when that project has test files in the run.
    projects: [
      { extends: true, test: { name: 'unit', include, exclude: [...exclude, ...ARTIFACT] } },
      ...(heavyOnly ? [] : [{ extends: true, test: { name: 'artifact', include: ARTIFACT, exclude, globalSetup: ['test/helpers/artifact-setup.ts'] } }]),
    ],
  },
});

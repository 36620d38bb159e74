// A minimal CLI with just the collect/report commands, bundled by the detach test (the real
// program.ts is assembled elsewhere): `node cli.mjs collect …`.
import { Command } from 'commander';
import { processContext } from '../../../src/context.js';
import { define as defineCollect } from '../../../src/commands/collect.js';
import { define as defineReport } from '../../../src/commands/report.js';

const program = new Command('cc-otel');
program.exitOverride();
defineCollect(program, () => processContext());
defineReport(program, () => processContext());
try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`cc-otel: ${(e as Error).message}\n`);
  process.exitCode = 2;
}

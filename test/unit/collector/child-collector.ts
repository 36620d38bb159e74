// Entry of a collector in a child process (durability and hostile-input tests): prints its ports,
// then serves until killed. argv: <dataDir> [JSON of extra CollectorOptions].
import { startCollector } from '../../../src/collector/collector.js';

const extra = process.argv[3] ? (JSON.parse(process.argv[3]) as Record<string, unknown>) : {};
const c = await startCollector({ dataDir: process.argv[2]!, httpPort: 0, grpcPort: null, ...extra });
process.stdout.write(`${JSON.stringify({ port: c.httpPort, grpcPort: c.grpcPort ?? null, pid: process.pid })}\n`);

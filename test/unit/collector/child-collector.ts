// Entry of a collector in a child process (durability test): prints its port, then serves until killed.
import { startCollector } from '../../../src/collector/collector.js';

const c = await startCollector({ dataDir: process.argv[2]!, httpPort: 0, grpcPort: null });
process.stdout.write(`${JSON.stringify({ port: c.httpPort, pid: process.pid })}\n`);

/**
 * Bundles the `faultline` binary (`npm run build` runs this after tsc): the CLI that tsc compiled into dist/, into
 * dist/bin/, so that a command loads a few files rather than some three hundred modules (Node 20's module loader
 * costs about 0.4 ms a file). Each lazily imported part (a command, a model family, the report code) stays a chunk
 * of its own, so a command still loads only what it uses. The packages on the start-up path go in; the others
 * (a native module, the Redis client, worker pools) stay external, loaded from node_modules.
 */
import { build } from 'rolldown';

const EXTERNAL_PACKAGES = new Set(['better-sqlite3', 'bullmq', 'ioredis', 'piscina']);

const packageOf = (id) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]);
const isPackage = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('node:');

await build({
  input: { faultline: 'dist/cli/main.js', 'render-worker': 'dist/cli/render-worker.js' },
  platform: 'node',
  logLevel: 'warn',
  external: (id, _importer, isResolved) => !isResolved && isPackage(id) && EXTERNAL_PACKAGES.has(packageOf(id)),
  output: { dir: 'dist/bin', format: 'esm', sourcemap: true, cleanDir: true },
});

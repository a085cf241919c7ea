/**
 * Generating feed-scale's follower graph: 10^6 users following 25 accounts
 * each on average (about 25 million follows, power-law follower counts with
 * α = 2.3), timed from parsed parameters to both CSR directions; then what
 * the report does with it (in-degree counts and the Clauset–Shalizi–Newman
 * fit). Run alone: npx tsx -e "import('./bench/social-graph.ts').then((m) => m.socialGraphBenchmarks(() => {}, () => {}))"
 */
import { deriveStream } from '../engine/index.js';
import { generateSocialGraph } from '../models/feed/social-graph-generator.js';
import { socialGraphParams } from '../models/feed/social-graph-params.js';
import { edgeCount } from '../models/parts/social-graph.js';
import { inDegreeCounts } from '../reports/feed/degree-distribution.js';
import { fitPowerLaw } from '../reports/feed/power-law-fit.js';
import { heldMemory } from './held-memory.js';

type RecordFigure = (name: string, value: number, unit: string) => void;

export function socialGraphBenchmarks(
  higher: RecordFigure,
  lower: RecordFigure,
  users = 1_000_000,
  meanFollows = 25,
): void {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  console.log(`\nSocial graph: ${fmt(users)} users, ${meanFollows} follows each on average, α = 2.3\n`);
  const params = socialGraphParams.parse({ users, meanFollows, exponent: 2.3 });
  const before = heldMemory();
  let started = performance.now();
  const cpuBefore = process.cpuUsage();
  const graph = generateSocialGraph(params, deriveStream(1, 'feed', 'social-graph'));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // On a shared machine the wall time includes waiting for a core; the CPU time does not.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const after = heldMemory();
  const edges = edgeCount(graph);
  started = performance.now();
  const fit = fitPowerLaw(inDegreeCounts(graph));
  const fitMs = performance.now() - started;
  const heldArrays = after.arrayBuffers - before.arrayBuffers;
  console.log(
    `  generated                 ${seconds.toFixed(2)} s (${cpuSeconds.toFixed(2)} s of CPU), ${fmt(edges)} follows`,
  );
  console.log(`  rate                      ${fmt(edges / seconds)} edges/s`);
  console.log(
    `  held after a GC           ${mib(heldArrays)} in typed arrays (${(heldArrays / edges).toFixed(1)} bytes a follow), heap ${mib(after.heapUsed - before.heapUsed)}`,
  );
  console.log(`  peak RSS of the process   ${mib(process.resourceUsage().maxRSS * 1024)}`);
  console.log(
    `  in-degree counts and fit  ${fitMs.toFixed(0)} ms: α = ${fit?.exponent.toFixed(3)} above x_min = ${fit?.xMin} (±${fit?.standardError.toFixed(3)})`,
  );
  higher('social graph: generation, 1M users', edges / seconds, 'edges/s');
  lower('social graph: held, 1M users', heldArrays / 2 ** 20, 'MiB');
  lower('social graph: power-law fit, 1M users', fitMs, 'ms');
  console.log(`
Target:
  ${seconds < 5 ? 'met    ' : 'MISSED '} a million users' graph generated in under 5 s`);
}

/**
 * `npm run bench`: every benchmark in one run, so figures and ratios are
 * measured side by side on the same machine state. `-- --check` then compares
 * the figures with those recorded for this machine in bench/figures.json
 * (exit 1 on a drop of more than 25%); `-- --record` records them.
 */
import { join } from 'node:path';
import {
  checkFigures,
  measureDropsAgain,
  machineFingerprint,
  readFiguresFile,
  recordFigures,
  writeFiguresFile,
  type Figure,
} from './figures.js';
import { campaignBenchmarks, storeBenchmarks } from './campaigns.js';
import { formatHoldTable, holdBenchmarks } from './hold.js';
import { checkerBenchmarks } from './linearizability.js';
import { inFreshProcess } from './in-fresh-process.js';
import { MM1_WAYS, type Mm1Figure } from './mm1-comparison.js';
import { SIMULATIONS, type MillionNodeFigures, type SimulationFigure } from './simulations.js';
import { formatStartup, startupBenchmarks } from './startup.js';
import type { TracingFigure } from './tracing.js';

const FIGURES_FILE = join(import.meta.dirname, 'figures.json');
const SIMULATIONS_MODULE = new URL('./simulations.ts', import.meta.url);
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--check' && a !== '--record');
if (unknown.length > 0) {
  console.error(`npm run bench: unknown argument ${unknown.join(' ')}; use -- --check or -- --record`);
  process.exit(2);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const started = performance.now();
const figures: Figure[] = [];
const higher = (name: string, value: number, unit: string) => figures.push({ name, value, unit, better: 'higher' });
const lower = (name: string, value: number, unit: string) => figures.push({ name, value, unit, better: 'lower' });
/** Figures that can be measured again on their own, by name: `--check` measures a dropped one again before failing. */
const measureAgain = new Map<string, () => Promise<number>>();
/** The same measurement for several figures is made again once. */
const once = <T>(measure: () => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => (made ??= measure());
};

console.log('Start-up of the built CLI, spawned, median of 9 (run: of 5)\n');
const startup = startupBenchmarks();
console.log(formatStartup(startup));
// node's own start is the yardstick, not a figure of faultline's.
const startupAgain = once(async () => startupBenchmarks());
for (const f of startup.slice(1)) {
  lower(`start-up: ${f.name}`, f.medianMs, 'ms');
  measureAgain.set(`start-up: ${f.name}`, async () => (await startupAgain()).find((g) => g.name === f.name)!.medianMs);
}
console.log();

console.log('Hold model: pop one event, push one at t + Exp(1 ms), at a steady number of pending events\n');
const hold = await holdBenchmarks();
console.log(formatHoldTable(hold));
for (const r of hold) higher(`hold ${r.queue} at ${r.pending.toExponential(0)} pending`, r.opsPerSec, 'events/s');

const typedAt = (n: number) => hold.find((r) => r.queue === 'typed' && r.pending === n);
const targets: [string, boolean | undefined][] = [
  ['typed queue >= 4M events/s at 1e4 pending', typedAt(1e4) && typedAt(1e4)!.opsPerSec >= 4e6],
  ['typed queue >= 1M events/s at 1e6 pending', typedAt(1e6) && typedAt(1e6)!.opsPerSec >= 1e6],
  ['typed queue >= 2.5x heap-js at 1e5 pending', typedAt(1e5) && typedAt(1e5)!.vsHeap! >= 2.5],
];
console.log('\nTargets:');
for (const [name, met] of targets)
  console.log(`  ${met === undefined ? 'not measured' : met ? 'met    ' : 'MISSED '} ${name}`);

console.log("\nWhole simulations (steady state), each in a process of its own as a user's run is\n");
const whole: SimulationFigure[] = [];
for (const name of SIMULATIONS) {
  const measure = () => inFreshProcess<SimulationFigure>(SIMULATIONS_MODULE, 'simulationBenchmark', name);
  const f = await measure();
  whole.push(f);
  const again = once(measure);
  measureAgain.set(f.name, async () => (await again()).eventsPerSec);
  if (f.extra) measureAgain.set(`${f.name}: ${f.extra.label}`, async () => (await again()).extra!.perSec);
  const extra = f.extra ? `   ${fmt(f.extra.perSec)} ${f.extra.label}` : '';
  console.log(`  ${f.name.padEnd(48)} ${fmt(f.eventsPerSec).padStart(11)} events/s${extra}`);
  higher(f.name, f.eventsPerSec, 'events/s');
  if (f.extra) higher(`${f.name}: ${f.extra.label}`, f.extra.perSec, f.extra.label);
}
const digested = whole.find((f) => f.name.endsWith('digested'));
const undigested = whole.find((f) => f.name.endsWith('digest off'));
if (digested && undigested) {
  const cost = 1 - digested.eventsPerSec / undigested.eventsPerSec;
  console.log(
    `\n  payload digest in the trace hash costs ${(cost * 100).toFixed(1)}% of the object ping-pong's events/s`,
  );
}
const balanced = whole.find((f) => f.name.startsWith('clients -> balancer'));
const regional = whole.find((f) => f.name.startsWith('regional-partition'));
const messaging = whole.find((f) => f.name.startsWith('producers -> replicated log'));
const verdict = (f: { eventsPerSec: number } | undefined, target: number) =>
  f === undefined ? 'not measured' : f.eventsPerSec >= target ? 'met    ' : 'MISSED ';
console.log(`
Targets:
  ${verdict(balanced, 3e6)} load-balanced request path >= 3M events/s
  ${verdict(regional, 3.5e6)} regional-partition >= 3.5M events/s
  ${verdict(messaging, 1e6)} producer -> broker -> consumer group >= 1M events/s`);
const cached = whole.find((f) => f.name.startsWith('clients -> cache tier'));
console.log(`  ${verdict(cached, 1e6)} cache-fronted request path (clients -> cache tier -> database) >= 1M events/s`);

console.log('\nTracing on the load-balanced request path, side by side\n');
const tracing = await inFreshProcess<TracingFigure[]>(new URL('./tracing.ts', import.meta.url), 'tracingBenchmarks');
const traceOff = tracing[0].eventsPerSec;
for (const f of tracing) {
  const lines = f.linesPerSec === undefined ? '' : `   ${fmt(f.linesPerSec)} lines/s`;
  const ratio = f === tracing[0] ? '' : `   ${(f.eventsPerSec / traceOff).toFixed(3)}x trace off`;
  console.log(`  ${f.name.padEnd(48)} ${fmt(f.eventsPerSec).padStart(11)} events/s${ratio}${lines}`);
  higher(`tracing: ${f.name}`, f.eventsPerSec, 'events/s');
}

console.log('\nA million nodes (ping-pong, one message in flight each)\n');
const measureMillion = () => inFreshProcess<MillionNodeFigures>(SIMULATIONS_MODULE, 'millionNodeBenchmark');
const million = await measureMillion();
const millionAgain = once(measureMillion);
measureAgain.set('million nodes: build', async () => (await millionAgain()).buildSeconds);
measureAgain.set('million nodes: held', async () => (await millionAgain()).heldBytes / 2 ** 20);
measureAgain.set('million nodes: steady state', async () => (await millionAgain()).eventsPerSec);
const mib = million.heldBytes / 2 ** 20;
console.log(`  built (nodes added)       ${million.buildSeconds.toFixed(2)} s`);
console.log(`  started (first pings)     ${million.startSeconds.toFixed(2)} s`);
console.log(
  `  held after a GC           ${mib.toFixed(0)} MiB (${(million.heldBytes / million.nodes).toFixed(0)} bytes a node)`,
);
console.log(`  steady state              ${fmt(million.eventsPerSec)} events/s with ${fmt(million.pending)} pending`);
lower('million nodes: build', million.buildSeconds, 's');
lower('million nodes: held', mib, 'MiB');
higher('million nodes: steady state', million.eventsPerSec, 'events/s');
console.log(`
Targets:
  ${million.buildSeconds < 1 ? 'met    ' : 'MISSED '} a million nodes built in under 1 s
  ${mib < 512 ? 'met    ' : 'MISSED '} held in under 512 MiB
  ${million.eventsPerSec >= 0.8e6 ? 'met    ' : 'MISSED '} >= 0.8M events/s with a million pending`);

console.log('\nM/M/1 at rho 0.8 three ways, in completed customers per second\n');
const mm1: Mm1Figure[] = [];
for (const name of MM1_WAYS) {
  const measure = () => inFreshProcess<Mm1Figure>(new URL('./mm1-comparison.ts', import.meta.url), 'mm1Way', name);
  const f = await measure();
  mm1.push(f);
  measureAgain.set(`M/M/1: ${f.name}`, async () => (await measure()).customersPerSec);
  const sojourn = f.meanSojournMs === undefined ? '' : `   mean time in system ${f.meanSojournMs.toFixed(3)} ms`;
  console.log(`  ${f.name.padEnd(48)} ${fmt(f.customersPerSec).padStart(11)} customers/s${sojourn}`);
  higher(`M/M/1: ${f.name}`, f.customersPerSec, 'customers/s');
}
const [bare, simpyStyle, faultline] = mm1.map((f) => f.customersPerSec);
console.log(
  `\n  faultline / bare ${(faultline / bare).toFixed(3)}x   faultline / SimPy-style ${(faultline / simpyStyle).toFixed(2)}x   SimPy-style / bare ${(simpyStyle / bare).toFixed(3)}x`,
);
console.log(`
Target:
  ${faultline >= 1.3e6 ? 'met    ' : 'MISSED '} mm1 scenario >= 1.3M completed customers/s with full metrics`);

console.log('\nLinearizability checker on the Jepsen histories (parsing included)\n');
const checks = await checkerBenchmarks();
for (const c of checks) {
  const slowest = c.slowestMs === undefined ? '' : `   slowest single log ${c.slowestMs.toFixed(1)} ms`;
  console.log(`  ${c.name.padEnd(48)} ${c.meanMs.toFixed(1).padStart(9)} ms${slowest}`);
  lower(`checker: ${c.name}`, c.meanMs, 'ms');
}
const etcd = checks.find((c) => c.name.startsWith('all'));
const c50 = checks.filter((c) => c.name.includes('c50'));
console.log(`
Targets:
  ${etcd?.slowestMs === undefined ? 'not measured' : etcd.slowestMs < 1000 ? 'met    ' : 'MISSED '} every etcd log well under a second
  ${c50.length < 2 ? 'not measured' : c50.every((c) => c.meanMs < 1000) ? 'met    ' : 'MISSED '} each 50-client kv file under a second`);
console.log('\nCampaigns: a sweep of short runs (server-sizing, 5 s simulated, 21 configurations × 4 seeds)\n');
const campaign = await campaignBenchmarks();
const runsPerSec = (n: number) => `${n.toFixed(1).padStart(8)} runs/s`;
console.log(`  ${campaign.runs} runs of ${fmt(campaign.eventsPerRun)} events each`);
console.log(`  runOne in this thread                ${runsPerSec(campaign.inProcessRunsPerSec)}`);
console.log(`  pool, 1 thread                       ${runsPerSec(campaign.oneThreadRunsPerSec)}`);
console.log(`  pool, 2 threads                      ${runsPerSec(campaign.twoThreadsRunsPerSec)}`);
const speedUp = campaign.twoThreadsRunsPerSec / campaign.oneThreadRunsPerSec;
console.log(
  `  speed-up ${speedUp.toFixed(2)}x, parallel efficiency ${campaign.efficiency.toFixed(2)}; the pool adds ${campaign.poolOverheadMs.toFixed(2)} ms a run`,
);
console.log(
  `  yardstick: pure arithmetic on 2 threads runs ${campaign.arithmeticSpeedUp.toFixed(2)}x one thread here, over as long; the sweep gets ${((100 * speedUp) / campaign.arithmeticSpeedUp).toFixed(0)}% of that`,
);
const store = await storeBenchmarks();
console.log(
  `  result store: ${store.putUs.toFixed(0)} µs a put; merging ${fmt(store.runs)} runs from 4 shards ${store.mergeMs.toFixed(0)} ms`,
);
higher('campaign: pool, 1 thread', campaign.oneThreadRunsPerSec, 'runs/s');
higher('campaign: pool, 2 threads', campaign.twoThreadsRunsPerSec, 'runs/s');
lower('campaign: store put', store.putUs, 'µs');
lower('campaign: merge 10,000 runs', store.mergeMs, 'ms');
console.log(`
Target:
  ${campaign.efficiency >= 0.9 ? 'met    ' : 'MISSED '} speed-up >= 1.8x on 2 threads (efficiency >= 0.9)`);
(await import('./cache-theory.js')).cacheTheoryBenchmarks(lower);
(await import('./social-graph.js')).socialGraphBenchmarks(higher, lower);
(await import('./feed-path.js')).feedPathBenchmarks(higher, lower);
console.log(`\nNode ${process.version}, ${((performance.now() - started) / 1000).toFixed(0)} s in all`);

const fingerprint = machineFingerprint();
if (args.includes('--check')) {
  const file = readFiguresFile(FIGURES_FILE);
  const second = await measureDropsAgain(file, fingerprint, figures, measureAgain);
  const result = checkFigures(file, fingerprint, second.figures);
  console.log(`\n${[...second.lines, ...result.lines].join('\n')}`);
  process.exitCode = result.code;
}
if (args.includes('--record')) {
  writeFiguresFile(
    FIGURES_FILE,
    recordFigures(readFiguresFile(FIGURES_FILE), fingerprint, figures, process.version, new Date()),
  );
  console.log(
    `\nRecorded ${figures.length} figures for this machine (${fingerprint.cpu}, ${fingerprint.cores} cores) in bench/figures.json`,
  );
}

/**
 * `npm run bench`: every engine benchmark in one run, so figures and ratios
 * are measured side by side on the same machine state.
 */
import { formatHoldTable, holdBenchmarks } from './hold.js';
import { checkerBenchmarks } from './linearizability.js';
import { simulationBenchmarks } from './simulations.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const started = performance.now();

console.log('Hold model: pop one event, push one at t + Exp(1 ms), at a steady number of pending events\n');
const hold = await holdBenchmarks();
console.log(formatHoldTable(hold));

const typedAt = (n: number) => hold.find((r) => r.queue === 'typed' && r.pending === n);
const targets: [string, boolean | undefined][] = [
  ['typed queue >= 4M events/s at 1e4 pending', typedAt(1e4) && typedAt(1e4)!.opsPerSec >= 4e6],
  ['typed queue >= 1M events/s at 1e6 pending', typedAt(1e6) && typedAt(1e6)!.opsPerSec >= 1e6],
  ['typed queue >= 2.5x heap-js at 1e5 pending', typedAt(1e5) && typedAt(1e5)!.vsHeap! >= 2.5],
];
console.log('\nTargets:');
for (const [name, met] of targets)
  console.log(`  ${met === undefined ? 'not measured' : met ? 'met    ' : 'MISSED '} ${name}`);

console.log('\nWhole simulations (steady state)\n');
const whole = await simulationBenchmarks();
for (const f of whole) {
  const extra = f.extra ? `   ${fmt(f.extra.perSec)} ${f.extra.label}` : '';
  console.log(`  ${f.name.padEnd(48)} ${fmt(f.eventsPerSec).padStart(11)} events/s${extra}`);
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
console.log(`
Target:
  ${balanced === undefined ? 'not measured' : balanced.eventsPerSec >= 1e6 ? 'met    ' : 'MISSED '} load-balanced request path >= 1M events/s`);
console.log('\nLinearizability checker on the Jepsen histories (parsing included)\n');
const checks = await checkerBenchmarks();
for (const c of checks) {
  const slowest = c.slowestMs === undefined ? '' : `   slowest single log ${c.slowestMs.toFixed(1)} ms`;
  console.log(`  ${c.name.padEnd(48)} ${c.meanMs.toFixed(1).padStart(9)} ms${slowest}`);
}
const etcd = checks.find((c) => c.name.startsWith('all'));
const c50 = checks.filter((c) => c.name.includes('c50'));
console.log(`
Targets:
  ${etcd?.slowestMs === undefined ? 'not measured' : etcd.slowestMs < 1000 ? 'met    ' : 'MISSED '} every etcd log well under a second
  ${c50.length < 2 ? 'not measured' : c50.every((c) => c.meanMs < 1000) ? 'met    ' : 'MISSED '} each 50-client kv file under a second`);
console.log(`\nNode ${process.version}, ${((performance.now() - started) / 1000).toFixed(0)} s in all`);

import { loadScenario } from './scenarios/harness/load-scenario.ts';
import { formatProblem } from './scenarios/harness/scenario-error.ts';
const t = performance.now();
try {
const l = loadScenario(process.argv[2], { sweep: { parameters: process.argv.slice(3) } });
console.log(l.sweep!.parameters, l.sweep!.configurations.length, l.sweep!.configurations.slice(0,3).map(c=>[c.variant,c.values,c.scenario.workloads.users]), performance.now()-t);
} catch (e: any) { console.log(e.problems ? e.problems.map(formatProblem).join('\n') : e); }

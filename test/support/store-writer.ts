/**
 * A child process for the crash test: puts the runs of a plan into a store
 * one after another, printing each key once `put` has returned, until killed.
 * Arguments: the store's path, then the number of runs to plan.
 */
import { ResultStore } from '../../campaigns/result-store.js';
import { makePlan, makeRecord } from './campaign-fixtures.js';

const [path, runs] = process.argv.slice(2);
const plan = makePlan('crash', Number(runs), 1);
const store = ResultStore.open(path);
store.saveCampaign(plan);
for (const run of plan.runs) {
  store.put(makeRecord(run));
  process.stdout.write(`${run.key}\n`);
}
store.close();

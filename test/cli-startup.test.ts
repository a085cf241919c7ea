import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What each command loads before it answers, counted by a module loader hook in the built binary: a fast start
 * comes from not loading what a command does not use (no timing here; `npm run bench` times it).
 */
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');
let work: string;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
  work = mkdtempSync(join(tmpdir(), 'faultline-startup-'));
  writeFileSync(
    join(work, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.FAULTLINE_TEST_MODULE_LOG, url + '\\n');
  return next(url, context);
}
`,
  );
  writeFileSync(
    join(work, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(work, 'hooks.mjs')).href)});\n`,
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The modules one command loaded, as paths under dist/ or package names. */
function modulesLoadedBy(args: string[]): string[] {
  const log = join(work, `${args.join('-').replace(/\W/g, '_')}.log`);
  const r = spawnSync(process.execPath, ['--import', join(work, 'register.mjs'), BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FAULTLINE_TEST_MODULE_LOG: log },
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((url) => url.replace(/^.*\/node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, '$1').replace(/^.*\/dist\//, ''));
}

const CHARTS_AND_REPORTS = ['echarts', 'reports/charts/', 'reports/html-report.js', 'reports/build-report.js'];
/** The modules that define the bundled models, as listed in models/builtin-models.ts. */
const modelModules = () =>
  [...readFileSync(join(ROOT, 'models', 'builtin-models.ts'), 'utf8').matchAll(/import\('\.\/([^']+)'\)/g)]
    .map((m) => `models/${m[1]}`)
    .filter((m, i, all) => all.indexOf(m) === i)
    .sort();
const loadsAny = (modules: string[], names: string[]) =>
  modules.filter((m) => names.some((name) => m === name || m.startsWith(name)));

describe('what each command loads', () => {
  it('--version and list load neither zod nor the models, charts or report code', () => {
    for (const args of [['--version'], ['list']]) {
      const modules = modulesLoadedBy(args);
      expect(
        loadsAny(modules, ['zod', 'models/builtin-models.js', 'engine/simulation.js', ...CHARTS_AND_REPORTS]),
        args[0],
      ).toEqual([]);
    }
  });

  it('validate loads the schemas but no charts or report code', () => {
    const modules = modulesLoadedBy(['validate', 'scenarios/mm1.yaml']);
    expect(modules).toContain('zod');
    expect(loadsAny(modules, CHARTS_AND_REPORTS)).toEqual([]);
  });

  it('run --json without --out loads no chart or HTML code', () => {
    const modules = modulesLoadedBy(['run', 'mm1', '--duration', '12s', '--json', '--exit-zero']);
    expect(loadsAny(modules, ['echarts', 'reports/charts/', 'reports/html-report.js'])).toEqual([]);
  });

  it('validate and run load, of the model definitions, only those the scenario names', () => {
    // mm1: a poisson workload and a queue-server (the report's theory reads a constant of the feed service).
    for (const [args, also] of [
      [['validate', 'scenarios/mm1.yaml'], []],
      [['run', 'mm1', '--duration', '12s', '--json', '--exit-zero'], ['models/feed/feed-service.js']],
    ]) {
      const modules = modulesLoadedBy(args);
      const loaded = modelModules().filter((m) => modules.includes(m));
      expect(loaded, args[0]).toEqual(
        ['models/servers/queue-server.js', 'models/workload/poisson-client.js', ...also].sort(),
      );
    }
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What each command loads before it answers, counted by a module loader hook: a fast start comes from not loading
 * what a command does not use (no timing here; `npm run bench` times it). The compiled tree (dist/cli/main.js) shows
 * it module by module; the bundled binary users run (dist/bin/faultline.js) splits into chunks at the same lazy
 * imports, which the last tests check by the chunks' contents.
 */
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const BUNDLE = join(ROOT, 'dist', 'bin', 'faultline.js');
let work: string;

beforeAll(() => {
  for (const bin of [BIN, BUNDLE])
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm test does)`);
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

/** The URLs of the modules one command loaded. */
function urlsLoadedBy(args: string[], bin = BIN): string[] {
  const log = join(work, `${bin === BIN ? '' : 'bundle-'}${args.join('-').replace(/\W/g, '_')}.log`);
  const r = spawnSync(process.execPath, ['--import', join(work, 'register.mjs'), bin, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FAULTLINE_TEST_MODULE_LOG: log },
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').trim().split('\n');
}

/** The modules one command loaded from the compiled tree, as paths under dist/ or package names. */
const modulesLoadedBy = (args: string[]) =>
  urlsLoadedBy(args).map((url) =>
    url.replace(/^.*\/node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, '$1').replace(/^.*\/dist\//, ''),
  );

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

describe('what the bundled binary loads', () => {
  /** The bundle's files one command loaded whose code holds any of `markers`, as file names. */
  const chunksHolding = (args: string[], markers: string[]) =>
    urlsLoadedBy(args, BUNDLE)
      .filter((url) => url.startsWith('file:') && url.includes('/dist/bin/'))
      .filter((url) => markers.some((marker) => readFileSync(fileURLToPath(url), 'utf8').includes(marker)))
      .map((url) => url.replace(/^.*\//, ''));
  const ZOD = ['$ZodType'];
  const CHARTS_AND_HTML = ['function renderSvg(', 'function renderHtmlReport('];

  it('has chunks that hold each marker these tests look for', () => {
    const dir = dirname(BUNDLE);
    const code = readdirSync(dir)
      .filter((name) => name.endsWith('.js'))
      .map((name) => readFileSync(join(dir, name), 'utf8'));
    for (const marker of [...ZOD, ...CHARTS_AND_HTML])
      expect(
        code.some((text) => text.includes(marker)),
        marker,
      ).toBe(true);
  });

  it('--version and list load neither zod nor chart or HTML code', () => {
    for (const args of [['--version'], ['list']]) expect(chunksHolding(args, [...ZOD, ...CHARTS_AND_HTML])).toEqual([]);
  });

  it('run --json without --out loads zod but no chart or HTML code', () => {
    const args = ['run', 'mm1', '--duration', '12s', '--json', '--exit-zero'];
    expect(chunksHolding(args, ZOD)).not.toEqual([]);
    expect(chunksHolding(args, CHARTS_AND_HTML)).toEqual([]);
  });

  it('loads a fraction of the files the compiled tree does', () => {
    const args = ['run', 'mm1', '--duration', '12s', '--json', '--exit-zero'];
    const files = (urls: string[]) => urls.filter((url) => url.startsWith('file:')).length;
    expect(files(urlsLoadedBy(args, BUNDLE))).toBeLessThan(files(urlsLoadedBy(args)) / 3);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'faultline-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the README's engine example runs as written against the public API", async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## The engine as a library');
  expect(start).toBeGreaterThanOrEqual(0);
  const section = readme.slice(start);
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const entry = pathToFileURL(join(root, 'engine/index.ts')).href;
  const file = join(dir, 'example.ts');
  writeFileSync(file, code!.replace("from 'faultline'", `from '${entry}'`));

  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await import(pathToFileURL(file).href);
  const [hash, events] = log.mock.calls[0] as [string, number];
  log.mockRestore();
  expect(hash).toMatch(/^[0-9a-f]{16}$/);
  // Two pingers, one ping each per 100 ms for 10 s: 100 pings and 100 pongs each way, plus timers.
  expect(events).toBeGreaterThanOrEqual(400);
});

it("the README's scenario example is a valid scenario, variants and all", async () => {
  const { parseScenarioText } = await import('../scenarios/harness/load-scenario.js');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### Scenario files')))?.[1];
  expect(yaml).toBeDefined();
  const loaded = parseScenarioText(yaml!, join(dir, 'readme.yaml'));
  expect(loaded.variants.map((v) => v.name)).toEqual(['small', 'large']);
  expect(loaded.variants[1].scenario.components.api).toMatchObject({ workers: 8 });
});

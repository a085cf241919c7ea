import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '../scenarios/harness/scenario-schema.js';

/** The JSON Schema editors read is generated from the zod schema; this keeps the checked-in copy current. */
const SCENARIOS = join(import.meta.dirname, '..', 'scenarios');
const REGENERATE = 'npm run build && node dist/bin/faultline.js schema > scenarios/scenario.schema.json';

describe('scenarios/scenario.schema.json', () => {
  it('is what `faultline schema` prints for the current schema', () => {
    const checkedIn = readFileSync(join(SCENARIOS, 'scenario.schema.json'), 'utf8');
    const current = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
    expect(
      checkedIn === current,
      `scenarios/scenario.schema.json is out of date with scenarios/harness/scenario-schema.ts; regenerate it with:\n  ${REGENERATE}`,
    ).toBe(true);
  });

  it('every bundled scenario points editors at it on its first line', () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const first = readFileSync(join(SCENARIOS, file), 'utf8').split('\n')[0];
      expect(first, `${file}: the first line should be the yaml-language-server schema comment`).toBe(
        '# yaml-language-server: $schema=./scenario.schema.json',
      );
    }
  });
});

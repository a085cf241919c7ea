import { exec } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/program.js';

/**
 * Every command example in README.md and under every --help runs as written, from a folder laid out like a clone
 * of the repository (its scenarios/ and test/ linked in), through the built binary. An example expects exit 0
 * unless its comment ends in ": exit N".
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'bin', 'faultline.js');
const COMMANDS = ['run', 'sweep', 'replay', 'search', 'merge', 'validate', 'list', 'schema', 'report', 'check'];
const folders: string[] = [];

function readmeExamples(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const fenced = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n'));
  // Inline commands in the prose; a placeholder (<history>) or a command's bare name (`faultline sweep`) is not an example.
  const inline = [...readme.matchAll(/`((?:npx )?faultline [^`]+)`/g)]
    .map((m) => m[1].replaceAll('\\|', '|'))
    .filter((command) => !command.includes('<') && !/^faultline (run|sweep|merge|worker|replay|search)$/.test(command));
  return [
    ...new Set([...fenced, ...inline].map((line) => line.trim()).filter((line) => /^(npx )?faultline /.test(line))),
  ];
}

async function helpText(args: string[]): Promise<string> {
  let stdout = '';
  const code = await main(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: () => true },
    env: {},
  });
  expect(code).toBe(0);
  return stdout;
}

function examplesIn(help: string): string[] {
  const section = help.split('\nExamples:\n')[1];
  expect(section, help).toBeDefined();
  return section
    .split('\n\n')[0]
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('faultline '));
}

function expectedCode(example: string): number {
  return Number(/: exit (\d+)$/.exec(example)?.[1] ?? 0);
}

/** Runs the examples one after another (later ones may read what earlier ones wrote) in a fresh folder. */
async function runInOrder(examples: string[]) {
  const folder = mkdtempSync(join(tmpdir(), 'faultline-examples-'));
  folders.push(folder);
  symlinkSync(join(ROOT, 'scenarios'), join(folder, 'scenarios'));
  symlinkSync(join(ROOT, 'test'), join(folder, 'test'));
  const bin = join(folder, '.bin');
  const shim = join(bin, 'faultline');
  mkdirSync(bin);
  writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
  chmodSync(shim, 0o755);
  const results: { example: string; code: number; stderr: string }[] = [];
  for (const example of examples) {
    const command = example.replace(/^npx /, '').replaceAll('$(npx ', '$(');
    const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
      exec(
        command,
        { cwd: folder, env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, NO_COLOR: '1' } },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
      ),
    );
    results.push({ example, ...result });
  }
  return results;
}

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('documented examples', () => {
  it('finds examples in the README and under every command', async () => {
    expect(readmeExamples().length).toBeGreaterThanOrEqual(10);
    for (const command of COMMANDS) expect(examplesIn(await helpText([command, '--help'])).length).toBeGreaterThan(0);
  });

  it(
    'every one runs as written, with the exit code its comment gives (0 otherwise)',
    { timeout: 600_000 },
    async () => {
      if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
      const sources = [
        readmeExamples(),
        examplesIn(await helpText(['--help'])),
        ...(await Promise.all(COMMANDS.map(async (c) => examplesIn(await helpText([c, '--help']))))),
      ];
      // Sources run side by side, each in its own folder; within one, in order.
      const results = (await Promise.all(sources.map(runInOrder))).flat();
      const wrong = results.filter(
        ({ example, code, stderr }) => code !== expectedCode(example) || /\n\s+at /.test(stderr),
      );
      expect(wrong).toEqual([]);
    },
  );
});

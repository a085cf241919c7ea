import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `faultline check` streams the history: a file larger than a JavaScript string can hold (about 512 MB) is checked
 * with a heap far smaller than the file. It used to be read whole, and refused.
 */
const BIN = join(import.meta.dirname, '..', '..', 'dist', 'bin', 'faultline.js');
const HEAP_MB = 128;
let work: string;

beforeAll(() => (work = mkdtempSync(join(tmpdir(), 'faultline-check-streaming-'))));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A small history with 600 MiB of EDN comments between its events: the reader must pass them without keeping them. */
function padded(file: string, events: string[]): void {
  const fd = openSync(file, 'w');
  const comment = `;${'x'.repeat(1024 * 1024 - 2)}\n`;
  for (const [i, event] of events.entries()) {
    writeSync(fd, `${event}\n`);
    for (let k = 0; k < 600 / events.length; k++) writeSync(fd, comment);
    if (i === 0) writeSync(fd, '\n');
  }
  closeSync(fd);
}

const check = (file: string) =>
  spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, BIN, 'check', file, '--model', 'register'], {
    encoding: 'utf8',
  });

describe('faultline check on a history larger than memory', () => {
  it(`reads a 600 MiB file with a ${HEAP_MB} MB heap, and still names the line of an error`, () => {
    const file = join(work, 'big.edn');
    padded(file, [
      '{:process 0, :type :invoke, :f :write, :value 1}',
      '{:process 0, :type :ok, :f :write, :value 1}',
      '{:process 1, :type :invoke, :f :read, :value nil}',
      '{:process 1, :type :ok, :f :read, :value 2}',
    ]);
    const result = check(file);
    expect(result.status, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ linearizable: false, operations: 2 });

    const broken = join(work, 'broken.edn');
    padded(broken, ['{:process 0, :type :invoke, :f :write, :value 1}', '{:process 0, :type :okay, :f :write}']);
    const refused = check(broken);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`broken.edn:303: unknown event type "okay"`);
  });

  it('refuses a file without line breaks, like a device, once a line passes 64 MiB', () => {
    const result = spawnSync(process.execPath, [BIN, 'check', '/dev/zero', '--model', 'register'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('/dev/zero:1: line 1 is longer than 64 MiB: this is not a text history');
  });
});

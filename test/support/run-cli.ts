import { main } from '../../cli/program.js';

/** `faultline` in-process, with its output captured and colour off. */
export async function faultline(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { NO_COLOR: '1', ...env },
  });
  return { code, stdout, stderr };
}

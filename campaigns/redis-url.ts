/** Reading `--redis` values; no imports, so the CLI can check one before it loads BullMQ. */

/** What is wrong with a `--redis` value, or null: `redis://host:port` or `rediss://`, with an optional user, password and database. */
export function redisUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL; write redis://host:port, like redis://127.0.0.1:6379`;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return `"${text}" is not a Redis URL: it must start with redis:// (or rediss:// for TLS), like redis://127.0.0.1:6379`;
  if (url.hostname === '') return `"${text}" names no host; write redis://host:port, like redis://127.0.0.1:6379`;
  if (!/^(\/\d*)?$/.test(url.pathname))
    return `"${text}": the path is a database number (redis://host:port/0), not "${url.pathname}"`;
  if (url.search !== '' || url.hash !== '') return `"${text}": a Redis URL takes no ?query or #fragment`;
  return null;
}

/** The URL for messages, its password hidden. */
export function redisUrlForPeople(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.toString().replace(/\/$/, '');
  } catch {
    return text;
  }
}

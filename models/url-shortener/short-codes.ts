import { hash32 } from '../parts/hash.js';

/**
 * Short codes as the store keys them: integers. A base62 code of k
 * characters (a–z, A–Z, 0–9) is one of 62^k keys; 62^6 ≈ 5.68×10¹⁰ and
 * 62^7 ≈ 3.52×10¹² (the guide's "~57 billion" and "~3.5 trillion"). Keys
 * stay exact integers up to 8 characters (62^8 ≈ 2.18×10¹⁴ < 2^53).
 */
export const MAX_CODE_LENGTH = 8;

/** 62^length: how many codes of `length` base62 characters there are. */
export function base62KeySpace(length: number): number {
  if (!(Number.isInteger(length) && length >= 1 && length <= MAX_CODE_LENGTH))
    throw new RangeError(`code length must be a whole number from 1 to ${MAX_CODE_LENGTH}, got ${length}`);
  return 62 ** length;
}

const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The base62 spelling of code `code` (≥ 1) as a short URL shows it, for people (code 1 is "1"). */
export function base62(code: number): string {
  if (!(Number.isSafeInteger(code) && code >= 0)) throw new RangeError(`a code is a whole number >= 0, got ${code}`);
  let text = '';
  let rest = code;
  do {
    text = BASE62[rest % 62] + text;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return text;
}

/**
 * The hashed code of long URL `longUrl` at attempt `attempt` (0 first), in
 * 1..keySpace: a 53-bit hash of (URL, salt, attempt) modulo the key space, as
 * `base62(md5(url + salt)[..k])` would be. A later attempt hashes again, so a
 * collision is retried at an unrelated code ("regenerate the short key until
 * a unique one is found").
 */
export function hashedCode(longUrl: number, salt: number, attempt: number, keySpace: number): number {
  const low = longUrl % 2 ** 32;
  const high = Math.floor(longUrl / 2 ** 32);
  const seed = hash32(attempt, salt);
  const a = hash32(low ^ hash32(high, seed), seed);
  const b = hash32(a ^ low, seed ^ 0x68e31da4);
  // 21 bits of b over 32 of a: a uniform 53-bit number.
  const h = (b >>> 11) * 2 ** 32 + a;
  return (h % keySpace) + 1;
}

/**
 * The ids an app node holds from its last lease (a block from the ticket
 * server): handed out in order; whatever is left when the node crashes is
 * never used by anyone (wasted), which keeps ids unique without asking the
 * allocator again per id.
 */
export class IdRange {
  private next = 0;
  private end = 0;

  /** Ids still in hand. */
  get left(): number {
    return this.end - this.next;
  }

  /** Takes over the block firstId..firstId+count-1 (the previous one must be used up). */
  grant(firstId: number, count: number): void {
    if (this.left > 0) throw new Error(`IdRange: a new block while ${this.left} ids are left`);
    this.next = firstId;
    this.end = firstId + count;
  }

  /** The next id; only when `left > 0`. */
  take(): number {
    if (this.left <= 0) throw new Error('IdRange: no id left; lease a block first');
    return this.next++;
  }
}

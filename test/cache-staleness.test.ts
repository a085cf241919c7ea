import { describe, expect, it } from 'vitest';
import { CacheLog } from '../models/measure/cache-log.js';

/** When a read a cache answered is stale: judged against writes acknowledged before the read arrived. */
describe('stale reads against acknowledged writes', () => {
  const database = () => new CacheLog(1_000_000, 10).database('db');

  it('a read that arrived after a write was acknowledged must see it; one that arrived before is concurrent with it', () => {
    const db = database();
    db.committed(7, 2);
    // Committed but not yet acknowledged to its writer: the old value is still a correct answer.
    expect(db.isStale(7, 1, 500)).toBe(false);
    db.acknowledged(7, 2, 1_000);
    expect(db.isStale(7, 1, 999)).toBe(false);
    expect(db.isStale(7, 1, 1_000)).toBe(true);
    expect(db.isStale(7, 2, 2_000)).toBe(false);
    expect(db.isStale(7, 3, 2_000)).toBe(false);
    // Not found is stale once a put was acknowledged; other keys are unaffected.
    expect(db.isStale(7, 0, 2_000)).toBe(true);
    expect(db.isStale(8, 0, 2_000)).toBe(false);
  });

  it('after an acknowledged delete only "not found" (or a newer write) is fresh', () => {
    const db = database();
    db.acknowledged(7, 2, 1_000);
    db.acknowledged(7, 3, 2_000, true);
    expect(db.isStale(7, 0, 2_500)).toBe(false);
    expect(db.isStale(7, 2, 2_500)).toBe(true);
    expect(db.isStale(7, 4, 2_500)).toBe(false);
    // An older acknowledgement arriving late changes nothing.
    db.acknowledged(7, 2, 3_000);
    expect(db.isStale(7, 0, 3_500)).toBe(false);
    db.acknowledged(7, 4, 4_000);
    expect(db.isStale(7, 0, 4_500)).toBe(true);
  });
});

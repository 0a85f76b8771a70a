/**
 * For the lock race test: take the daemon lock of a data directory, hold it
 * a moment, and print when it was held ({"held":[start,end]}) or that it was
 * refused ({"refused":true}).
 */
import { acquireDataLock } from '../../src/store/lock.js';

const [dataDir = '', holdMs = '300'] = process.argv.slice(2);
try {
  const lock = await acquireDataLock(dataDir, 'race');
  const start = Date.now();
  await new Promise((r) => setTimeout(r, Number(holdMs)));
  const end = Date.now();
  await lock.release();
  console.log(JSON.stringify({ held: [start, end] }));
} catch (err) {
  if ((err as { code?: string }).code !== 'DATA_LOCKED') throw err;
  console.log(JSON.stringify({ refused: true }));
}

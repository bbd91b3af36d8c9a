/**
 * Ids of ledger rows (entries, reservations, orders, events, reconcile runs and drifts).
 */
import crypto from 'node:crypto';

// Time-ordered ids: index inserts land at the right edge of the b-tree instead of at random
// pages (a large share of posting throughput), and ids sort in creation order.
const ID_SALT = crypto.randomBytes(3).toString('hex');
let idSeq = 0;
export function rid(prefix: string): string {
  idSeq = (idSeq + 1) % 0x1000000;
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${idSeq.toString(36).padStart(5, '0')}${ID_SALT}`;
}

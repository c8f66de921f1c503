import { createHash } from 'node:crypto';

/**
 * The RFC 6962 / RFC 9162 Merkle tree over a batch's record hashes (hex). Leaves and nodes
 * get different prefixes (0x00, 0x01) so a node can never pass for a leaf; the tree splits at
 * the largest power of two below the size, which makes proofs for any size and index well defined.
 */

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

function leafHash(recordHash: string): Buffer {
  return createHash('sha256').update(LEAF).update(Buffer.from(recordHash, 'hex')).digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/** Largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: readonly string[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return leafHash(leaves[from]!);
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
}

/** Root of the tree over the record hashes, hex. The empty tree is SHA-256 of nothing. */
export function merkleRoot(recordHashes: readonly string[]): string {
  if (recordHashes.length === 0) return createHash('sha256').digest('hex');
  return subtreeRoot(recordHashes, 0, recordHashes.length).toString('hex');
}

/** The audit path of leaf `index`: sibling hashes from the leaf up to the root, hex. */
export function merklePath(recordHashes: readonly string[], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= recordHashes.length) {
    throw new RangeError(`Leaf index ${index} is outside a tree of ${recordHashes.length} leaves.`);
  }
  const path: Buffer[] = [];
  const walk = (from: number, to: number, m: number): void => {
    const n = to - from;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(from, from + k, m);
      path.push(subtreeRoot(recordHashes, from + k, to));
    } else {
      walk(from + k, to, m - k);
      path.push(subtreeRoot(recordHashes, from, from + k));
    }
  };
  walk(0, recordHashes.length, index);
  return path.map((h) => h.toString('hex'));
}

/** RFC 9162 §2.1.3.2: does `path` prove leaf `index` of a `size`-leaf tree under `root`? */
export function verifyMerklePath(
  recordHash: string,
  index: number,
  size: number,
  path: readonly string[],
  root: string,
): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(recordHash);
  for (const hex of path) {
    if (sn === 0) return false;
    const p = Buffer.from(hex, 'hex');
    if (p.length !== 32) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === root;
}

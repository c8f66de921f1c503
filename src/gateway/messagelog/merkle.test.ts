import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { merklePath, merkleRoot, verifyMerklePath } from './merkle.ts';

const h = (...parts: (Buffer | number[])[]) => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(Buffer.from(p));
  return hash.digest();
};
const leaf = (hex: string) => h([0], Buffer.from(hex, 'hex'));
const node = (l: Buffer, r: Buffer) => h([1], l, r);
const hashes = (n: number) =>
  Array.from({ length: n }, (_, i) => createHash('sha256').update(`r${i}`).digest('hex'));

describe('Merkle tree (RFC 6962)', () => {
  it('hashes leaves and nodes with distinct prefixes and splits at the largest power of two', () => {
    const [a, b, c] = hashes(3) as [string, string, string];
    expect(merkleRoot([])).toBe(createHash('sha256').digest('hex'));
    expect(merkleRoot([a])).toBe(leaf(a).toString('hex'));
    expect(merkleRoot([a, b])).toBe(node(leaf(a), leaf(b)).toString('hex'));
    expect(merkleRoot([a, b, c])).toBe(node(node(leaf(a), leaf(b)), leaf(c)).toString('hex'));
    expect(merklePath([a, b, c], 2)).toEqual([node(leaf(a), leaf(b)).toString('hex')]);
    expect(merklePath([a, b, c], 0)).toEqual([leaf(b).toString('hex'), leaf(c).toString('hex')]);
  });

  it('proves every leaf of every tree size from 1 to 200, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }).chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1), fc.nat(n - 1))),
        ([n, index, other]) => {
          const leaves = hashes(n);
          const root = merkleRoot(leaves);
          const path = merklePath(leaves, index);
          expect(verifyMerklePath(leaves[index]!, index, n, path, root)).toBe(true);
          expect(path.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
          // The same path must not prove another leaf or another position (the size comes signed).
          if (leaves[other] !== leaves[index]) {
            expect(verifyMerklePath(leaves[other]!, index, n, path, root)).toBe(false);
          }
          if (other !== index) expect(verifyMerklePath(leaves[index]!, other, n, path, root)).toBe(false);
          if (path.length > 0) {
            const bent = [...path];
            bent[0] = leaves[other] === bent[0] ? hashes(n + 1)[n]! : leaves[other]!;
            expect(verifyMerklePath(leaves[index]!, index, n, bent, root)).toBe(false);
            expect(verifyMerklePath(leaves[index]!, index, n, path.slice(1), root)).toBe(false);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses indexes outside the tree', () => {
    const leaves = hashes(5);
    expect(() => merklePath(leaves, 5)).toThrow(RangeError);
    expect(verifyMerklePath(leaves[0]!, -1, 5, [], merkleRoot(leaves))).toBe(false);
    expect(verifyMerklePath(leaves[0]!, 5, 5, [], merkleRoot(leaves))).toBe(false);
  });
});

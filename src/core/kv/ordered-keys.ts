import { compareKeys, lowerBound } from './key-order.js';

/** Most entries (keys in a leaf, children in a branch) a node holds before it splits. */
const MAX = 64;
/** Fewest entries a node other than the root holds; below that it borrows or merges. */
const MIN = MAX >> 1;

/**
 * A B+ tree node. A leaf holds sorted `keys` and links to the `next` leaf; a branch holds
 * `kids` and `keys.length === kids.length - 1` separators: every key under `kids[i]` is
 * below `keys[i]`, every key under `kids[i + 1]` is at or above it.
 */
class BNode {
  constructor(
    public keys: string[],
    public kids: BNode[] | null,
    public next: BNode | null = null,
  ) {}

  get size(): number {
    return this.kids === null ? this.keys.length : this.kids.length;
  }
}

/** Index of the first of sorted `keys` that is > `key`: the child of a branch that covers `key`. */
function upperBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A position in an {@link OrderedKeys}: `key` is the current key (undefined past the end),
 * `next()` moves on. Valid until the set is next changed.
 */
export class KeyCursor {
  /** The key under the cursor, or undefined when the cursor is past the last key. */
  key: string | undefined;

  /** @internal */
  constructor(
    private leaf: BNode | null,
    private index: number,
  ) {
    this.key = undefined;
    this.settle();
  }

  /** Moves to the next key in order. */
  next(): void {
    this.index++;
    this.settle();
  }

  private settle(): void {
    while (this.leaf !== null && this.index >= this.leaf.keys.length) {
      this.leaf = this.leaf.next;
      this.index = 0;
    }
    this.key = this.leaf === null ? undefined : this.leaf.keys[this.index];
  }
}

/**
 * A sorted set of keys in etcd's key order ({@link compareKeys}): a B+ tree with linked
 * leaves, so adding and removing a key cost O(log n) and reading keys in order from any
 * key costs O(log n) to find the start, then O(1) per key.
 */
export class OrderedKeys {
  private root = new BNode([], null);
  private count = 0;
  /** Separator handed up by the last branch split (only valid right after one). */
  private promoted = '';

  /** Number of keys in the set. */
  get size(): number {
    return this.count;
  }

  /** Adds `key`; returns false if it was already there. */
  add(key: string): boolean {
    const before = this.count;
    const split = this.insert(this.root, key);
    if (split !== null) {
      const sep = this.root.kids === null ? split.keys[0]! : this.promoted;
      this.root = new BNode([sep], [this.root, split]);
    }
    return this.count !== before;
  }

  /** Removes `key`; returns false if it was not there. */
  delete(key: string): boolean {
    if (!this.remove(this.root, key)) return false;
    this.count--;
    if (this.root.kids !== null && this.root.kids.length === 1) this.root = this.root.kids[0]!;
    return true;
  }

  /** True if `key` is in the set. */
  has(key: string): boolean {
    let node = this.root;
    while (node.kids !== null) node = node.kids[upperBound(node.keys, key)]!;
    const i = lowerBound(node.keys, key);
    return node.keys[i] === key;
  }

  /** A cursor on the first key ≥ `start`. */
  from(start: string): KeyCursor {
    let node = this.root;
    while (node.kids !== null) node = node.kids[upperBound(node.keys, start)]!;
    return new KeyCursor(node, lowerBound(node.keys, start));
  }

  /**
   * Throws if the tree breaks one of its invariants (sorted unique keys, separators that
   * bound their subtrees, node sizes, equal leaf depth, leaf links in order). For tests.
   * @internal
   */
  check(): void {
    const leaves: BNode[] = [];
    let total = 0;
    const walk = (node: BNode, bounds: { lo: string | undefined; hi: string | undefined }, depth: number): number => {
      const { lo, hi } = bounds;
      const isRoot = node === this.root;
      if (!isRoot && (node.size < MIN || node.size > MAX)) throw new Error(`node size ${node.size} outside [${MIN}, ${MAX}]`);
      for (let i = 0; i < node.keys.length; i++) {
        const k = node.keys[i]!;
        if (i > 0 && compareKeys(node.keys[i - 1]!, k) >= 0) throw new Error('keys not strictly sorted');
        if (lo !== undefined && compareKeys(k, lo) < 0) throw new Error('key below its lower separator');
        if (hi !== undefined && compareKeys(k, hi) >= 0) throw new Error('key at or above its upper separator');
      }
      if (node.kids === null) {
        leaves.push(node);
        total += node.keys.length;
        return depth;
      }
      if (node.keys.length !== node.kids.length - 1) throw new Error('branch separator count mismatch');
      let leafDepth = -1;
      node.kids.forEach((kid, i) => {
        const d = walk(kid, { lo: i === 0 ? lo : node.keys[i - 1], hi: i === node.keys.length ? hi : node.keys[i] }, depth + 1);
        if (leafDepth >= 0 && d !== leafDepth) throw new Error('leaves at different depths');
        leafDepth = d;
      });
      return leafDepth;
    };
    walk(this.root, { lo: undefined, hi: undefined }, 0);
    if (total !== this.count) throw new Error(`size ${this.count} but ${total} keys in leaves`);
    for (let i = 0; i < leaves.length; i++) {
      if (leaves[i]!.next !== (leaves[i + 1] ?? null)) throw new Error('leaf links out of order');
    }
  }

  /** Inserts into the subtree; returns the new right sibling if `node` split. */
  private insert(node: BNode, key: string): BNode | null {
    if (node.kids === null) {
      const i = lowerBound(node.keys, key);
      if (node.keys[i] === key) return null;
      node.keys.splice(i, 0, key);
      this.count++;
      if (node.keys.length <= MAX) return null;
      const right = new BNode(node.keys.splice(node.keys.length >> 1), null, node.next);
      node.next = right;
      return right;
    }
    const i = upperBound(node.keys, key);
    const child = node.kids[i]!;
    const split = this.insert(child, key);
    if (split === null) return null;
    node.keys.splice(i, 0, child.kids === null ? split.keys[0]! : this.promoted);
    node.kids.splice(i + 1, 0, split);
    if (node.kids.length <= MAX) return null;
    const mid = node.kids.length >> 1;
    const right = new BNode(node.keys.splice(mid), node.kids.splice(mid));
    this.promoted = node.keys.pop()!;
    return right;
  }

  /** Removes from the subtree, rebalancing children that fall below {@link MIN}. */
  private remove(node: BNode, key: string): boolean {
    if (node.kids === null) {
      const i = lowerBound(node.keys, key);
      if (node.keys[i] !== key) return false;
      node.keys.splice(i, 1);
      return true;
    }
    const i = upperBound(node.keys, key);
    const child = node.kids[i]!;
    if (!this.remove(child, key)) return false;
    if (child.size < MIN) rebalance(node, i);
    return true;
  }
}

/** Gives the under-full `parent.kids[i]` an entry from a sibling, or merges it with one. */
function rebalance(parent: BNode, i: number): void {
  const kids = parent.kids!;
  if (kids.length < 2) return;
  const j = i > 0 ? i - 1 : 0;
  const left = kids[j]!;
  const right = kids[j + 1]!;
  if (left.size + right.size <= MAX) {
    // merge right into left
    if (left.kids === null) {
      for (const k of right.keys) left.keys.push(k);
      left.next = right.next;
    } else {
      left.keys.push(parent.keys[j]!);
      for (const k of right.keys) left.keys.push(k);
      for (const c of right.kids!) left.kids.push(c);
    }
    kids.splice(j + 1, 1);
    parent.keys.splice(j, 1);
    return;
  }
  const leftShort = left.size < right.size;
  if (left.kids === null) {
    if (leftShort) left.keys.push(right.keys.shift()!);
    else right.keys.unshift(left.keys.pop()!);
    parent.keys[j] = right.keys[0]!;
  } else if (leftShort) {
    left.keys.push(parent.keys[j]!);
    left.kids.push(right.kids!.shift()!);
    parent.keys[j] = right.keys.shift()!;
  } else {
    right.keys.unshift(parent.keys[j]!);
    right.kids!.unshift(left.kids.pop()!);
    parent.keys[j] = left.keys.pop()!;
  }
}

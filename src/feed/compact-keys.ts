/**
 * Strings, each with a fixed-size byte value (none for a plain set), kept in one growing byte arena with an
 * open-addressing index, instead of a V8 Set or Map of strings: about (UTF-8 length + value + 18) bytes an entry
 * against 70 and more for a Set of short strings. The feed import keeps every member number and policy of a file in
 * two of these (duplicate and conflict checks over the whole file, PRODUCT §2), so a million-row feed costs tens of
 * megabytes, not hundreds. Exact: keys are compared byte for byte, the hash only picks where to look.
 */
export class CompactKeys {
  private arena: Buffer = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  /** Slot → entry offset in the arena + 1 (0: empty); and the entry's hash, to skip most byte comparisons. */
  private slots = new Int32Array(1 << 10);
  private hashes = new Int32Array(1 << 10);
  private count = 0;
  private scratch: Buffer = Buffer.allocUnsafe(256);

  /** `valueBytes`: the size of every value (0 for a set). */
  constructor(private readonly valueBytes = 0) {}

  get size(): number {
    return this.count;
  }

  /** Bytes held: the arena and the index (what the structure costs, for tests and figures). */
  get bytes(): number {
    return this.arena.length + this.slots.byteLength + this.hashes.byteLength + this.scratch.length;
  }

  has(key: string): boolean {
    return this.find(this.encode(key)) >= 0;
  }

  /** The key's value (a copy), or undefined when the key is not there. */
  get(key: string): Buffer | undefined {
    const length = this.encode(key);
    const slot = this.find(length);
    if (slot < 0) return undefined;
    const at = this.slots[slot]! - 1 + 2 + length;
    return Buffer.from(this.arena.subarray(at, at + this.valueBytes));
  }

  /** Adds the key with its value; a key already there keeps its first value. Returns whether it was added. */
  add(key: string, value?: Uint8Array): boolean {
    if ((value?.length ?? 0) !== this.valueBytes) throw new RangeError(`a value must be ${this.valueBytes} bytes`);
    const length = this.encode(key);
    if (length > 0xffff) throw new RangeError('a key must be under 64 KiB');
    if (this.find(length) >= 0) return false;
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    const entry = 2 + length + this.valueBytes;
    if (this.used + entry > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + entry));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    const at = this.used;
    this.arena.writeUInt16LE(length, at);
    this.scratch.copy(this.arena, at + 2, 0, length);
    if (value) this.arena.set(value, at + 2 + length);
    this.used += entry;
    const hash = hashOf(this.scratch, length);
    this.place(at + 1, hash);
    this.count++;
    return true;
  }

  /** UTF-8 of `key` into the scratch buffer; returns its length. */
  private encode(key: string): number {
    const needed = Buffer.byteLength(key);
    if (needed > this.scratch.length) this.scratch = Buffer.allocUnsafe(needed * 2);
    return this.scratch.write(key, 0, 'utf8');
  }

  /** The slot holding the scratch key, or -1. */
  private find(length: number): number {
    const hash = hashOf(this.scratch, length);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = this.slots[slot]!;
      if (stored === 0) return -1;
      if (this.hashes[slot] !== hash) continue;
      const at = stored - 1;
      if (
        this.arena.readUInt16LE(at) === length &&
        this.arena.compare(this.scratch, 0, length, at + 2, at + 2 + length) === 0
      )
        return slot;
    }
  }

  private place(stored: number, hash: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = stored;
    this.hashes[slot] = hash;
  }

  private grow(): void {
    const slots = this.slots;
    const hashes = this.hashes;
    this.slots = new Int32Array(slots.length * 2);
    this.hashes = new Int32Array(slots.length * 2);
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) this.place(slots[i]!, hashes[i]!);
  }
}

/** FNV-1a over the bytes, then a final mix so that the low bits (the slot) depend on every byte. */
function hashOf(bytes: Buffer, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

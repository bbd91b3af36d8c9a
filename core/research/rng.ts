/**
 * Seeded randomness for studies. Every draw is a pure function of (seed, stream, index): a study
 * repeated with the same seed draws the same numbers, a workflow replaying its history draws them
 * again, and no generator state has to be carried through continue-as-new.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state) seeded through
 * splitmix32 from the mixed keys. Deterministic: no clock, no Math.random (usable in workflows).
 */

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit state. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Mixes a list of integers and strings into one 32-bit seed. */
export function mixSeed(...keys: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const k of keys) {
    if (typeof k === 'number') {
      // Both 32-bit halves of the number, so seeds above 2^32 stay distinct.
      const lo = k >>> 0;
      const hi = Math.floor(k / 4294967296) >>> 0;
      h = splitmix32(h ^ lo);
      h = splitmix32(h ^ hi);
    } else {
      for (let i = 0; i < k.length; i++) h = splitmix32(h ^ k.charCodeAt(i));
      h = splitmix32(h ^ k.length);
    }
  }
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.a = splitmix32(seed);
    this.b = splitmix32(this.a);
    this.c = splitmix32(this.b);
    this.d = 1;
    // Discard the first outputs: sfc32 mixes its state over a few rounds.
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A stream for one purpose: `Rng.for(seed, 'trial', 17)`. */
  static for(...keys: (number | string)[]): Rng {
    return new Rng(mixSeed(...keys));
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 bits. */
  next(): number {
    const hi = this.u32() >>> 5;
    const lo = this.u32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A Fisher-Yates shuffle of a copy. */
  shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

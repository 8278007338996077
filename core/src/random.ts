import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator'

const TWO_POW_32 = 4294967296

/**
 * Seeded draws for everything in fcv that must repeat exactly (the synthetic log generator, the
 * trainer's shuffles, test data), on one xoroshiro128+ stream (pure-rand): a seed fixes every draw.
 * It mutates in place: the generator's hot path.
 */
export class Random {
  private readonly source: JumpableRandomGenerator

  constructor(seed: number, source?: JumpableRandomGenerator) {
    this.source = source ?? xoroshiro128plus(seed)
    // xoroshiro128plus(seed) starts from a sparse state; the first outputs of nearby seeds are
    // correlated, so burn them.
    if (!source) for (let i = 0; i < 32; i++) this.source.next()
  }

  /** An independent stream 2^64 steps ahead, leaving this one where it was. */
  fork(): Random {
    const copy = this.source.clone()
    copy.jump()
    this.source.jump()
    this.source.jump()
    return new Random(0, copy)
  }

  /** Uniform in (0, 1): never 0, so log() is safe. */
  uniform(): number {
    return ((this.source.next() >>> 0) + 0.5) / TWO_POW_32
  }

  /** Uniform integer in [0, n), n <= 2^32. */
  int(n: number): number {
    return Math.floor(this.uniform() * n)
  }

  /** Exponential with rate 1. */
  exponential(): number {
    return -Math.log(this.uniform())
  }

  normal(): number {
    // Box-Muller; one of the pair is dropped so that no hidden state survives between calls.
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform())
  }

  /** Gamma(shape, rate), Marsaglia-Tsang; shape < 1 through the boost U^(1/shape). */
  gamma(shape: number, rate: number): number {
    if (shape < 1) return this.gamma(shape + 1, rate) * Math.pow(this.uniform(), 1 / shape)
    const d = shape - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      const x = this.normal()
      const v = (1 + c * x) ** 3
      if (v <= 0) continue
      const u = this.uniform()
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate
    }
  }

  /** Geometric on {0, 1, 2, ...} with the given mean. */
  geometric(mean: number): number {
    if (mean <= 0) return 0
    return Math.floor(Math.log(this.uniform()) / Math.log(mean / (mean + 1)))
  }
}

/** Walker's alias table: O(1) draws from a fixed discrete distribution (catalogue, quantities). */
export class AliasTable {
  private readonly probability: Float64Array
  private readonly alias: Int32Array

  constructor(weights: readonly number[]) {
    const n = weights.length
    const total = weights.reduce((a, b) => a + b, 0)
    if (n === 0 || !(total > 0)) throw new RangeError('alias table needs positive weights')
    this.probability = new Float64Array(n)
    this.alias = new Int32Array(n)
    const scaled = weights.map((w) => (w * n) / total)
    const small: number[] = []
    const large: number[] = []
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i))
    while (small.length && large.length) {
      const s = small.pop() as number
      const l = large.pop() as number
      this.probability[s] = scaled[s] as number
      this.alias[s] = l
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1
      ;((scaled[l] as number) < 1 ? small : large).push(l)
    }
    for (const i of [...small, ...large]) this.probability[i] = 1
  }

  get size(): number {
    return this.alias.length
  }

  sample(random: Random): number {
    const x = random.uniform() * this.alias.length
    const i = Math.floor(x)
    return x - i < (this.probability[i] as number) ? i : (this.alias[i] as number)
  }
}

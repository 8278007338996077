import { csvField } from '../io/csv-field.ts'
import { AliasTable, type Random } from '@fcv/core'

// What is sold, where, and in which quantities: shapes taken from the UCI retail log (a UK gift-ware
// wholesaler), none of its actual rows.

const COLOURS = ['PINK', 'RED', 'WHITE', 'BLUE', 'GREEN', 'IVORY', 'BLACK', 'GOLD', 'SILVER']
// prettier-ignore
const STYLES = [
  'VINTAGE', 'RETRO', 'SWEETHEART', 'REGENCY', 'PAISLEY', 'SPOTTY', 'FLORAL', 'ROSE', 'STRAWBERRY',
  'CHRISTMAS', 'SPACEBOY', 'DOLLY GIRL', 'WOODLAND', 'JUMBO', 'MINI', 'SET OF 3', 'SET OF 6',
  'PACK OF 12', 'HANGING', 'HEART', 'STAR', 'BIRD', 'ENAMEL', 'GLASS', 'WOODEN', 'CERAMIC', 'ZINC',
]
// prettier-ignore
const ITEMS = [
  'T-LIGHT HOLDER', 'LUNCH BAG', 'CAKE CASES', 'DOORMAT', 'TEA CUP AND SAUCER', 'PHOTO FRAME',
  'CANDLE', 'BUNTING', 'MUG', 'TRINKET BOX', 'NAPKINS', 'PLATE', 'BOWL', 'JAR', 'CLOCK', 'CUSHION',
  'GIFT WRAP', 'STORAGE TIN', 'WATER BOTTLE', 'CARD', 'LANTERN', 'DECORATION', 'PURSE', 'BAG',
  'NOTEBOOK', 'COASTER', 'SIGN', 'PARASOL', 'UMBRELLA', 'ALARM CLOCK', 'JEWELLERY BOX', 'APRON',
  'OVEN GLOVE', 'TISSUES', 'STICKERS', 'MAGNET', 'KEY RING', 'TOY', 'PAPER CHAIN KIT', 'BASKET',
]
const VARIANTS = ['LARGE', 'SMALL', 'ASSORTED', 'DESIGN', 'WITH LID', 'IN BOX']

/** Countries by share of customers; the real log is ~92 % United Kingdom, then a skewed tail. */
// prettier-ignore
const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ['United Kingdom', 918.8], ['EIRE', 17.4], ['Germany', 16.8], ['France', 12.7],
  ['Netherlands', 5.2], ['Spain', 3.4], ['Belgium', 2.8], ['Switzerland', 2.8], ['Portugal', 2.1],
  ['Australia', 2], ['Channel Islands', 1.7], ['Sweden', 1.4], ['Italy', 1.3], ['Cyprus', 1.1],
  ['Norway', 1], ['Finland', 1], ['Austria', 1], ['Unspecified', 0.8], ['Denmark', 0.8],
  ['Greece', 0.7], ['Japan', 0.5], ['USA', 0.4], ['Poland', 0.4], ['Canada', 0.2],
]

/** Quantities of one order line for a customer of average spend level, and their weights. */
// prettier-ignore
const BASE_QUANTITIES: ReadonlyArray<readonly [number, number]> = [
  [1, 276], [2, 149], [12, 115], [6, 82], [3, 67], [4, 66], [24, 44], [10, 39], [8, 25], [5, 21],
  [48, 12], [25, 9], [20, 8], [16, 7], [36, 7], [7, 4], [9, 4], [72, 4], [96, 3], [18, 3],
  [100, 3], [30, 3], [32, 3], [144, 2], [50, 2], [40, 2],
]

const PACK_MULTIPLIERS = [1, 2, 3, 4, 6, 8, 12, 24]

export const UNITED_KINGDOM = 0

/** Pence as `1.25`, `0.00`: the log's two-decimal price format. */
export function formatPence(pence: number): string {
  const sign = pence < 0 ? '-' : ''
  const p = Math.abs(pence)
  return `${sign}${Math.floor(p / 100)}.${String(p % 100).padStart(2, '0')}`
}

export interface Catalogue {
  readonly size: number
  readonly code: readonly string[]
  /** Already CSV-escaped. */
  readonly description: readonly string[]
  readonly pricePence: Int32Array
  /** Unit price for lines of 100+ (the wholesale tier seen in the real log). */
  readonly bulkPricePence: Int32Array
  /** Zipf-like popularity: a few best sellers, a long tail. */
  readonly popularity: AliasTable
}

function describe(random: Random): string {
  const pick = (words: readonly string[]) => words[random.int(words.length)] as string
  const u = random.uniform()
  // ~2 % of products carry a comma, ~0.7 % an inch mark, a few a stray trailing space: the
  // quoting and whitespace quirks of the real descriptions.
  if (u < 0.012) return `${pick(ITEMS)} , ${pick(STYLES)} ${pick(COLOURS)} DESIGN`
  if (u < 0.02) return `${pick(ITEMS)}, THE ${pick(STYLES)} ${pick(ITEMS)}`
  if (u < 0.027) return `${pick(ITEMS)} ${4 + random.int(9)}" ${pick(VARIANTS)} `
  const colour = random.uniform() < 0.5 ? `${pick(COLOURS)} ` : ''
  const variant = random.uniform() < 0.3 ? ` ${pick(VARIANTS)}` : ''
  const trailing = random.uniform() < 0.1 ? ' ' : ''
  return `${colour}${pick(STYLES)} ${pick(ITEMS)}${variant}${trailing}`
}

/** Retail-looking prices: x.x5 steps from a pound up, whole pence below. */
function roundPrice(pounds: number): number {
  const pence = Math.max(1, Math.round(pounds * 100))
  return pence >= 100 ? Math.max(5, Math.round(pence / 5) * 5) : pence
}

export function makeCatalogue(random: Random, size = 4000): Catalogue {
  const code: string[] = []
  const description: string[] = []
  const pricePence = new Int32Array(size)
  const bulkPricePence = new Int32Array(size)
  const usedCodes = new Set<string>()
  const usedDescriptions = new Set<string>()
  const weights: number[] = []
  for (let i = 0; i < size; i++) {
    let c: string
    do {
      const suffix = random.uniform() < 0.3 ? 'ABCDEGLNPRSW'.charAt(random.int(12)) : ''
      c = `${10000 + random.int(80000)}${suffix}`
    } while (usedCodes.has(c))
    usedCodes.add(c)
    let d: string
    do d = describe(random)
    while (usedDescriptions.has(d))
    usedDescriptions.add(d)
    code.push(c)
    description.push(csvField(d))
    // Lognormal, median ~£2.10: most lines are cheap gifts, a tail of furniture at tens of pounds.
    const price = roundPrice(Math.exp(Math.log(2.1) + 0.8 * random.normal()))
    pricePence[i] = price
    bulkPricePence[i] = roundPrice((price * 0.85) / 100)
    // Zipf with an offset: in the real log the top 10 codes carry ~3.5 % of lines, the top 1000 ~70 %.
    weights.push(1 / (i + 90) ** 1.1)
  }
  return {
    size,
    code,
    description,
    pricePence,
    bulkPricePence,
    popularity: new AliasTable(weights),
  }
}

export class Countries {
  readonly names: readonly string[]
  private readonly table = new AliasTable(COUNTRIES.map(([, w]) => w))

  constructor() {
    this.names = COUNTRIES.map(([name]) => csvField(name))
  }

  sample(random: Random): number {
    return this.table.sample(random)
  }
}

export class Quantities {
  private readonly table = new AliasTable(BASE_QUANTITIES.map(([, w]) => w))

  /** A line quantity for a customer who buys in multiples of `packMultiplier`. */
  sample(random: Random, packMultiplier: number): number {
    const base = (BASE_QUANTITIES[this.table.sample(random)] as readonly [number, number])[0]
    return base * packMultiplier
  }
}

/**
 * A continuous spend level (mean 1) as the nearest pack multiplier on a log scale: quantities stay
 * the round numbers buyers use (12 becomes 24 or 36, not 17) while big buyers order more of each.
 */
export function packMultiplier(spendLevel: number): number {
  let best = 1
  for (const m of PACK_MULTIPLIERS) {
    if (Math.abs(Math.log(spendLevel / m)) < Math.abs(Math.log(spendLevel / best))) best = m
  }
  return best
}

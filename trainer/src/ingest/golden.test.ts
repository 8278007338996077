// A small log in the UCI Online Retail II layout, with every cleaning case the real log has; the
// expected counts and amounts were worked out by hand, line by line (see the comments).

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readInterim } from '../interim/index.ts'
import { runIngest } from './index.ts'
import { quiet, tempDir, testParams, writeFixture } from './test-fixtures.ts'

const RETAIL_LOG = `Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,2009-12-01 07:45:00,6.95,13085,United Kingdom
489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085,United Kingdom
489434,22041,"RECORD FRAME 7"" SINGLE SIZE ",48,2009-12-01 07:45:00,2.1,13085,United Kingdom
489434,21232,"STRAWBERRY CERAMIC TRINKET BOX, SMALL",24,2009-12-01 07:45:00,1.25,13085,United Kingdom
489434,POST,POSTAGE,1,2009-12-01 07:45:00,18,13085,United Kingdom
489435,22350,CAT BOWL ,12,2009-12-01 07:46:00,2.55,13085,United Kingdom
489435,22350,CAT BOWL ,12,2009-12-01 07:46:00,2.55,13085,United Kingdom
489436,48173C,DOOR MAT BLACK FLOCK ,10,2009-12-01 09:06:00,5.95,13078,United Kingdom
489436,21755,LOVE BUILDING BLOCK WORD,18,2009-12-01 09:06:00,5.45,13078,United Kingdom
489436,21754,HOME BUILDING BLOCK WORD,3,2009-12-01 09:06:00,5.95,13078,United Kingdom
489437,22143,CHRISTMAS CRAFT HEART DECORATIONS,6,2009-12-01 09:08:00,2.1,,United Kingdom
489437,22145,CHRISTMAS CRAFT HEART STOCKING,6,2009-12-01 09:08:00,2.1,,United Kingdom
489437,22145,CHRISTMAS CRAFT HEART STOCKING,6,2009-12-01 09:08:00,2.1,,United Kingdom
489438,21329,DINOSAURS  WRITING SET ,28,2009-12-01 09:24:00,0.98,18102,United Kingdom
489438,21252,DINOSAUR LUNCH BOX WITH CUTLERY,3,2009-12-01 09:24:00,0.335,18102,United Kingdom
489439,22065,CHRISTMAS PUDDING TRINKET POT ,12,2009-12-01 09:28:00,1.45,12682,France
489439,85099F,JUMBO BAG STRAWBERRY,0,2009-12-01 09:28:00,1.95,12682,France
489440,22423,REGENCY CAKESTAND 3 TIER,1,2009-12-01 09:30:00,0,12682,France
C489449,22087,PAPER BUNTING WHITE LACE,-12,2009-12-01 10:33:00,2.95,16321,Australia
489450,21730,GLASS STAR FROSTED T-LIGHT HOLDER,6,2010-06-15 12:00:00,4.25,16321,Australia
C489451,21730,GLASS STAR FROSTED T-LIGHT HOLDER,-6,2010-06-16 12:00:00,4.25,16321,Australia
489452,84406B,CREAM CUPID HEARTS COAT HANGER,3,2010-06-20 10:00:00,0.1,17850,United Kingdom
489452,84029G,KNITTED UNION FLAG HOT WATER BOTTLE,3,2010-06-20 10:00:00,0.2,17850,United Kingdom
C489453,84406B,CREAM CUPID HEARTS COAT HANGER,-3,2010-06-21 10:00:00,0.1,17850,United Kingdom
C489453,84029G,KNITTED UNION FLAG HOT WATER BOTTLE,-3,2010-06-21 10:00:00,0.2,17850,United Kingdom
C489460,22000,"HAND WARMER ""RED"", OWL",2,2010-07-01 10:00:00,1.5,13085,United Kingdom
489470,22111,SCOTTIE DOG HOT WATER BOTTLE,-1,2010-07-02 10:00:00,4.95,13078,United Kingdom
489480,21212,PACK OF 72 RETROSPOT CAKE CASES,24,2010-10-31 01:30:00,0.55,18102,United Kingdom
489490,TEST001,This is a test product.,5,2010-11-01 10:00:00,4.5,12346,United Kingdom
C489491,BANK CHARGES,Bank Charges,-1,2010-11-02 10:00:00,15,12346,United Kingdom
A506401,B,Adjust bad debt,1,2010-04-29 13:36:00,-53594.36,,United Kingdom
`

/** The retail mapping of params.yaml, spelled out so this test pins it. */
const RETAIL_DATA = {
  columns: {
    customer_id: 'Customer ID',
    timestamp: 'InvoiceDate',
    quantity: 'Quantity',
    unit_price: 'Price',
    order_id: 'Invoice',
    product_id: 'StockCode',
    country: 'Country',
  },
  timestamp_format: 'YYYY-MM-DD HH:MM:SS',
  timezone: 'Europe/London',
  currency: 'GBP',
  cancellation: { order_id_prefix: 'C' },
  exclude_products: { codes: ['POST', 'DOT', 'M', 'BANK CHARGES', 'B'], patterns: ['^TEST'] },
}

describe('ingest of a retail log (golden)', () => {
  it('keeps, drops and sums exactly what the rules say', async () => {
    const dir = await tempDir()
    const file = await writeFixture(dir, 'retail.csv.gz', RETAIL_LOG)
    const out = join(dir, 'interim')
    const report = await runIngest(testParams(file, out, RETAIL_DATA), quiet)

    expect(report).toMatchObject({
      rows_read: 31,
      rows_kept: 21,
      rows_quarantined: 10,
      invalid_rows: 0,
      customers: 6,
      orders: 13,
      returns: 6, // lines 20, 22, 25, 26, 27 (a C order with a positive quantity), 28 (a plain return)
      date_range: { first: '2009-12-01T07:45:00.000Z', last: '2010-10-31T00:30:00.000Z' },
      currency: 'GBP',
      currency_exponent: 2,
      total_amount_minor: 51695,
      total_amount: '516.95',
      input_compression: 'gzip',
    })
    expect(report.by_reason).toEqual({
      wrong_field_count: 0,
      bad_timestamp: 0,
      bad_quantity: 0,
      bad_unit_price: 0,
      bad_amount: 0,
      missing_customer_id: 4, // lines 12, 13, 14 (also a duplicate: the first rule wins), 32
      duplicate: 1, // line 8
      excluded_product: 3, // POST, TEST001, BANK CHARGES
      non_positive_price: 1, // line 19
      zero_amount: 1, // line 18, quantity 0
    })
    expect(report.duplicates).toEqual({
      setting: 'auto',
      policy: 'drop',
      reason: 'an order id column is mapped', // Invoice
      kept: 0,
    })

    const quarantine = await readFile(join(out, 'quarantine.csv'), 'utf8')
    const reasons = quarantine
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').slice(0, 3).join(','))
    expect(reasons).toEqual([
      '6,excluded_product,StockCode',
      '8,duplicate,',
      '12,missing_customer_id,Customer ID',
      '13,missing_customer_id,Customer ID',
      '14,missing_customer_id,Customer ID',
      '18,zero_amount,',
      '19,non_positive_price,Price',
      '30,excluded_product,StockCode',
      '31,excluded_product,StockCode',
      '32,missing_customer_id,Customer ID',
    ])

    const cols = await readInterim(join(out, 'transactions.arrow'))
    expect(cols.length).toBe(21)
    expect(cols.customerIds).toEqual(['13085', '13078', '18102', '12682', '16321', '17850'])
    expect(cols.countries).toEqual(['United Kingdom', 'France', 'Australia'])
    const perCustomer = new Map<string, number>()
    for (let i = 0; i < cols.length; i++) {
      const id = cols.customerIds[cols.customer[i] as number] as string
      perCustomer.set(id, (perCustomer.get(id) ?? 0) + (cols.amountMinor[i] as number))
    }
    expect(Object.fromEntries(perCustomer)).toEqual({
      '13085': 8340 + 8100 + 10080 + 3000 + 3060 - 300,
      '13078': 5950 + 9810 + 1785 - 495,
      '18102': 2744 + 101 + 1320, // 3 x 0.335 = 1.005 rounds half away from zero to 101
      '12682': 1740,
      '16321': -3540 + 2550 - 2550,
      '17850': 0, // 3 x 0.1 + 3 x 0.2 bought, then cancelled: exactly 0, not 1e-17
    })
    const bst = cols.timestamp.indexOf(Date.parse('2010-06-15T11:00:00Z')) // 12:00 BST
    expect(bst).toBeGreaterThan(0)
    expect(cols.amountMinor[bst]).toBe(2550)
    expect(new Set(cols.order).size).toBe(13)
  })
})

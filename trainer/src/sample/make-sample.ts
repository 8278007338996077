// Cuts the real-data sample shipped in data/sample/ (see its README.md):
//   node trainer/src/sample/make-sample.ts --in SOURCE.csv.gz --out data/sample/X.csv.gz --customers 1000
import { parseArgs } from 'node:util'
import { cutSample } from './cut.ts'

const { values } = parseArgs({
  options: {
    in: { type: 'string' },
    out: { type: 'string' },
    customers: { type: 'string', default: '1000' },
    'guest-share': { type: 'string', default: '0.02' },
    'customer-column': { type: 'string', default: 'Customer ID' },
  },
})
if (!values.in || !values.out) {
  console.error(
    'usage: make-sample.ts --in SOURCE --out SAMPLE [--customers 1000] [--guest-share 0.02]'
  )
  process.exit(2)
}
const summary = await cutSample({
  input: values.in,
  output: values.out,
  customers: Number(values.customers),
  guestShare: Number(values['guest-share']),
  customerColumn: values['customer-column'],
})
console.log(JSON.stringify(summary, null, 2))

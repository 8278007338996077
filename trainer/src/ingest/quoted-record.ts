// Splitting a record that holds quotes into its fields, once the tokenizer has found where it ends.
// Same rules as the tokenizer's scanner: a field is quoted only when its first character is a quote,
// "" inside it is one quote, and text after the closing quote (or any quote in an unquoted field) is
// kept literally.

const QUOTE = 34

/** Splits one complete record (without its line end) that contains at least one quote. */
export function splitQuotedRecord(text: string, delimiter: string): string[] {
  const fields: string[] = []
  const n = text.length
  let i = 0
  for (;;) {
    let value: string
    let j: number
    if (text.charCodeAt(i) === QUOTE) {
      value = ''
      j = i + 1
      for (;;) {
        const q = text.indexOf('"', j)
        if (q === -1) {
          // Only reachable for text that the scanner did not vet; keep the rest literally.
          value += text.slice(j)
          j = n
          break
        }
        value += text.slice(j, q)
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += '"'
          j = q + 2
        } else {
          j = q + 1
          break
        }
      }
    } else {
      value = ''
      j = i
    }
    const d = text.indexOf(delimiter, j)
    const stop = d === -1 ? n : d
    fields.push(j === stop ? value : value + text.slice(j, stop))
    if (d === -1) return fields
    i = d + 1
  }
}

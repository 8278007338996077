// Splitting CSV bytes into lines, and each plain line (ASCII, and either no quote or only fields
// quoted whole, see quotedLine) into field ranges with its duplicate fingerprint: the part of reading
// that needs no parameters but the delimiter. It runs in the input worker (input.ts), beside the main
// thread, or in-process for small inputs and tests. Which lines are records (not inside a quoted
// field that spans lines) is for the consumer to say (csv-bytes.ts): a line's kind says only how it
// can be read if it is one.

/**
 * One piece of input cut at line feeds, and its line table. A line's record in `info` starts at the
 * offset the previous one ends, and holds:
 *   [0] start, [1] end (without a carriage return before the line feed), [2] next (just past the line
 *   feed; the piece's length for a last line without one), [3] kind (PLAIN, TEXT or BLANK), [4] the
 *   number of fields (PLAIN only, else 0), [5] [6] the fingerprint's two halves (PLAIN only), then
 *   each field's start and end.
 * `continues`: the first line continues a line whose earlier bytes came as `partial` pieces (pieces
 * of an over-long line, with no line feed and no lines). `offset`: where the piece's bytes start in
 * the stream (pieces follow each other without gap or overlap).
 */
export interface SplitPiece {
  bytes: Uint8Array
  info: Int32Array
  lines: number
  continues: boolean
  partial: boolean
  offset: number
}

export const PLAIN = 0
export const TEXT = 1
export const BLANK = 2

/** Fields of a line record start at this offset. */
export const FIELDS_AT = 7

/**
 * The 64-bit fingerprint of bytes [start, end) of `view`, written to out[at] and out[at + 1]. Two
 * 32-bit lanes with different seeds, rotations and multipliers over little-endian words; both rotate,
 * so every bit of a word reaches every bit of the lane, fmix32 finishes the avalanche, and the length
 * goes into both.
 */
export function fingerprint(
  view: DataView,
  start: number,
  end: number,
  out: Int32Array,
  at: number
): void {
  let a = 0x811c9dc5 | 0
  let b = 0x2545f491
  let i = start
  for (const stop = end - 3; i < stop; i += 4) {
    const w = view.getInt32(i, true)
    a = Math.imul(((a ^ w) << 15) | ((a ^ w) >>> 17), 0x85ebca77)
    b = Math.imul(((b << 7) | (b >>> 25)) ^ w, 0xc2b2ae3d)
  }
  let w = 0
  for (let shift = 0; i < end; i++, shift += 8) w |= view.getUint8(i) << shift
  a = Math.imul(((a ^ w) << 15) | ((a ^ w) >>> 17), 0x85ebca77)
  b = Math.imul(((b << 7) | (b >>> 25)) ^ w, 0xc2b2ae3d)
  const length = end - start
  let h = a ^ length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  out[at] = h ^ (h >>> 16)
  h = b + Math.imul(length, 0x27d4eb2f)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  out[at + 1] = h ^ (h >>> 16)
}

/**
 * Cuts a stream of byte chunks into SplitPieces that end at line feeds. A partial line is carried to
 * the next chunk; one longer than `maxCarry` bytes is passed on in `partial` pieces instead.
 */
export class LineSplitter {
  /** The delimiter's byte, or -1 when it is not ASCII (then no line with one is plain). */
  private readonly delimiter: number
  private readonly maxCarry: number
  private carry: Uint8Array[] = []
  private carryLength = 0
  /** The current line was passed on in partial pieces. */
  private streaming = false
  /** Bytes of the stream in the pieces so far. */
  private offset = 0
  /** Buffers of pieces handed back (recycle()), for new pieces: no allocating, zeroing, collecting. */
  private readonly spareBytes: ArrayBuffer[] = []
  private readonly spareInfo: ArrayBuffer[] = []
  /** For the canonical text of a line with quotes. */
  private scratch = new Uint8Array(1024)
  private scratchView = new DataView(this.scratch.buffer)

  constructor(delimiter: number, maxCarry: number) {
    this.delimiter = delimiter < 0x80 ? delimiter : -1
    this.maxCarry = maxCarry
  }

  /** The pieces of the next chunk (the chunk is not kept: pieces are copies). */
  push(chunk: Uint8Array): SplitPiece[] {
    const out: SplitPiece[] = []
    const n = chunk.length
    if (n === 0) return out
    const last = chunk.lastIndexOf(10)
    if (last === -1) {
      this.carry.push(chunk.slice())
      this.carryLength += n
      if (this.carryLength > this.maxCarry) {
        out.push(this.piece(this.takeCarry(null, 0), 0, true))
        this.streaming = true
      }
      return out
    }
    out.push(this.piece(this.takeCarry(chunk, last + 1), 0, false))
    this.streaming = false
    if (last + 1 < n) {
      this.carry.push(chunk.slice(last + 1))
      this.carryLength = n - last - 1
    }
    return out
  }

  /** The last line, which has no line feed (if there is one). */
  end(): SplitPiece[] {
    if (this.carryLength === 0) return []
    const piece = this.piece(this.takeCarry(null, 0), 1, false)
    this.streaming = false
    return [piece]
  }

  /**
   * A line with quotes whose quoting is simple: ASCII, every quote opens a field or closes it just
   * before a delimiter or the line's end, and no field holds a doubled quote (nor a line feed, so
   * the record ends with the line). Such a line is read here as CsvTokenizer would read it, each
   * quoted field's value being the bytes between its quotes; its record is written at `o` as for a
   * plain line, with the fingerprint of its canonical text (field-record.ts), and the offset after it
   * returned. Any other line returns -1, for the text path.
   */
  private quotedLine(
    bytes: Uint8Array,
    pos: number,
    end: number,
    info: Int32Array,
    o: number
  ): number {
    const delimiter = this.delimiter
    let f = o + 7
    let k = 0
    let i = pos
    for (;;) {
      if (i < end && bytes[i] === 34) {
        let q = i + 1
        while (q < end && bytes[q] !== 34) {
          if ((bytes[q] as number) >= 0x80) return -1
          q++
        }
        // No closing quote on this line, a doubled quote, or text after the closing quote.
        if (q >= end || (q + 1 < end && bytes[q + 1] !== delimiter)) return -1
        info[f] = i + 1
        info[f + 1] = q
        i = q + 1
      } else {
        const start = i
        while (i < end && bytes[i] !== delimiter) {
          const c = bytes[i] as number
          if (c === 34 || c >= 0x80) return -1
          i++
        }
        info[f] = start
        info[f + 1] = i
      }
      f += 2
      k++
      if (i >= end) break
      i++ // past the delimiter; one at the very end leaves an empty last field
      if (i === end) {
        info[f] = end
        info[f + 1] = end
        f += 2
        k++
        break
      }
    }
    info[o] = pos
    info[o + 1] = end
    info[o + 3] = 0 // PLAIN
    info[o + 4] = k
    // The canonical text: the fields joined, quoted only when they hold the delimiter.
    if (this.scratch.length < end - pos) {
      this.scratch = new Uint8Array(2 * (end - pos))
      this.scratchView = new DataView(this.scratch.buffer)
    }
    const out = this.scratch
    let at = 0
    for (let field = 0, g = o + 7; field < k; field++, g += 2) {
      const s = info[g] as number
      const e = info[g + 1] as number
      if (field > 0) out[at++] = delimiter
      let holdsDelimiter = false
      if (s > pos && bytes[s - 1] === 34) {
        for (let j = s; j < e; j++) if (bytes[j] === delimiter) holdsDelimiter = true
      }
      if (holdsDelimiter) out[at++] = 34
      for (let j = s; j < e; j++) out[at++] = bytes[j] as number
      if (holdsDelimiter) out[at++] = 34
    }
    fingerprint(this.scratchView, 0, at, info, o + 5)
    return f
  }

  /** Gives back a piece that is no longer used, so its buffers can hold later pieces. */
  recycle(piece: SplitPiece): void {
    if (this.spareBytes.length < 8) this.spareBytes.push(piece.bytes.buffer as ArrayBuffer)
    if (this.spareInfo.length < 8) this.spareInfo.push(piece.info.buffer as ArrayBuffer)
  }

  /** A spare buffer of at least `size` bytes, or a new one with room to spare. */
  private static take(spares: ArrayBuffer[], size: number): ArrayBuffer {
    for (let i = 0; i < spares.length; i++) {
      const b = spares[i] as ArrayBuffer
      if (b.byteLength >= size) {
        spares[i] = spares[spares.length - 1] as ArrayBuffer
        spares.pop()
        return b
      }
    }
    return new ArrayBuffer(Math.max((size + (size >> 2) + 7) & ~7, 1 << 16)) // a multiple of 8
  }

  /** The carried bytes followed by chunk[0, upTo), as one array. */
  private takeCarry(chunk: Uint8Array | null, upTo: number): Uint8Array {
    const size = this.carryLength + upTo
    const bytes = new Uint8Array(LineSplitter.take(this.spareBytes, size), 0, size)
    let at = 0
    for (const c of this.carry) {
      bytes.set(c, at)
      at += c.length
    }
    if (chunk !== null) bytes.set(chunk.subarray(0, upTo), at)
    this.carry = []
    this.carryLength = 0
    return bytes
  }

  /**
   * A piece over `bytes`: its lines (each ended by a line feed, and a last one without when `final`
   * is 1), or none when `partial`.
   */
  private piece(bytes: Uint8Array, final: number, partial: boolean): SplitPiece {
    const continues = this.streaming
    const offset = this.offset
    this.offset += bytes.length
    if (partial) {
      const none = new Int32Array(LineSplitter.take(this.spareInfo, 4), 0, 0)
      return { bytes, info: none, lines: 0, continues, partial, offset }
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const n = bytes.length
    const delimiter = this.delimiter
    const spread = Math.imul(delimiter & 0xff, 0x01010101)
    // A line record takes at most 7 + 2 * (bytes + 1) ints; most take a fraction of that.
    let info = new Int32Array(LineSplitter.take(this.spareInfo, 4 * (n + 64)))
    let o = 0
    let lines = 0
    let pos = 0
    while (pos < n) {
      let nl = bytes.indexOf(10, pos)
      if (nl === -1) {
        if (final !== 1) break
        nl = n
      }
      // Room for the record of a line with every byte a delimiter.
      if (o + 7 + 2 * (nl - pos + 1) > info.length) {
        const grown = new Int32Array(Math.max(info.length * 2, o + 7 + 2 * (nl - pos + 1)))
        grown.set(info.subarray(0, o))
        info = grown
      }
      const end = nl > pos && bytes[nl - 1] === 13 ? nl - 1 : nl
      info[o] = pos
      info[o + 1] = end
      info[o + 2] = nl + 1 > n ? n : nl + 1
      // Scan the fields four bytes at a time: a word without the delimiter, a quote or a high bit
      // (found with the has-zero-byte trick, which never misses one) is skipped whole.
      let k = 0
      let f = o + 7
      info[f] = pos
      let plain = true
      let i = pos
      for (const stop = nl - 3; i < stop && plain; i += 4) {
        const w = view.getInt32(i, true)
        const d = w ^ spread
        const q = w ^ 0x22222222
        if ((((d - 0x01010101) & ~d) | ((q - 0x01010101) & ~q) | w) & 0x80808080) {
          for (let j = i; j < i + 4; j++) {
            const c = bytes[j] as number
            if (c === delimiter) {
              info[f + 1] = j
              f += 2
              k++
              info[f] = j + 1
            } else if (c >= 0x80 || c === 34) {
              plain = false
              break
            }
          }
        }
      }
      for (; i < nl && plain; i++) {
        const c = bytes[i] as number
        if (c === delimiter) {
          info[f + 1] = i
          f += 2
          k++
          info[f] = i + 1
        } else if (c >= 0x80 || c === 34) {
          plain = false
        }
      }
      const quoted = plain ? -1 : this.quotedLine(bytes, pos, end, info, o)
      if (quoted >= 0) {
        o = quoted
      } else if (!plain) {
        info[o + 3] = 1 // TEXT
        info[o + 4] = 0
        o += 7
      } else if (end === pos) {
        info[o + 3] = 2 // BLANK
        info[o + 4] = 0
        o += 7
      } else {
        info[f + 1] = end // the last field ends where the line does
        info[o + 3] = 0 // PLAIN
        info[o + 4] = k + 1
        fingerprint(view, pos, end, info, o + 5)
        o = f + 2
      }
      lines++
      pos = nl + 1
    }
    return { bytes, info: info.subarray(0, o), lines, continues, partial, offset }
  }
}

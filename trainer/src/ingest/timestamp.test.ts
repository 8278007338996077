import { describe, expect, it } from 'vitest'
import { TIMESTAMP_FORMATS } from '../params/schema.ts'
import { TIMESTAMP_EXAMPLES, makeTimestampParser } from './timestamp.ts'
import { makeWallClockToUtc } from './wall-clock.ts'

const utc = (iso: string) => Date.parse(iso)

describe('makeTimestampParser', () => {
  it('parses YYYY-MM-DD HH:MM:SS, with or without seconds, space or T', () => {
    const p = makeTimestampParser('YYYY-MM-DD HH:MM:SS', 'UTC')
    expect(p('2011-03-27 14:05:09')).toBe(utc('2011-03-27T14:05:09Z'))
    expect(p('2011-03-27 14:05')).toBe(utc('2011-03-27T14:05:00Z'))
    expect(p('2011-03-27T14:05:09')).toBe(utc('2011-03-27T14:05:09Z'))
    expect(p('2011-03-27 14:05:09.25')).toBe(utc('2011-03-27T14:05:09.250Z'))
    for (const bad of [
      '2011-3-27 14:05',
      '2011-03-27',
      '27/03/2011 14:05',
      '2011-03-27 14:05Z',
      '',
    ]) {
      expect(p(bad)).toBeUndefined()
    }
  })

  it('rejects impossible dates and times instead of rolling them over', () => {
    const p = makeTimestampParser('YYYY-MM-DD HH:MM:SS', 'Europe/London')
    for (const bad of [
      '2011-02-30 10:00:00',
      '2011-02-29 10:00:00',
      '2011-13-01 10:00:00',
      '2011-00-10 10:00:00',
      '2011-04-31 10:00:00',
      '2011-01-01 25:00:00',
      '2011-01-01 24:00:00',
      '2011-01-01 10:60:00',
      '2011-01-01 10:00:60',
    ]) {
      expect(p(bad), bad).toBeUndefined()
    }
    expect(p('2012-02-29 10:00:00')).toBe(utc('2012-02-29T10:00:00Z'))
    expect(p('2000-02-29 10:00:00')).toBe(utc('2000-02-29T10:00:00Z'))
    expect(makeTimestampParser('YYYYMMDD', 'UTC')('19000229')).toBeUndefined()
  })

  it('parses iso8601: zoned values are instants, unzoned ones are wall clock in the zone', () => {
    const p = makeTimestampParser('iso8601', 'America/New_York')
    expect(p('2011-07-01T12:00:00Z')).toBe(utc('2011-07-01T12:00:00Z'))
    expect(p('2011-07-01T12:00:00+02:00')).toBe(utc('2011-07-01T10:00:00Z'))
    expect(p('2011-07-01T12:00:00-0530')).toBe(utc('2011-07-01T17:30:00Z'))
    expect(p('2011-07-01T12:00:00.5+01')).toBe(utc('2011-07-01T11:00:00.500Z'))
    expect(p('2011-07-01T12:00:00')).toBe(utc('2011-07-01T16:00:00Z')) // EDT
    expect(p('2011-01-01T12:00')).toBe(utc('2011-01-01T17:00:00Z')) // EST
    expect(p('2011-07-01')).toBe(utc('2011-07-01T04:00:00Z'))
    for (const bad of [
      '2011-07-01T12:00:00+25:00',
      '2011-07-32T00:00:00Z',
      'July 1',
      '2011-07-01T',
    ]) {
      expect(p(bad), bad).toBeUndefined()
    }
  })

  it('parses YYYYMMDD as local midnight', () => {
    expect(makeTimestampParser('YYYYMMDD', 'UTC')('20110327')).toBe(utc('2011-03-27T00:00:00Z'))
    expect(makeTimestampParser('YYYYMMDD', 'Europe/London')('20110701')).toBe(
      utc('2011-06-30T23:00:00Z')
    )
    expect(makeTimestampParser('YYYYMMDD', 'UTC')('2011032')).toBeUndefined()
  })

  it('parses DD/MM/YYYY HH:MM and MM/DD/YYYY HH:MM with one- or two-digit parts', () => {
    const dmy = makeTimestampParser('DD/MM/YYYY HH:MM', 'UTC')
    const mdy = makeTimestampParser('MM/DD/YYYY HH:MM', 'UTC')
    expect(dmy('1/12/2010 8:26')).toBe(utc('2010-12-01T08:26:00Z'))
    expect(dmy('01/12/2010 08:26:30')).toBe(utc('2010-12-01T08:26:30Z'))
    expect(mdy('12/1/2010 8:26')).toBe(utc('2010-12-01T08:26:00Z'))
    expect(mdy('12/01/2010 18:26:05')).toBe(utc('2010-12-01T18:26:05Z'))
    expect(dmy('31/12/2010')).toBe(utc('2010-12-31T00:00:00Z'))
    expect(dmy('12/31/2010 8:26')).toBeUndefined()
    expect(mdy('31/12/2010 8:26')).toBeUndefined()
    expect(dmy('1/12/10 8:26')).toBeUndefined()
    expect(dmy('1/12/2010 8:6')).toBeUndefined()
  })

  it('parses epoch seconds and milliseconds exactly', () => {
    const s = makeTimestampParser('epoch_s', 'Europe/London')
    const ms = makeTimestampParser('epoch_ms', 'Europe/London')
    expect(s('1301234700')).toBe(1301234700000)
    expect(s('1301234700.001')).toBe(1301234700001)
    expect(s('-1.5')).toBe(-1500)
    expect(s('0')).toBe(0)
    expect(ms('1301234700123')).toBe(1301234700123)
    for (const bad of ['', '1e9', '12a', '1.5.2', '99999999999999999999']) {
      expect(s(bad), bad).toBeUndefined()
    }
    expect(ms('1.5')).toBeUndefined()
  })

  it('parses the example of every format it documents', () => {
    for (const format of TIMESTAMP_FORMATS) {
      expect(makeTimestampParser(format, 'UTC')(TIMESTAMP_EXAMPLES[format]), format).toBeTypeOf(
        'number'
      )
    }
  })

  it('returns the same result when the same text repeats (cached) and after a different one', () => {
    const p = makeTimestampParser('YYYY-MM-DD HH:MM:SS', 'UTC')
    expect(p('bad')).toBeUndefined()
    expect(p('bad')).toBeUndefined()
    expect(p('2011-01-01 00:00:00')).toBe(utc('2011-01-01T00:00:00Z'))
    expect(p('2011-01-01 00:00:00')).toBe(utc('2011-01-01T00:00:00Z'))
  })
})

describe('wall clock to UTC across daylight saving', () => {
  const london = makeTimestampParser('YYYY-MM-DD HH:MM:SS', 'Europe/London')
  const newYork = makeTimestampParser('YYYY-MM-DD HH:MM:SS', 'America/New_York')

  it('converts ordinary winter and summer times in Europe/London', () => {
    expect(london('2011-01-15 12:00:00')).toBe(utc('2011-01-15T12:00:00Z'))
    expect(london('2011-07-15 12:00:00')).toBe(utc('2011-07-15T11:00:00Z'))
    expect(london('2011-03-27 00:59:59')).toBe(utc('2011-03-27T00:59:59Z'))
    expect(london('2011-03-27 02:00:00')).toBe(utc('2011-03-27T01:00:00Z'))
  })

  it('reads a time in the spring-forward gap with the offset before the gap', () => {
    // London skips 01:00-02:00 on 2011-03-27: 01:30 is read as 01:30 GMT (= 02:30 BST).
    expect(london('2011-03-27 01:30:00')).toBe(utc('2011-03-27T01:30:00Z'))
    // New York skips 02:00-03:00 on 2011-03-13: 02:30 is read as 02:30 EST (= 03:30 EDT).
    expect(newYork('2011-03-13 02:30:00')).toBe(utc('2011-03-13T07:30:00Z'))
    expect(newYork('2011-03-13 03:30:00')).toBe(utc('2011-03-13T07:30:00Z'))
  })

  it('reads a repeated time in the fall-back overlap as the earlier instant', () => {
    // London repeats 01:00-02:00 on 2011-10-30: 01:30 BST (00:30 UTC), not 01:30 GMT.
    expect(london('2011-10-30 01:30:00')).toBe(utc('2011-10-30T00:30:00Z'))
    expect(london('2011-10-30 02:00:00')).toBe(utc('2011-10-30T02:00:00Z'))
    expect(london('2011-10-30 00:59:00')).toBe(utc('2011-10-29T23:59:00Z'))
    // New York repeats 01:00-02:00 on 2011-11-06: 01:30 EDT (05:30 UTC).
    expect(newYork('2011-11-06 01:30:00')).toBe(utc('2011-11-06T05:30:00Z'))
    expect(newYork('2011-11-06 02:30:00')).toBe(utc('2011-11-06T07:30:00Z'))
  })

  it('gives the same answers in any order (the caches do not leak between days or hours)', () => {
    const times = [
      '2011-10-30 01:30:00',
      '2011-10-30 03:00:00',
      '2011-03-27 01:30:00',
      '2011-03-27 03:00:00',
      '2011-07-01 00:00:00',
      '2011-10-30 00:30:00',
    ]
    const fresh = times.map((t) => makeTimestampParser('YYYY-MM-DD HH:MM:SS', 'Europe/London')(t))
    const shared = makeTimestampParser('YYYY-MM-DD HH:MM:SS', 'Europe/London')
    expect([...times].reverse().map(shared).reverse()).toEqual(fresh)
    expect(times.map(shared)).toEqual(fresh)
  })

  it('handles a zone with a half-hour offset and a transition at midnight', () => {
    const toUtc = makeWallClockToUtc('Asia/Kathmandu')
    expect(toUtc(2011, 1, 1, 12, 0, 0, 0)).toBe(utc('2011-01-01T06:15:00Z'))
    // Santiago sprang forward at 24:00 on 2011-08-20: local 2011-08-21 00:30 does not exist.
    const santiago = makeWallClockToUtc('America/Santiago')
    expect(santiago(2011, 8, 21, 0, 30, 0, 0)).toBe(utc('2011-08-21T04:30:00Z'))
    expect(santiago(2011, 8, 21, 1, 30, 0, 0)).toBe(utc('2011-08-21T04:30:00Z'))
  })

  it('keeps years below 100 as written', () => {
    expect(makeWallClockToUtc('UTC')(50, 3, 1, 0, 0, 0, 0)).toBe(utc('0050-03-01T00:00:00Z'))
    expect(makeTimestampParser('YYYYMMDD', 'Europe/London')('00500301')).toBe(
      utc('0050-03-01T00:01:15Z')
    )
  })
})

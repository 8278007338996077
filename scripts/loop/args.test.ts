import { describe, expect, it } from 'vitest'
import { parseLoopArgs, UsageError } from './args.ts'

describe('parseLoopArgs', () => {
  it('turns --data into the first override and keeps --set in order', () => {
    expect(
      parseLoopArgs(['--data', 'params.yaml', '--set', 'a.b=1', '--set', 'c=2', '--check']).sets
    ).toEqual(['data.path=params.yaml', 'a.b=1', 'c=2'])
    expect(parseLoopArgs([])).toEqual({
      check: false,
      sets: [],
      strictGates: false,
      prometheus: true,
      help: false,
    })
  })

  it('names what is wrong', () => {
    expect(() => parseLoopArgs(['--data', 'no/such.csv'])).toThrow(
      new UsageError('--data no/such.csv: no such file')
    )
    expect(() => parseLoopArgs(['--set', 'novalue'])).toThrow(
      /--set novalue: expected key.path=value/
    )
    expect(() => parseLoopArgs(['--chekc'])).toThrow(UsageError)
    expect(() => parseLoopArgs(['train'])).toThrow(UsageError)
  })
})

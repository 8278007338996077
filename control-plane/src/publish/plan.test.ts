import { describe, expect, it } from 'vitest'
import type { Deployment } from '../db/index.ts'
import { desiredState, planChanges } from './plan.ts'
import type { TargetSlot } from './publisher.ts'

const d = (digit: string) => digit.repeat(64)

function deployment(over: Partial<Deployment>): Deployment {
  return {
    modelName: 'm',
    channel: 'edge',
    revision: 1,
    championVersion: '4',
    championBundle: d('4'),
    canaryVersion: null,
    canaryBundle: null,
    canaryShare: 0,
    shadowVersion: null,
    shadowBundle: null,
    updatedAt: new Date(0),
    updatedBy: 'test',
    ...over,
  }
}

const slot = (over: Partial<TargetSlot>): TargetSlot => ({
  channel: 'edge',
  role: 'champion',
  model: 'm',
  version: '4',
  digest: d('4'),
  stored: true,
  ...over,
})

describe('desiredState', () => {
  it('has a slot per role a deployment fills, and manages only channels with a champion', () => {
    const state = desiredState('m', [
      deployment({ canaryVersion: '5', canaryBundle: d('5'), canaryShare: 0.2, revision: 3 }),
      deployment({ modelName: 'other', channel: 'widget' }),
    ])
    expect(state.managed).toEqual(['edge'])
    expect(state.revisions).toEqual({ edge: 3 })
    expect(state.slots).toEqual([
      { channel: 'edge', role: 'champion', model: 'm', version: '4', digest: d('4') },
      {
        channel: 'edge',
        role: 'canary',
        model: 'm',
        version: '5',
        digest: d('5'),
        canaryShare: 0.2,
      },
    ])
  })
})

describe('planChanges', () => {
  const desired = desiredState('m', [
    deployment({ canaryVersion: '5', canaryBundle: d('5'), canaryShare: 0.2 }),
    deployment({ channel: 'widget', championVersion: '6', championBundle: d('6') }),
  ])

  it('asks nothing of a target that serves exactly the desired state', () => {
    const actual = [
      slot({}),
      slot({ role: 'canary', version: '5', digest: d('5'), canaryShare: 0.2 }),
      slot({ channel: 'widget', version: '6', digest: d('6') }),
    ]
    expect(planChanges(desired, actual)).toEqual([])
  })

  it('pushes everything to an empty (new, late or wiped) target, champions first', () => {
    const plan = planChanges(desired, [])
    expect(
      plan.map((a) => a.kind === 'push' && `${a.slot.channel}/${a.slot.role} ${a.why}`)
    ).toEqual(['edge/champion missing', 'edge/canary missing', 'widget/champion missing'])
  })

  it('pushes what differs: another version, a bundle no longer stored, another canary share', () => {
    const plan = planChanges(desired, [
      slot({ version: '3', digest: d('3') }),
      slot({ role: 'canary', version: '5', digest: d('5'), canaryShare: 0.5 }),
      slot({ channel: 'widget', version: '6', digest: d('6'), stored: false }),
    ])
    expect(plan.map((a) => a.why)).toEqual([
      `serves m version 3 (333333333333), not version 4 (444444444444)`,
      'canary share 0.5, not 0.2',
      'its store no longer holds bundle 666666666666',
    ])
  })

  it('withdraws a canary or shadow the channel no longer has, after the pushes', () => {
    const plan = planChanges(desired, [
      slot({ version: '3', digest: d('3') }),
      slot({ role: 'canary', version: '5', digest: d('5'), canaryShare: 0.2 }),
      slot({ channel: 'widget', version: '6', digest: d('6') }),
      slot({ channel: 'widget', role: 'shadow', version: '2', digest: d('2') }),
    ])
    expect(plan.map((a) => a.kind)).toEqual(['push', 'withdraw'])
    expect(plan[1]).toMatchObject({
      kind: 'withdraw',
      channel: 'widget',
      role: 'shadow',
      version: '2',
    })
  })

  it('leaves a channel without a champion here as it is, never withdrawing a champion', () => {
    const edgeOnly = desiredState('m', [deployment({})])
    const plan = planChanges(edgeOnly, [
      slot({}),
      slot({ channel: 'widget', version: '9', digest: d('9') }),
      slot({ channel: 'widget', role: 'canary', version: '8', digest: d('8') }),
    ])
    expect(plan).toEqual([])
  })
})

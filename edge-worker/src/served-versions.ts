import { Lru } from './lru.ts'
import type { ChannelView } from './serving.ts'

/** What a beacon's model version is counted as when this isolate never served it. */
export const OTHER_VERSION = '__other__'

/**
 * The model versions a channel has served in this isolate (the last `capacity`). A page can put
 * any string in a beacon, and each distinct one would become a Prometheus series on the control
 * plane, crowding out the real ones under its cap; so a version the channel never named here is
 * counted as OTHER_VERSION. After a promotion a fresh isolate knows only the new versions:
 * beacons from pages still on the old one count as other until they revalidate.
 */
export class ServedVersions {
  private readonly seen: Lru<string, true>
  constructor(capacity = 16) {
    this.seen = new Lru(capacity)
  }

  note(view: ChannelView): void {
    for (const slot of [view.champion, view.canary, view.shadow]) {
      if (slot) this.seen.set(slot.bundle.manifest.version, true)
    }
  }

  label(version: string | null): string | null {
    return version === null || this.seen.peek(version) ? version : OTHER_VERSION
  }
}

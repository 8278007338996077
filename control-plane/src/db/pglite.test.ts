import { openDatabase } from './open.ts'
import { storageSuite } from './storage-suite.ts'

// One in-memory PGlite for the whole file: a fresh boot costs seconds of CPU.
storageSuite('PGlite (in memory)', () => openDatabase({}))

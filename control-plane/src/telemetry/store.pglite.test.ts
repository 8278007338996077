import { openDatabase } from '../db/open.ts'
import { telemetryStoreSuite } from './store-suite.ts'

// One in-memory PGlite for the whole file: a fresh boot costs seconds of CPU.
telemetryStoreSuite('PGlite (in memory)', () => openDatabase({}))

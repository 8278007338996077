// The calibrated window as zod reads it: in model.json's fcv metadata (core's ScoringMetadataSchema)
// and in a bundle manifest (BundleManifestSchema). Apart from calibrated-window.ts, which the widget
// loads without zod.

import { z } from 'zod'
import { windowBounds } from './calibrated-window.ts'

const DaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD')

export const CalibratedWindowSchema = z
  .object({ from: DaySchema, to: DaySchema, levelAdjusted: z.boolean() })
  .refine((w) => windowBounds(w) !== null, 'must be real days with from before to')

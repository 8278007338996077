export {
  readInterim,
  readInterimMeta,
  readInterimTimeRange,
  type InterimColumns,
  type InterimIds,
  type InterimMeta,
  type ReadInterimOptions,
} from './read.ts'
export { requireIngested } from './require-ingested.ts'
export {
  INTERIM_FIELDS,
  INTERIM_FORMAT_VERSION,
  INTERIM_METADATA_KEYS,
  interimSchema,
  type InterimSource,
} from './schema.ts'

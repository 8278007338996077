export { EdgeTelemetry, type EdgeTelemetryOptions } from './receiver.ts'
export { TELEMETRY_BODY_LIMIT, telemetryRoutes } from './routes.ts'
export {
  TelemetryReportUnstorableError,
  TelemetryStore,
  TelemetryStoreError,
  type TelemetryStoreOptions,
} from './store.ts'
export { TelemetryRetention } from './retention.ts'

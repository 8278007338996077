export { EdgeTelemetry, type EdgeTelemetryOptions } from './receiver.ts'
export { TELEMETRY_BODY_LIMIT, telemetryRoutes } from './routes.ts'

// @fcv/web-widget: score a customer's next-90-day value inside the browser from the promoted, signed
// model of the widget channel; the purchase history never leaves the page.
export { FcvCustomerValue, type PredictionEventDetail } from './element.ts'
export {
  loadModel,
  type LoadModelOptions,
  type ModelInfo,
  type Variant,
  type WidgetModel,
  type WidgetPrediction,
  type WidgetScore,
} from './model.ts'
export type { WidgetHistory } from './history.ts'
export { WidgetError, type WidgetErrorCode, type WidgetErrorDetail } from './errors.ts'
export { flushTelemetry } from './telemetry.ts'

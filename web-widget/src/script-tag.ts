// The script-tag build: defines <fcv-customer-value> and exposes the API as window.fcvWidget.
// Works loaded async or deferred: elements already in the page are upgraded when it runs.
import { FcvCustomerValue } from './element.ts'
import { flushTelemetry } from './telemetry.ts'
import { loadModel } from './model.ts'

// When this file starts to run: the benchmark measures the first prediction from here.
performance.mark('fcv-widget:start')
FcvCustomerValue.define()
Object.assign(globalThis, { fcvWidget: { loadModel, flushTelemetry, FcvCustomerValue } })

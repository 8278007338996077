export { runGenerate, type GenerateOptions, type GenerateSummary } from './run.ts'
export { customersForRows, expectedOrdersPerCustomer, expectedRows } from './sizing.ts'
export { LOG_HEADER, LOG_HEADER_WITHOUT_ORDER_ID, type RowCounts } from './log-writer.ts'
export { COHORT_DAYS, REGIMES, REGIME_PARAMS, isRegime, type Regime } from './regime.ts'

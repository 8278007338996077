// What the numbers of a prediction are in, from the serving bundle's manifest: the edge worker's
// responses and the widget's scores state them the same way. A response says it
// once, for every customer in it, so a canary with other units than the champion serves nobody.

import type { BundleManifest } from '../bundle/manifest.ts'

/** The top-level fields of a POST /v1/predict answer that say what its predictions are in. */
export interface PredictionUnits {
  /** `expected` and the quantiles are net spend in the horizonDays days from asOf. */
  horizonDays: number
  /** ISO 4217 code of the amounts: the currency of the log the model was trained on. */
  currency: string
  /**
   * One major unit is 10^currencyExponent minor units (the inputs' amountMinor); null when the
   * bundle's feature spec does not say (every bundle the control plane builds does).
   */
  currencyExponent: number | null
  /** expected, p10, p50 and p90 are in major units (pounds, not pence). */
  amountUnit: 'major'
}

export function unitsOf(manifest: BundleManifest): PredictionUnits {
  const e = manifest.featureSpec['currencyExponent']
  return {
    horizonDays: manifest.horizonDays,
    currency: manifest.currency,
    currencyExponent: typeof e === 'number' && Number.isInteger(e) && e >= 0 ? e : null,
    amountUnit: 'major',
  }
}

export function sameUnits(a: PredictionUnits, b: PredictionUnits): boolean {
  return (
    a.horizonDays === b.horizonDays &&
    a.currency === b.currency &&
    a.currencyExponent === b.currencyExponent
  )
}

/** "GBP (exponent 2), 90 days", for logs. */
export function describeUnits(u: PredictionUnits): string {
  return `${u.currency} (exponent ${u.currencyExponent ?? '?'}), ${u.horizonDays} days`
}

import type { BtydParams } from './predict.ts'

/**
 * A plausible BG/NBD x Gamma-Gamma fit, in days and minor units (CDNOW's published BG/NBD with alpha
 * turned from weeks to days, and a Gamma-Gamma scaled to cents): for tests and examples that need
 * btyd_value without fitting.
 */
export const EXAMPLE_BTYD_PARAMS: BtydParams = {
  bgnbd: { r: 0.2426, alpha: 4.4135 * 7, a: 0.7929, b: 2.4258 },
  gammaGamma: { p: 6.2488, q: 3.7446, v: 1544.77 },
}

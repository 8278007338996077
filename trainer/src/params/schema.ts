import { z } from 'zod'

// params.yaml, validated once. Every command reads it through loadParams(), so `--set` overrides and
// the file are checked by the same rules and an error names the key at fault.

/** A column is named by its header text, or by its 0-based position when the file has no header. */
const ColumnRef = z.union([z.string().min(1), z.number().int().nonnegative()])

export const TIMESTAMP_FORMATS = [
  'YYYY-MM-DD HH:MM:SS',
  'iso8601',
  'YYYYMMDD',
  'DD/MM/YYYY HH:MM',
  'MM/DD/YYYY HH:MM',
  'epoch_s',
  'epoch_ms',
] as const

let canonicalZones: Set<string> | undefined

function isTimeZone(tz: string): boolean {
  // The canonical list answers in ~2 ms; a formatter loads ICU's zone data (~20 ms) and is only
  // needed for aliases (e.g. "US/Eastern") and case variants, which the list leaves out.
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'))
  if (canonicalZones.has(tz)) return true
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** Why a pattern is not a regular expression, or undefined when it is one. */
function regExpProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern)
    return undefined
  } catch (e) {
    return (e as Error).message
  }
}

export const DataParamsSchema = z
  .object({
    path: z.string().min(1),
    format: z.enum(['csv', 'whitespace']).default('csv'),
    compression: z.enum(['auto', 'gzip', 'none']).default('auto'),
    delimiter: z.string().length(1).default(','),
    header: z.boolean().default(true),
    columns: z.object({
      customer_id: ColumnRef,
      timestamp: ColumnRef,
      amount: ColumnRef.nullable().default(null),
      quantity: ColumnRef.nullable().default(null),
      unit_price: ColumnRef.nullable().default(null),
      order_id: ColumnRef.nullable().default(null),
      product_id: ColumnRef.nullable().default(null),
      country: ColumnRef.nullable().default(null),
    }),
    timestamp_format: z.enum(TIMESTAMP_FORMATS),
    /** IANA zone of wall-clock timestamps; ignored for epoch and zoned ISO 8601 values. */
    timezone: z
      .string()
      .min(1)
      .refine(isTimeZone, { error: (iss) => `unknown IANA time zone "${String(iss.input)}"` })
      .default('UTC'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as GBP'),
    currency_exponent: z.number().int().min(0).max(4).default(2),
    cancellation: z
      .object({
        /** Orders whose id starts with this are cancellations: kept, as negative amounts. */
        order_id_prefix: z.string().nullable().default(null),
      })
      .default({ order_id_prefix: null }),
    exclude_products: z
      .object({
        /** Exact product codes that are not products (postage, fees, adjustments). */
        codes: z.array(z.string()).default([]),
        /** Regular expressions over the product code, for families such as gift vouchers. */
        patterns: z
          .array(
            z.string().refine((p) => regExpProblem(p) === undefined, {
              error: (iss) => `not a regular expression: ${regExpProblem(String(iss.input))}`,
            })
          )
          .default([]),
      })
      .default({ codes: [], patterns: [] }),
  })
  .superRefine((d, ctx) => {
    const c = d.columns
    const hasAmount = c.amount !== null
    const hasLine = c.quantity !== null && c.unit_price !== null
    if (hasAmount === hasLine) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns'],
        message: 'map either columns.amount, or both columns.quantity and columns.unit_price',
      })
    }
    if (!d.header) {
      for (const [key, ref] of Object.entries(c)) {
        if (typeof ref === 'string') {
          ctx.addIssue({
            code: 'custom',
            path: ['columns', key],
            message:
              'the file has no header (data.header: false), so name columns by 0-based position',
          })
        }
      }
    }
  })

/** ingest.duplicates: what to do with exact duplicate lines (trainer/src/ingest/duplicates.ts). */
export const DUPLICATES_SETTINGS = ['auto', 'drop', 'keep'] as const

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')

export const FeaturesParamsSchema = z.object({
  test_cutoff: IsoDate,
  step_days: z.number().int().min(1),
  count: z.number().int().min(1).max(60),
  horizon_days: z.number().int().min(1).default(90),
  cap_days: z.number().int().min(1).default(730),
  country_top_k: z.number().int().min(1).default(12),
  /** Transactions held at once; a larger log is processed in passes over groups of customers. */
  max_rows_in_memory: z.number().int().min(1000).default(4_000_000),
})

/** The ZILN network and how it is trained (trainer/src/model). */
export const TrainParamsSchema = z.object({
  out_dir: z.string().min(1).default('models/candidate'),
  /** Units of the hidden ReLU layers, input side first; of each member of an ensemble. */
  hidden: z.array(z.number().int().min(1).max(4096)).min(1).max(8).default([32, 16]),
  /**
   * Networks in the seed ensemble (trainer/src/model/ensemble.ts), each of `hidden`'s shape, with
   * seeds seed, seed + 1000, ...; trained together and fused into one Dense chain that outputs their
   * averaged logits. 1: a single network (the model before ensembles: 1 with hidden [64, 32]).
   */
  ensemble: z.number().int().min(1).max(16).default(10),
  learning_rate: z.number().gt(0).max(1).default(1e-3),
  batch_size: z
    .number()
    .int()
    .min(1)
    .max(1 << 16)
    .default(512),
  max_epochs: z.number().int().min(1).max(10_000).default(200),
  /** Epochs without a better validation loss before training stops (the best weights are kept). */
  patience: z.number().int().min(1).default(12),
  /** On a plateau of `lr_patience` epochs the learning rate is multiplied by `lr_factor`. */
  lr_patience: z.number().int().min(1).default(4),
  lr_factor: z.number().gt(0).lt(1).default(0.5),
  min_learning_rate: z.number().gt(0).default(1e-5),
  /** L2 penalty on the hidden layers' kernels. */
  l2: z.number().min(0).default(1e-5),
  /**
   * Rows of older training cutoffs weigh less: a row's weight halves every this many days before the
   * latest training cutoff (0: every row weighs the same).
   */
  recency_half_life_days: z.number().min(0).default(28),
  /** Rows also weigh (1 + log1p(spend in the last 365 days))^this (0: no value weighting). */
  value_weight_power: z.number().min(0).max(4).default(1),
  /** Predictions (mean and quantiles) are capped at this many times the largest training label. */
  max_value_factor: z.number().min(1).default(2),
  /** Set the model's total for the horizon after the test cutoff from last year's season. */
  level_adjustment: z.boolean().default(true),
  /** raw: each window's labels as they are; btyd: scaled to the BG/NBD x GG total there. */
  level_target: z.enum(['raw', 'btyd']).default('btyd'),
  /**
   * The blend with btyd_value: its network weight picked on the validation rows (bagged, blend.ts),
   * fixed, or off.
   */
  stack: z.union([z.enum(['validation', 'off']), z.number().min(0).max(1)]).default(0.5),
  /**
   * After early stopping, train a fresh network on training + validation rows for the epochs found
   * best: the validation window is the latest, the most like the one to predict.
   */
  refit: z.boolean().default(true),
  seed: z.number().int().min(0).default(42),
})

/**
 * A registered model name: letters, digits, `.`, `_` and `-`, starting with a letter or digit. MLflow
 * itself only forbids `/` and `:`; fcv is stricter because the name is also part of control-plane
 * URLs, bundle file names and Kubernetes labels.
 */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

/** `fcv register`: the MLflow run and registered model version (trainer/src/register). */
export const RegisterParamsSchema = z.object({
  /** false: the stage records that registration is off and does nothing else (also --no-mlflow). */
  enabled: z.boolean().default(true),
  experiment: z.string().min(1).max(500).default('fcv'),
  model_name: z
    .string()
    .regex(
      MODEL_NAME_PATTERN,
      'a registered model name is 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit'
    )
    .default('fcv-customer-value'),
  /** The alias the new version gets; the control plane promotes from it. */
  alias: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,99}$/, 'an alias is 1 to 100 letters, digits, "_" or "-"')
    .refine((a) => !/^(latest|v\d+)$/i.test(a), 'MLflow reserves "latest" and v<number>')
    .default('challenger'),
  /** What was registered (run, model version, links), for the next stages and people. */
  out_file: z.string().min(1).default('models/registration.json'),
  /** The local server used when MLFLOW_TRACKING_URI is not set. */
  embedded: z
    .object({
      dir: z.string().min(1).default('.mlflow'),
      port: z.number().int().min(1).max(65535).default(5055),
    })
    .default({ dir: '.mlflow', port: 5055 }),
})

/** `fcv generate` options for a store the backtest simulates (trainer/src/generate/run.ts). */
const GenerateStoreSchema = z.object({
  regime: z.enum(['steady', 'cohort', 'growth', 'shrinking']).default('steady'),
  order_ids: z.boolean().default(true),
  customers: z.number().int().positive(),
  years: z.number().positive().max(100),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  start: IsoDate.default('2021-01-01'),
})

/**
 * One store of the backtest: a log and the test cutoffs it can label. `data` overrides the data
 * section for this store (merged key by key, `columns` too); with `generate`, the log is a synthetic
 * one `fcv generate` writes first. An optional store whose log is absent is skipped with a note
 * (the development log lives outside the repository).
 */
const BacktestStoreSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and -'),
  description: z.string().default(''),
  data: z.record(z.string(), z.unknown()).default({}),
  generate: GenerateStoreSchema.optional(),
  optional: z.boolean().default(false),
  test_cutoffs: z.array(IsoDate).min(1),
})
export type BacktestStore = z.infer<typeof BacktestStoreSchema>

/** The store of a params file without a backtest section: its own log at two cutoffs. */
const DEFAULT_STORE: BacktestStore = {
  name: 'data',
  description: 'the log params.data names',
  data: {},
  optional: false,
  test_cutoffs: ['2011-03-14', '2011-06-12'],
}

const BacktestParamsSchema = z.object({
  out_dir: z.string().min(1).default('data/backtest'),
  stores: z
    .array(BacktestStoreSchema)
    .min(1)
    .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'store names must differ'),
})

export const ParamsSchema = z
  .object({
    data: DataParamsSchema,
    ingest: z
      .object({
        out_dir: z.string().min(1).default('data/interim'),
        /** Share of data rows that may fail to parse before the run fails instead of quarantining. */
        max_invalid_fraction: z.number().min(0).max(1).default(0.01),
        /**
         * Exact duplicate lines (every field equal to an earlier line's): `drop` quarantines them,
         * `keep` keeps them, `auto` drops them only when `data.columns.order_id` is mapped. An order
         * id tells one order's lines apart, so a repeat is the same line exported twice; without it,
         * identical lines (same customer, time and amount) can be separate purchases.
         */
        duplicates: z.enum(DUPLICATES_SETTINGS).default('auto'),
      })
      .default({ out_dir: 'data/interim', max_invalid_fraction: 0.01, duplicates: 'auto' }),
    features: FeaturesParamsSchema.extend({
      out_dir: z.string().min(1).default('data/processed'),
    }),
    train: TrainParamsSchema.default(TrainParamsSchema.parse({})),
    backtest: BacktestParamsSchema.default({ out_dir: 'data/backtest', stores: [DEFAULT_STORE] }),
    register: RegisterParamsSchema.default(RegisterParamsSchema.parse({})),
    evaluate: z
      .object({
        /** metrics.json, plots/ (DVC metrics and plots) and the human report. */
        out_dir: z.string().min(1).default('reports'),
      })
      .default({ out_dir: 'reports' }),
  })
  .superRefine((p, ctx) => {
    p.backtest.stores.forEach((store, i) => {
      const parsed = DataParamsSchema.safeParse(storeData(p.data, store.data))
      for (const issue of parsed.error?.issues ?? []) {
        ctx.addIssue({
          code: 'custom',
          path: ['backtest', 'stores', i, 'data', ...issue.path.map(String)],
          message: issue.message,
        })
      }
    })
  })

/**
 * A backtest store's data section: params.data with the store's keys over it (`columns`,
 * `cancellation` and `exclude_products` merged key by key, so a store can unmap one column).
 */
export function storeData(
  base: z.input<typeof DataParamsSchema>,
  override: Record<string, unknown>
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base, ...override }
  for (const key of ['columns', 'cancellation', 'exclude_products'] as const) {
    const o = override[key]
    if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
      merged[key] = { ...(base[key] as object | undefined), ...o }
    }
  }
  return merged
}

export type Params = z.infer<typeof ParamsSchema>
export type DataParams = Params['data']
export type FeaturesParams = Params['features']
export type TrainParams = Params['train']
export type RegisterParams = Params['register']
export type IngestParams = Params['ingest']

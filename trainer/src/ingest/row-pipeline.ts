// Routes each tokenized record: the first one fixes the column layout (header row, or first data row
// when there is none), every data row is then kept (Arrow + report) or quarantined with its reason.
// Records arrive either as plain lines read in place from the input bytes (onLine) or as fields
// (onRecord); both go through the same validator, fields after being encoded into a FieldRecord.

import type { DataParams } from '../params/schema.ts'
import { describeColumn, resolveColumns, type ColumnLayout } from './columns.ts'
import { IngestError } from './errors.ts'
import { FieldEncoder, type FieldRecord } from './field-record.ts'
import type { InterimWriter } from './interim-writer.ts'
import type { QuarantineWriter } from './quarantine-writer.ts'
import { QUARANTINE_REASONS, isInvalidReason } from './reasons.ts'
import { formatCount } from './progress.ts'
import type { ReportBuilder } from './report.ts'
import { RowValidator, type Rejection } from './row-validator.ts'

const SHOWN_INVALID_ROWS = 5

export interface RowSinks {
  writer: InterimWriter
  quarantine: QuarantineWriter
  report: ReportBuilder
}

export interface RowPipelineOptions {
  /** About how many rows the log holds, to size the duplicate set once (a hint). */
  expectedRows?: number
  /** Quarantine exact duplicate lines (the default) or keep them (duplicates.ts). */
  duplicates?: 'drop' | 'keep'
}

export class RowPipeline {
  private readonly data: DataParams
  private readonly file: string
  private readonly sinks: RowSinks
  private layout: ColumnLayout | null = null
  private validator: RowValidator | null = null
  private readonly encoder: FieldEncoder
  /** `FILE:LINE: column "X": reason: detail` for the first few unreadable rows. */
  private readonly firstInvalid: string[] = []

  private readonly options: RowPipelineOptions

  constructor(data: DataParams, file: string, sinks: RowSinks, options: RowPipelineOptions = {}) {
    this.data = data
    this.file = file
    this.sinks = sinks
    this.options = options
    this.encoder = new FieldEncoder(data.delimiter)
  }

  /** A plain ASCII line from the byte tokenizer; false until the layout is known. */
  readonly onLine = (record: FieldRecord, line: number): boolean => {
    const validator = this.validator
    if (validator === null) return false
    this.sinks.report.rowsRead++
    const rejected = validator.check(record)
    if (rejected === null) this.keep(validator, line)
    else this.reject(rejected, line, null, record)
    return true
  }

  readonly onRecord = (fields: string[], line: number, raw: string): void => {
    let validator = this.validator
    if (validator === null) {
      const layout = resolveColumns(this.data, fields, this.file)
      this.layout = layout
      validator = this.validator = new RowValidator(
        this.data,
        layout,
        this.sinks.writer.productCodes,
        this.options.expectedRows,
        this.options.duplicates
      )
      if (this.data.header) return
    }
    this.sinks.report.rowsRead++
    const rejected = validator.check(this.encoder.encode(fields))
    if (rejected === null) this.keep(validator, line)
    else this.reject(rejected, line, raw, null)
  }

  private keep(validator: RowValidator, line: number): void {
    const row = validator.row
    this.sinks.writer.appendParsed(row, line)
    this.sinks.report.kept(row)
    if (row.duplicate) this.sinks.report.duplicatesKept++
  }

  /** Quarantines a row; its raw text is `raw`, or the line `plain` holds when raw is null. */
  private reject(
    rejected: Rejection,
    line: number,
    raw: string | null,
    plain: FieldRecord | null
  ): void {
    const { report, quarantine } = this.sinks
    const { reason, column, detail } = rejected
    report.quarantined(reason)
    const name = column >= 0 ? (this.layout?.names[column] ?? '') : ''
    if (raw !== null) quarantine.add(line, reason, name, detail, raw)
    else if (plain !== null) {
      const { info, at } = plain
      quarantine.addBytes(
        line,
        reason,
        name,
        detail,
        plain.bytes,
        info[at] as number,
        info[at + 1] as number
      )
    }
    if (isInvalidReason(reason) && this.firstInvalid.length < SHOWN_INVALID_ROWS) {
      const where =
        column >= 0 && this.layout
          ? `${describeColumn(this.layout, this.data.header, column)}: `
          : ''
      this.firstInvalid.push(`${this.file}:${line}: ${where}${reason}: ${detail}`)
    }
  }

  /** After the last record: fails on an empty file or too many unreadable rows. */
  finish(maxInvalidFraction: number): void {
    const { report } = this.sinks
    if (this.layout === null) throw new IngestError(`${this.file} is empty`)
    if (report.rowsRead === 0) {
      throw new IngestError(
        this.data.header
          ? `${this.file} has a header but no data rows`
          : `${this.file} has no data rows`
      )
    }
    const invalid = report.invalidRows
    if (invalid <= maxInvalidFraction * report.rowsRead) return
    const counts = QUARANTINE_REASONS.filter(
      (r) => isInvalidReason(r) && report.byReason[r] > 0
    ).sort((a, b) => report.byReason[b] - report.byReason[a])
    const top = counts[0]
    const hint =
      top === 'bad_timestamp'
        ? ` Check data.timestamp_format (${this.data.timestamp_format}).`
        : top === 'wrong_field_count'
          ? ` Check data.delimiter and data.format.`
          : ''
    throw new IngestError(
      `${this.file}: ${formatCount(invalid)} of ${formatCount(report.rowsRead)} data rows ` +
        `(${((100 * invalid) / report.rowsRead).toFixed(1)}%) cannot be read ` +
        `(${counts.map((r) => `${r} ${formatCount(report.byReason[r])}`).join(', ')}), more than ` +
        `ingest.max_invalid_fraction = ${maxInvalidFraction} allows, so nothing was written.${hint} ` +
        `First unreadable rows:\n  ${this.firstInvalid.join('\n  ')}`
    )
  }
}

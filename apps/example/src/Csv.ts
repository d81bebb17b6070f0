/**
 * Reading the shipments file: an RFC 4180 CSV parser (quoted fields, doubled quotes, commas and line breaks
 * inside quotes, CRLF or LF, a BOM) and the mapping of rows to shipments, where a bad row becomes a typed
 * failure instead of an exception.
 */
import type * as Requests from "@trackingmore-effect/client/Requests"
import * as Data from "effect/Data"
import * as Either from "effect/Either"

/** One record of the file and the line it starts on (1-based). */
export interface Record {
  readonly line: number
  readonly fields: ReadonlyArray<string>
  /** The record ended inside an open quote (at the end of the file). */
  readonly unterminated: boolean
}

/** Splits CSV text into records. Never throws; blank lines are skipped. */
export const parse = (text: string): Array<Record> => {
  const records: Array<Record> = []
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  let fields: Array<string> = []
  let field = ""
  let quoted = false
  let line = 1
  let startLine = 1
  let touched = false
  const endField = () => {
    fields.push(field)
    field = ""
  }
  const endRecord = (unterminated: boolean) => {
    endField()
    if (touched || fields.length > 1 || fields[0] !== "") records.push({ line: startLine, fields, unterminated })
    fields = []
    touched = false
  }
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!
    if (quoted) {
      if (c === "\"") {
        if (input[i + 1] === "\"") {
          field += "\""
          i++
        } else {
          quoted = false
        }
      } else {
        if (c === "\n") line++
        field += c
      }
      continue
    }
    if (c === "\"" && field.length === 0) {
      quoted = true
      touched = true
    } else if (c === ",") {
      endField()
      touched = true
    } else if (c === "\r" && input[i + 1] === "\n") {
      continue
    } else if (c === "\n" || c === "\r") {
      endRecord(false)
      line++
      startLine = line
    } else {
      field += c
    }
  }
  if (quoted || touched || field.length > 0 || fields.length > 0) endRecord(quoted)
  return records
}

/** A row of the file that is not a shipment. */
export class InvalidRow extends Data.TaggedError("InvalidRow")<{
  readonly line: number
  readonly message: string
}> {}

/**
 * A file that is not a shipments file at all (empty, or a header without the required columns): nothing of it
 * can be imported, so it is not reported as a failed row.
 */
export class InvalidFile extends Data.TaggedError("InvalidFile")<{
  readonly message: string
}> {}

/** A row that repeats the tracking number and carrier of an earlier row. */
export class DuplicateRow extends Data.TaggedError("DuplicateRow")<{
  readonly line: number
  readonly firstLine: number
  readonly message: string
}> {}

/** Why a row could not be imported. */
export type RowError = InvalidRow | DuplicateRow

/** A shipment read from the file. */
export interface Shipment {
  readonly line: number
  readonly input: Requests.CreateTracking
}

/** The shipments of a file and the rows that are not shipments, each with its line. */
export interface Sheet {
  readonly shipments: ReadonlyArray<Shipment>
  readonly rejected: ReadonlyArray<RowError>
}

/** The identity of a shipment: carrier (case-insensitive) and number. */
export const shipmentKey = (carrierCode: string, trackingNumber: string): string =>
  `${carrierCode.trim().toLowerCase()}|${trackingNumber.trim()}`

const columns = {
  tracking_number: "trackingNumber",
  carrier_code: "carrierCode",
  title: "title",
  customer_name: "customerName",
  customer_email: "customerEmail",
  customer_phone: "customerPhone",
  order_id: "orderId",
  destination_code: "destinationCode",
  logistics_channel: "logisticsChannel",
  comment: "comment"
} as const

type Column = keyof typeof columns

const isColumn = (name: string): name is Column => Object.prototype.hasOwnProperty.call(columns, name)

/**
 * Reads shipments from CSV text with a header row. `tracking_number` and `carrier_code` are required columns;
 * `title`, `customer_name`, `customer_email`, `customer_phone`, `order_id`, `destination_code`,
 * `logistics_channel` and `comment` are read when present; other columns are ignored. A file without a header
 * row, or whose header lacks a required column, is an `InvalidFile`; a header with no rows below it is a sheet
 * with no shipments and no rejected rows.
 */
export const readShipments = (text: string): Either.Either<Sheet, InvalidFile> => {
  const records = parse(text)
  const [header, ...rows] = records
  if (header === undefined) {
    return Either.left(new InvalidFile({ message: "the file is empty (it needs a header row and one row per shipment)" }))
  }
  const names = header.fields.map((name) => name.trim().toLowerCase())
  const missing = (["tracking_number", "carrier_code"] as const).filter((name) => !names.includes(name))
  if (missing.length > 0) {
    return Either.left(
      new InvalidFile({ message: `the header (line ${header.line}) lacks the column(s) ${missing.join(", ")}` })
    )
  }
  const shipments: Array<Shipment> = []
  const rejected: Array<RowError> = []
  const seen = new Map<string, number>()
  for (const row of rows) {
    if (row.unterminated) {
      rejected.push(new InvalidRow({ line: row.line, message: "a quoted field is never closed" }))
      continue
    }
    if (row.fields.length !== names.length) {
      rejected.push(
        new InvalidRow({
          line: row.line,
          message: `expected ${names.length} fields, found ${row.fields.length}`
        })
      )
      continue
    }
    const input: { -readonly [K in keyof Requests.CreateTracking]?: string } = {}
    names.forEach((name, index) => {
      const value = row.fields[index]?.trim() ?? ""
      if (isColumn(name) && value.length > 0) input[columns[name]] = value
    })
    const { carrierCode, trackingNumber } = input
    if (trackingNumber === undefined) {
      rejected.push(new InvalidRow({ line: row.line, message: "tracking_number is empty" }))
      continue
    }
    if (carrierCode === undefined) {
      rejected.push(new InvalidRow({ line: row.line, message: "carrier_code is empty" }))
      continue
    }
    const key = shipmentKey(carrierCode, trackingNumber)
    const firstLine = seen.get(key)
    if (firstLine !== undefined) {
      rejected.push(
        new DuplicateRow({
          line: row.line,
          firstLine,
          message: `${carrierCode} ${trackingNumber} repeats line ${firstLine}`
        })
      )
      continue
    }
    seen.set(key, row.line)
    shipments.push({ line: row.line, input: { ...input, carrierCode: carrierCode.toLowerCase(), trackingNumber } })
  }
  return Either.right({ shipments, rejected })
}

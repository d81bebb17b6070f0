import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Csv from "../src/Csv.js"

const sheetOf = (text: string): Csv.Sheet => Either.getOrThrow(Csv.readShipments(text))

describe("Csv.parse", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, CRLF and a BOM", () => {
    const text = "\ufeffa,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",z\r\n\r\n3,,\n"
    expect(Csv.parse(text).map((r) => [r.line, r.fields])).toEqual([
      [1, ["a", "b", "c"]],
      [2, ["1", "x, y", "say \"hi\""]],
      [3, ["2", "two\nlines", "z"]],
      [6, ["3", "", ""]]
    ])
  })

  it("marks a record whose quote never closes", () => {
    const records = Csv.parse("a,b\n1,\"open\n2,3\n")
    expect(records[1]).toMatchObject({ line: 2, unterminated: true })
  })
})

describe("Csv.readShipments", () => {
  it("turns bad rows into typed failures and keeps the rest", () => {
    const sheet = sheetOf(
      [
        "tracking_number,carrier_code,title,extra",
        "RR000000001CN,china-post,\"Tea, green\",x",
        ",ups,no number,x",
        "1Z999AA10123456784,,no carrier,x",
        "RR000000001CN,China-Post,duplicate,x",
        "too,few",
        "RR000000002CN,china-post,\"never closed,x"
      ].join("\n")
    )
    expect(sheet.shipments).toEqual([
      { line: 2, input: { trackingNumber: "RR000000001CN", carrierCode: "china-post", title: "Tea, green" } }
    ])
    expect(sheet.rejected.map((e) => [e._tag, e.line])).toEqual([
      ["InvalidRow", 3],
      ["InvalidRow", 4],
      ["DuplicateRow", 5],
      ["InvalidRow", 6],
      ["InvalidRow", 7]
    ])
  })

  it("an empty file or a header without the required columns is an InvalidFile, not a failed row", () => {
    expect(Csv.readShipments("number,carrier\n1,2\n")).toEqual(Either.left(
      new Csv.InvalidFile({ message: "the header (line 1) lacks the column(s) tracking_number, carrier_code" })
    ))
    const empty = Either.left(
      new Csv.InvalidFile({ message: "the file is empty (it needs a header row and one row per shipment)" })
    )
    for (const text of ["", "\n\n", "\r\n", "\ufeff"]) expect(Csv.readShipments(text)).toEqual(empty)
  })

  it("a header-only file is a sheet with no shipments and no rejected rows", () => {
    for (const text of ["tracking_number,carrier_code", "tracking_number,carrier_code\r\n\r\n"]) {
      expect(Csv.readShipments(text)).toEqual(Either.right({ shipments: [], rejected: [] }))
    }
  })
})

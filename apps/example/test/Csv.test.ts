import { describe, expect, it } from "@effect/vitest"
import * as Csv from "../src/Csv.js"

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
    const sheet = Csv.readShipments(
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

  it("rejects a file without the required columns", () => {
    expect(Csv.readShipments("number,carrier\n1,2\n").rejected[0]?._tag).toBe("InvalidRow")
    expect(Csv.readShipments("").rejected[0]?._tag).toBe("InvalidRow")
  })
})

import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Wire from "../../src/internal/wire.js"

const itemTable = { label: Wire.optional(Schema.String, "the_label", Wire.string) }
class Item extends Schema.Class<Item>("Item")(Wire.signatures(itemTable)) {}
const fastItem = Wire.fastDecoder(itemTable, (fields) => new Item(fields, true))
const table = {
  name: Wire.required(Schema.String, "the_name", Wire.string),
  flag: Wire.optional(Schema.Boolean, "a_flag", Wire.boolean),
  items: Wire.optional(Schema.Array(Item), "the_items", Wire.array(fastItem))
}
class Thing extends Schema.Class<Thing>("Thing")(Wire.signatures(table)) {}
const fast = Wire.fastDecoder(table, (fields) => new Thing(fields as ConstructorParameters<typeof Thing>[0], true))
const reference = Schema.decodeUnknownEither(Thing)

const clean = fc.record({
  the_name: fc.string(),
  a_flag: fc.option(fc.boolean()),
  the_items: fc.option(fc.array(fc.record({ the_label: fc.option(fc.string()) }, { requiredKeys: [] })))
}, { requiredKeys: ["the_name"] })

describe("wire fields", () => {
  it.prop("input that needs no conversion takes the fast path and gives the Schema's value", [clean], ([input]) => {
    const decoded = fast(input)
    assert.isDefined(decoded)
    assert.deepStrictEqual(decoded, Either.getOrThrow(reference(input)))
  }, { fastCheck: { numRuns: 500 } })

  it.prop("on any input, the fast path gives up or gives the Schema's value", [fc.anything()], ([input]) => {
    const decoded = fast(input)
    if (decoded !== undefined) assert.deepStrictEqual(decoded, Either.getOrThrow(reference(input)))
  }, { fastCheck: { numRuns: 500 } })

  it("gives up on what only the Schema may decide", () => {
    assert.isUndefined(fast({ the_name: 1 }))
    assert.isUndefined(fast({}))
    assert.isUndefined(fast({ the_name: "x", a_flag: "true" }))
    assert.isUndefined(fast({ the_name: "x", the_label: undefined, the_items: [{ the_label: 2 }] }))
    assert.isUndefined(fast({ the_name: "x", a_flag: undefined }))
    assert.isUndefined(fast([]))
  })
})

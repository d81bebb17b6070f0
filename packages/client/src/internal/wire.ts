/**
 * Wire fields declared once for two decoders: the Schema (the definition, with its errors) and a fast path for
 * the common case of a tracking read on every call. The fast path accepts only input the Schema decodes without
 * any conversion (strings as strings, booleans as booleans, `null` or a missing key for an absent field) and
 * builds the same values; anything else — a lenient conversion, a wrong type, a missing required field — makes
 * it give up, and the caller decodes with the Schema instead. A property test holds the two to the same results.
 */
import * as Schema from "effect/Schema"

const giveUp: unique symbol = Symbol("giveUp")

/** Reads a present, non-null wire value; `giveUp` when the Schema has to decide. */
export type Reader = (value: unknown) => unknown

/** One field: its property signature (renamed from `key` on the wire) and how the fast path reads it. */
export interface Field<PS extends Schema.Struct.Field> {
  readonly signature: PS
  readonly key: string
  readonly required: boolean
  readonly read: Reader
}

/** A string. */
export const string: Reader = (value) => typeof value === "string" ? value : giveUp

/** A boolean as such; the lenient spellings (`"true"`, `1`, …) are the Schema's to convert. */
export const boolean: Reader = (value) => typeof value === "boolean" ? value : giveUp

/** A nested object, read by its own fast decoder. */
export const object = (decode: FastDecoder<unknown>): Reader => (value) => {
  const decoded = decode(value)
  return decoded === undefined ? giveUp : decoded
}

/** An array of nested objects. */
export const array = (decode: FastDecoder<unknown>): Reader => (value) => {
  if (!Array.isArray(value)) return giveUp
  const out: Array<unknown> = new Array(value.length)
  for (let i = 0; i < value.length; i++) {
    const decoded = decode(value[i])
    if (decoded === undefined) return giveUp
    out[i] = decoded
  }
  return out
}

/**
 * The property signature of an optional field that may be missing or `null` on the wire, renamed from `key`.
 * The key is kept as its literal type, here and in `optional`/`required`: typed as `string`, it would make each
 * schema's encoded side an index signature, which clashes with any field not renamed (a `code: string | number`
 * beside `[x: string]: string | null`) and makes the published `.d.ts` fail a consumer's `skipLibCheck: false`.
 */
export const nullable = <A, I, K extends string>(schema: Schema.Schema<A, I>, key: K) =>
  Schema.optionalWith(schema, { nullable: true, exact: true }).pipe(Schema.fromKey(key))

/** An optional field that may be missing or `null` on the wire. */
export const optional = <A, I, K extends string>(schema: Schema.Schema<A, I>, key: K, read: Reader) => ({
  signature: nullable(schema, key),
  key,
  required: false,
  read
})

/** A required field. */
export const required = <A, I, K extends string>(schema: Schema.Schema<A, I>, key: K, read: Reader) => ({
  signature: Schema.propertySignature(schema).pipe(Schema.fromKey(key)),
  key,
  required: true,
  read
})

/** The property signatures of a table, for `Schema.Struct` or `Schema.Class`. */
export const signatures = <T extends Record<string, Field<Schema.Struct.Field>>>(
  table: T
): { readonly [K in keyof T]: T[K]["signature"] } => {
  const out: Record<string, Schema.Struct.Field> = {}
  for (const name in table) out[name] = table[name]!.signature
  return out as { readonly [K in keyof T]: T[K]["signature"] }
}

/** Decodes an object of the table's shape, or gives up with `undefined`. */
export type FastDecoder<A> = (input: unknown) => A | undefined

/** The fast decoder of a table; `make` builds the value from the decoded fields (e.g. a class's constructor). */
export const fastDecoder = <A>(
  table: Record<string, Field<Schema.Struct.Field>>,
  make: (fields: Record<string, unknown>) => A
): FastDecoder<A> => {
  const fields = Object.entries(table).map(([name, field]) => ({ name, ...field }))
  return (input) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined
    const out: Record<string, unknown> = {}
    for (const field of fields) {
      if (!Object.hasOwn(input, field.key)) {
        if (field.required) return undefined
        continue
      }
      const value = (input as Record<string, unknown>)[field.key]
      if (value === null && !field.required) continue
      const decoded = field.read(value)
      if (decoded === giveUp) return undefined
      out[field.name] = decoded
    }
    return make(out)
  }
}

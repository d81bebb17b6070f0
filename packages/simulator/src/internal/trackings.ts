/**
 * The endpoints that create, change or look up trackings of the key's store: create, batch, get, update, delete,
 * updateMany, deleteMany, realtime and changeCarrier.
 */
import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as Carrier from "../Carrier.js"
import type { Call } from "./handlers.js"
import { manualStatus, plan } from "./lifecycle.js"
import type { Json, Result } from "./result.js"
import { fail, isObject, itemError, ok, str } from "./result.js"
import type { Stored } from "./store.js"
import { applyFields, stored, storeKey } from "./store.js"
import { view } from "./view.js"

const REALTIME_CACHE_MS = 2 * 60 * 60 * 1000

const show = (call: Call, tracking: Stored): Json => view(tracking, call.now, call.world.stepMs)

const find = (call: Call, carrier: string, number: string): Stored | undefined =>
  call.state.trackings.get(storeKey(carrier, number))

/** 4013 / 4014 / 4015 for a number and carrier, or undefined when both are fine. */
const validate = (number: unknown, carrier: unknown): Result | undefined => {
  if (number === undefined || number === null || number === "") return fail(4013)
  const n = str(number)
  if (n === undefined || !Carrier.trackingNumberPattern.test(n)) return fail(4014)
  const c = str(carrier)
  if (c === undefined || Carrier.lookup(c) === undefined) return fail(4015, c === undefined ? undefined : `(${c})`)
  return undefined
}

/** `f` of the carrier and number a body names, once both are valid (else 4013 / 4014 / 4015). */
const named = (body: Json, f: (carrier: string, number: string) => Result): Result =>
  validate(body.tracking_number, body.carrier_code) ?? f(str(body.carrier_code)!, str(body.tracking_number)!)

const unknownCarrier = (carrier: string): Result | undefined =>
  Carrier.lookup(carrier) === undefined ? fail(4015, `(${carrier})`) : undefined

export const create = (call: Call, body: Json): Result =>
  named(body, (carrier, number) => {
    const state = call.state
    if (state.trackings.has(storeKey(carrier, number))) return fail(4016, `(${carrier} ${number})`)
    if (state.balanceLeft !== undefined && state.balanceLeft <= 0) return fail(4019)
    if (state.balanceLeft !== undefined) state.balanceLeft--
    const tracking = stored(call.world.newId(), call.world.seed, carrier, number, call.now)
    applyFields(tracking, body)
    state.trackings.set(storeKey(carrier, number), tracking)
    return ok(show(call, tracking), 201)
  })

/** The items of a many-item body (an array, or `{ trackings: [...] }`), or 4012 / 4020. */
const itemsOf = (body: unknown): Array<unknown> | Result => {
  const items: unknown = isObject(body) && Array.isArray(body.trackings) ? body.trackings : body
  if (!Array.isArray(items)) return fail(4012, "Expected an array of trackings.")
  if (items.length > Endpoint.maxBatchSize) {
    return fail(4020, `(${items.length} items; at most ${Endpoint.maxBatchSize})`)
  }
  return items
}

interface Applied {
  readonly item: Json
  readonly result: Result
}

/**
 * Applies `apply` to each item: those answered `success` are done, the others (and items that are no object)
 * become item errors inside the call's 200.
 */
const applyEach = (
  items: ReadonlyArray<unknown>,
  success: number,
  apply: (item: Json) => Result
): { readonly done: ReadonlyArray<Applied>; readonly errors: ReadonlyArray<unknown> } => {
  const done: Array<Applied> = []
  const errors: Array<unknown> = []
  for (const item of items) {
    if (!isObject(item)) {
      errors.push(itemError(item, fail(4012)))
      continue
    }
    const result = apply(item)
    if (result.code === success) done.push({ item, result })
    else errors.push(itemError(item, result))
  }
  return { done, errors }
}

export const batch = (call: Call, body: unknown): Result => {
  const items = itemsOf(body)
  if (!Array.isArray(items)) return items
  const balance = call.state.balanceLeft
  if (balance !== undefined && balance <= 0 && items.length > 0) return fail(4019)
  const { done, errors } = applyEach(items, 201, (item) => create(call, item))
  const trackings = done.map(({ result }) => result.data)
  return ok({ submitted: items.length, added: trackings.length, trackings, errors })
}

const getOne = (call: Call, carrier: string, number: string): Result => {
  const invalid = unknownCarrier(carrier) ?? (Carrier.trackingNumberPattern.test(number) ? undefined : fail(4014))
  if (invalid !== undefined) return invalid
  const tracking = find(call, carrier, number)
  return tracking === undefined ? fail(4031) : ok(show(call, tracking))
}

const modify = (call: Call, carrier: string, number: string, body: Json): Result => {
  const invalid = unknownCarrier(carrier)
  if (invalid !== undefined) return invalid
  const tracking = find(call, carrier, number)
  if (tracking === undefined) return fail(4017)
  if (body.status !== undefined && body.status !== null && body.status !== "") {
    const status = manualStatus[str(body.status) ?? ""]
    if (status === undefined) return fail(4033, `(${JSON.stringify(body.status)}; only 4, 7 or 8)`)
    tracking.manual = { status, at: call.now }
  }
  applyFields(tracking, body)
  tracking.updatedAt = call.now
  return ok(show(call, tracking))
}

const deleteOne = (call: Call, carrier: string, number: string): Result =>
  unknownCarrier(carrier) ?? (call.state.trackings.delete(storeKey(carrier, number)) ? ok([]) : fail(4017))

// get, update and delete name the tracking in their path; the router matched both parameters non-empty.
const carrierOf = (call: Call): string => call.request.params.carrier_code ?? ""
const numberOf = (call: Call): string => call.request.params.tracking_number ?? ""

export const get = (call: Call): Result => getOne(call, carrierOf(call), numberOf(call))

export const update = (call: Call, body: Json): Result => modify(call, carrierOf(call), numberOf(call), body)

export const remove = (call: Call): Result => deleteOne(call, carrierOf(call), numberOf(call))

/**
 * updateMany and deleteMany: each item is validated and applied; successes are summarised by `summary`, failures
 * become item errors inside a 200.
 */
const many = (
  body: unknown,
  apply: (item: Json, carrier: string, number: string) => Result,
  summary: (done: ReadonlyArray<Applied>) => Json
): Result => {
  const items = itemsOf(body)
  if (!Array.isArray(items)) return items
  const { done, errors } = applyEach(items, 200, (item) => named(item, (carrier, number) => apply(item, carrier, number)))
  return ok({ submitted: items.length, ...summary(done), errors })
}

export const updateMany = (call: Call, body: unknown): Result =>
  many(body, (item, carrier, number) => modify(call, carrier, number, item), (done) => ({
    updated: done.length,
    trackings: done.map(({ result }) => result.data)
  }))

export const deleteMany = (call: Call, body: unknown): Result =>
  many(body, (_item, carrier, number) => deleteOne(call, carrier, number), (done) => ({
    deleted: done.length,
    trackings: done.map(({ item }) => ({ tracking_number: str(item.tracking_number), carrier_code: str(item.carrier_code) }))
  }))

export const realtime = (call: Call, body: Json): Result =>
  named(body, (carrier, number) => {
    const state = call.state
    const k = storeKey(carrier, number)
    const cached = state.realtime.get(k)
    if (cached !== undefined && call.now - cached.at < REALTIME_CACHE_MS) {
      return ok(cached.data, 200, "Success (cached: the same shipment is refreshed at most once per 2 hours).")
    }
    // A shipment never created is tracked from its first realtime sighting.
    let tracking = find(call, carrier, number)
    if (tracking === undefined) {
      const seen = state.realtimeSeen.get(k) ?? call.now
      state.realtimeSeen.set(k, seen)
      tracking = stored(`rt-${k}`, call.world.seed, carrier, number, seen)
    }
    const data = { items: [show(call, tracking)] }
    state.realtime.set(k, { at: call.now, data })
    return ok(data)
  })

export const changeCarrier = (call: Call, body: Json): Result =>
  named(body, (carrier, number) => {
    const target = str(body.update_carrier_code)
    if (target === undefined || Carrier.lookup(target) === undefined) {
      return fail(4015, `(update_carrier_code ${target ?? "missing"})`)
    }
    const tracking = find(call, carrier, number)
    if (tracking === undefined) return fail(4017)
    const trackings = call.state.trackings
    if (target !== carrier) {
      if (trackings.has(storeKey(target, number))) return fail(4016, `(${target} ${number})`)
      trackings.delete(storeKey(carrier, number))
      tracking.carrier = target
      tracking.path = plan(call.world.seed, target, number)
      trackings.set(storeKey(target, number), tracking)
    }
    tracking.updatedAt = call.now
    return ok(show(call, tracking))
  })

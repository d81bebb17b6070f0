/**
 * The simulator's state per API key: its flags, its trackings, its realtime cache, its balance, its penalty and
 * its rate-limit buckets. Plain mutable data; the handlers and the engine change it.
 */
import type { RateGroup } from "../Endpoint.js"
import type { KeyConfig } from "../Simulator.js"
import type { Status } from "./lifecycle.js"
import { plan } from "./lifecycle.js"
import type { Json } from "./result.js"
import { str } from "./result.js"
import type { Bucket } from "./rateLimit.js"

export const defaultKeys: ReadonlyArray<KeyConfig> = [
  { key: "sim-key-1" },
  { key: "sim-key-2" },
  { key: "sim-key-no-balance", balance: 0 },
  { key: "sim-key-exhausted", quotaExhausted: true },
  { key: "sim-key-deleted", deleted: true },
  { key: "sim-key-readonly", readOnly: true }
]

/** The free-text fields a create or update may set, each stored as a string. */
export const fieldNames = [
  "title",
  "order_id",
  "customer_name",
  "customer_email",
  "customer_phone",
  "logistics_channel",
  "destination_code",
  "order_create_time",
  "tracking_ship_date",
  "tracking_postal_code",
  "tracking_account_number",
  "comment",
  "lang"
] as const

export type Fields = { [Name in (typeof fieldNames)[number]]?: string }

export interface Stored {
  readonly id: string
  readonly number: string
  carrier: string
  readonly createdAt: number
  updatedAt: number
  /** the statuses after `pending`, one per lifecycle step */
  path: ReadonlyArray<Status>
  fields: Fields
  archived: boolean
  /** a status set by update (`status` 4, 7 or 8): it stops the lifecycle */
  manual: { readonly status: Status; readonly at: number } | undefined
}

export interface KeyState {
  config: KeyConfig
  readonly trackings: Map<string, Stored>
  /** carrier|number → cached realtime answer */
  readonly realtime: Map<string, { readonly at: number; readonly data: unknown }>
  /** realtime-only shipments (not created) → first sighting */
  readonly realtimeSeen: Map<string, number>
  balanceLeft: number | undefined
  penaltyUntil: number
  readonly buckets: Map<RateGroup, Bucket>
}

export const keyState = (config: KeyConfig): KeyState => ({
  config,
  trackings: new Map(),
  realtime: new Map(),
  realtimeSeen: new Map(),
  balanceLeft: config.balance,
  penaltyUntil: 0,
  buckets: new Map()
})

export const storeKey = (carrier: string, number: string): string => `${carrier}|${number}`

/** A new tracking at `at`, on the lifecycle path that the seed, the carrier and the number choose. */
export const stored = (id: string, seed: number, carrier: string, number: string, at: number): Stored => ({
  id,
  number,
  carrier,
  createdAt: at,
  updatedAt: at,
  path: plan(seed, carrier, number),
  fields: {},
  archived: false,
  manual: undefined
})

/** Copies the fields (and `archived`) a create or update body gives. */
export const applyFields = (tracking: Stored, body: Json): void => {
  for (const name of fieldNames) {
    const v = str(body[name])
    if (v !== undefined) tracking.fields[name] = v
  }
  if (body.archived !== undefined) {
    tracking.archived = body.archived === true || body.archived === "true" || body.archived === 1
  }
}

/**
 * One handler per endpoint of core's table, in a record typed over `Endpoint.Name`: a row added to core without a
 * handler here does not compile. A handler sees the request, the key's state and the simulated time; the engine
 * has already checked the key, the penalty, the rate limit and the account flags.
 */
import type * as Endpoint from "@trackingmore-effect/core/Endpoint"
import * as Carrier from "../Carrier.js"
import * as Queries from "./queries.js"
import type { Json, Result } from "./result.js"
import { BAD_JSON, fail, isObject, ok, parseBody } from "./result.js"
import type { KeyState } from "./store.js"
import * as Trackings from "./trackings.js"

/** A routed request. */
export interface Request {
  readonly endpoint: Endpoint.Name
  readonly key: string | undefined
  /** the path parameters, decoded: `carrier_code` and `tracking_number` of get, update and delete */
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly body: string
}

/** What the handlers need of the simulator besides the key's state. */
export interface World {
  readonly seed: number
  /** simulated ms between two lifecycle steps */
  readonly stepMs: number
  /** the simulated epoch ms the simulator started at */
  readonly simStart: number
  /** a new tracking id */
  readonly newId: () => string
}

/** One call of a handler. */
export interface Call {
  readonly world: World
  readonly state: KeyState
  readonly request: Request
  /** the simulated epoch ms the request is processed at */
  readonly now: number
}

export type Handler = (call: Call) => Result

/** A handler of a JSON body: 4012 when the body is not JSON. */
const jsonBody = (f: (call: Call, body: unknown) => Result, emptyIsObject = false): Handler => (call) => {
  const parsed = parseBody(call.request.body, emptyIsObject)
  return parsed === BAD_JSON ? fail(4012, "The body is not valid JSON.") : f(call, parsed)
}

/** A handler of a JSON object body: 4012 when the body is not a JSON object. */
const objectBody = (f: (call: Call, body: Json) => Result, emptyIsObject = false): Handler =>
  jsonBody((call, body) => (isObject(body) ? f(call, body) : fail(4012)), emptyIsObject)

export const handlers: { readonly [Name in Endpoint.Name]: Handler } = {
  create: objectBody(Trackings.create),
  batch: jsonBody(Trackings.batch),
  get: Trackings.get,
  // an update without a body changes nothing and answers the tracking
  update: objectBody(Trackings.update, true),
  delete: Trackings.remove,
  list: Queries.list,
  updateMany: jsonBody(Trackings.updateMany),
  deleteMany: jsonBody(Trackings.deleteMany),
  realtime: objectBody(Trackings.realtime),
  changeCarrier: objectBody(Trackings.changeCarrier),
  userInfo: Queries.userInfo,
  statusCounts: Queries.statusCounts,
  carriers: () => ok(Carrier.all),
  detect: objectBody(Queries.detect)
}

/**
 * For every error tag (and the two successes): what the client does about it by itself, and what the developer
 * should do. Prose only: the decision and its numbers come from core's policy (see `Decisions`). The record is
 * typed over every tag, so a new error without advice fails to compile.
 *
 * @since 0.1.0
 */
import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import type * as StatusCode from "@trackingmore-effect/core/StatusCode"
import type * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"

/**
 * @since 0.1.0
 * @category models
 */
export interface Advice {
  /** What `@trackingmore-effect/client` (and the Promise facade over it) does without being asked. */
  readonly client: string
  /** What the developer, or the on-call engineer, should do. */
  readonly you: string
}

const haltedAuth: Advice = {
  client: "Halts the API key until it is reset: every later call on the key fails at once, without being sent " +
    "(in every process, when they share the gate through @trackingmore-effect/redis).",
  you: "Fix the key (TRACKINGMORE_API_KEY, or the account's permissions), then lift the halt: " +
    "`trackingmore gate reset --key-from-env` with Redis, or restart the processes."
}

const haltedBilling: Advice = {
  client: "Halts the API key for 10 minutes: calls on the key fail at once without being sent, then one call " +
    "probes the key again.",
  you: "Top up the account (or raise the plan's quota); to resume before the halt ends, run " +
    "`trackingmore gate reset --key-from-env` (with Redis) once the balance is back."
}

const fixInput = (what: string): Advice => ({
  client: "Fails the call at once with the typed error; the request is not repeated, as it would fail the same way.",
  you: what
})

/**
 * The advice of every tag.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const advice: { readonly [T in TrackingMoreError.Tag | StatusCode.SuccessTag]: Advice } = {
  Success: { client: "Decodes the data and returns it.", you: "Nothing." },
  Created: { client: "Decodes the created resource and returns it.", you: "Nothing." },
  LimitExceeded: {
    client: "Fails the call with the typed error. `createMany`, `updateMany` and `deleteMany` never put more than " +
      `${Endpoint.maxBatchSize} items in one request.`,
    you: `Ask for less at once: at most ${Endpoint.maxBatchSize} numbers in a list query and a \`limit\` of at most 2000.`
  },
  Unauthorized: haltedAuth,
  InvalidApiKey: haltedAuth,
  ApiKeyDeleted: haltedAuth,
  Forbidden: haltedAuth,
  PaymentRequired: haltedBilling,
  InsufficientBalance: haltedBilling,
  QuotaExhausted: haltedBilling,
  InvalidRequest: fixInput("Check the request: a body the API cannot parse, or a required field missing."),
  TrackingNumberRequired: fixInput("Pass a tracking number; the client refuses a blank one before sending it."),
  InvalidTrackingNumber: fixInput("Check the number: letters, digits and dashes, 5 to 50 of them."),
  InvalidCarrierCode: fixInput(
    "Use a carrier code TrackingMore knows: list them with `carriers`, or find a number's with `detect`."
  ),
  TrackingAlreadyExists: {
    client: "`create` takes it as success and returns the existing tracking; `createMany` reports the shipment as " +
      "already there. A repeated create never makes a second tracking.",
    you: "Nothing."
  },
  TrackingNotFound: fixInput("Create the tracking first, or check the carrier code and the number."),
  ActivationRequired: fixInput("Ask TrackingMore support to activate the feature for the account."),
  BatchTooLarge: {
    client: `Never sends more than ${Endpoint.maxBatchSize} trackings in one batch call (\`batchSize\`, at most ${Endpoint.maxBatchSize}).`,
    you: `Nothing with the client; a hand-made request must carry at most ${Endpoint.maxBatchSize} items.`
  },
  NotRegistered: {
    client: "`get` asks again in case a create is on its way; with `{ register: true }` it first creates the " +
      "tracking (when it knows the carrier), then gets it.",
    you: "Create the tracking before getting it, or call `get` with `{ register: true }`."
  },
  CarrierNotDetected: fixInput("Give the shipment its carrier code instead of relying on detection."),
  InvalidStatus: fixInput("Send a status of 4 (delivered), 7 (exception) or 8 (expired)."),
  NotFound: fixInput("The URL is wrong: check TRACKINGMORE_BASE_URL (it ends in /v2)."),
  MethodNotAllowed: fixInput("The URL or the method is wrong: check TRACKINGMORE_BASE_URL (it ends in /v2)."),
  Conflict: fixInput("Read the resource again and repeat the change against its current state."),
  TooManyRequests: {
    client: "Cools the whole API key for every caller (in every process, when they share the gate through " +
      "@trackingmore-effect/redis); when the cooldown ends one call probes and the others follow once it succeeds. " +
      "The client also paces its calls under the documented rate limits, so a 429 should be rare.",
    you: "Nothing for an occasional 429. Many of them mean that more processes use the key than its limits allow: " +
      "share the gate and the rate limiter through Redis (REDIS_URL), and look at `trackingmore gate status`."
  },
  ServerError: {
    client: "Retries calls that are safe to repeat (gets, and creates, since a repeated create is harmless); " +
      "fails other writes at once.",
    you: "Nothing for an occasional one; report a 500 that keeps coming back to TrackingMore support."
  },
  ServiceUnavailable: {
    client: "Retries the call, spacing the attempts with full jitter so that many callers do not come back together.",
    you: "Nothing for a short outage; during maintenance let calls fail and try again later."
  },
  UnknownStatus: {
    client: "Fails the call at once with `UnknownStatus`, keeping the code and the server's message.",
    you: "The code is not in TrackingMore's documented table: report it with the server's message."
  },
  MalformedResponse: {
    client: "An answer lost or replaced on the way (empty, an HTML page, cut-off JSON), or any unreadable answer " +
      "with an HTTP status ≥ 500, is retried like a server error; other unreadable answers, and bodies larger " +
      "than `maxResponseBytes`, fail at once. `bodyExcerpt` keeps the first 512 characters.",
    you: "Look at `bodyExcerpt`: a proxy's error page or a wrong TRACKINGMORE_BASE_URL is the usual cause."
  },
  TransportError: {
    client: "A reset, refused or timed-out connection is retried like a server error (safe calls only); a request " +
      "that could not be sent at all (`invalid-request`) fails at once.",
    you: "Check the network path to TrackingMore and TRACKINGMORE_BASE_URL; `trackingmore doctor` measures it."
  },
  DeadlineExceeded: {
    client: "Fails the call before a wait that would end after its deadline (a cooldown, the rate limit, or " +
      "another caller's probe); nothing was sent for it.",
    you: "Give the call a longer deadline, or look at why the key waits: `trackingmore gate status`."
  }
}

/**
 * The plain types of this package against the Effect types they stand for. The published declarations of the
 * facade name no Effect type (so that a project on another Effect version, or none, type-checks them alone);
 * these checks keep the plain interfaces and the schemas of `@trackingmore-effect/client` and
 * `@trackingmore-effect/core` assignable to each other, so that neither can change without the other.
 *
 * The type-level checks fail `tsc` (the package's `typecheck`, part of `pnpm test`); the tests below check the
 * same facts on values at run time.
 */
import * as ClientRequests from "@trackingmore-effect/client/Requests"
import type * as ClientResponses from "@trackingmore-effect/client/Responses"
import * as ClientTracking from "@trackingmore-effect/client/Tracking"
import type * as EffectClient from "@trackingmore-effect/client/TrackingMoreClient"
import type * as CorePolicy from "@trackingmore-effect/core/Policy"
import * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as CoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import type {
  ClientOptions,
  CodeOf,
  Codes,
  CoreErrorOf,
  DurationInput,
  PolicyOptions,
  RateLimit,
  Shipment,
  Tag,
  Tracking
} from "../src/index.js"
import { TrackingMoreApiError } from "../src/index.js"

/** `true` when each type is assignable to the other. */
type Mutual<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false
/** `true` when `A` is assignable to `B`. */
type Extends<A, B> = [A] extends [B] ? true : false
/** Compiles only for `true`: the place of a failed check is the line that names it. */
type Check<T extends true> = T

/** Every request and response type, paired with the client's schema type of the same name. */
export type Models = [
  Check<Mutual<Tracking.Status, ClientTracking.Status>>,
  Check<Mutual<Tracking.TrackingEvent, ClientTracking.TrackingEvent>>,
  Check<Mutual<Tracking.CarrierInfo, ClientTracking.CarrierInfo>>,
  Check<Mutual<Tracking.Tracking, ClientTracking.Tracking>>,
  Check<Mutual<Tracking.CreateTracking, ClientRequests.CreateTracking>>,
  Check<Mutual<Tracking.UpdateTracking, ClientRequests.UpdateTracking>>,
  Check<Mutual<Tracking.UpdateManyItem, ClientRequests.UpdateManyItem>>,
  Check<Mutual<Tracking.TrackingRef, ClientRequests.TrackingRef>>,
  Check<Mutual<Tracking.RealtimeRequest, ClientRequests.RealtimeRequest>>,
  Check<Mutual<Tracking.ListQuery, ClientRequests.ListQuery>>,
  Check<Mutual<Tracking.TrackingPage, ClientResponses.TrackingPage>>,
  Check<Mutual<Tracking.BatchItemError, ClientResponses.BatchItemError>>,
  Check<Mutual<Tracking.UpdateManyResult, ClientResponses.UpdateManyResult>>,
  Check<Mutual<Tracking.DeleteManyResult, ClientResponses.DeleteManyResult>>,
  Check<Mutual<Tracking.UserInfo, ClientResponses.UserInfo>>,
  Check<Mutual<Tracking.StatusCounts, ClientResponses.StatusCounts>>,
  Check<Mutual<Tracking.Carrier, ClientResponses.Carrier>>,
  // Every key of the schema types is in the plain ones (mutual assignability alone allows an optional extra).
  Check<Mutual<keyof Tracking.Tracking, keyof ClientTracking.Tracking>>,
  Check<Mutual<keyof Tracking.CreateTracking, keyof ClientRequests.CreateTracking>>,
  Check<Mutual<keyof Tracking.UpdateTracking, keyof ClientRequests.UpdateTracking>>,
  Check<Mutual<keyof Tracking.UpdateManyItem, keyof ClientRequests.UpdateManyItem>>,
  Check<Mutual<keyof Tracking.ListQuery, keyof ClientRequests.ListQuery>>,
  Check<Mutual<keyof Tracking.TrackingEvent, keyof ClientTracking.TrackingEvent>>,
  Check<Mutual<keyof Tracking.CarrierInfo, keyof ClientTracking.CarrierInfo>>,
  Check<Mutual<keyof Tracking.UserInfo, keyof ClientResponses.UserInfo>>,
  Check<Mutual<keyof Tracking.Carrier, keyof ClientResponses.Carrier>>
]

/**
 * The options: what the facade takes must be what the Effect client takes (Effect's durations are wider — a
 * `Duration`, a bigint, a tuple — so that direction is one-way), and the option names must be the same.
 */
export type Options = [
  Check<Extends<DurationInput, Duration.DurationInput>>,
  Check<Extends<Duration.DurationInput, DurationInput | Duration.Duration | bigint | readonly [number, number]>>,
  Check<Extends<RateLimit, EffectClient.RateLimit>>,
  Check<Extends<PolicyOptions, CorePolicy.PolicyOptions>>,
  Check<Mutual<keyof PolicyOptions, keyof CorePolicy.PolicyOptions>>,
  Check<Extends<Omit<ClientOptions, "apiKey" | "fetch">, Omit<EffectClient.ClientOptions, "apiKey">>>,
  Check<Mutual<Exclude<keyof ClientOptions, "fetch">, keyof EffectClient.ClientOptions>>,
  Check<Mutual<Shipment, EffectClient.Shipment>>
]

/** The errors: the same tags, the same codes, and every core error fits the plain description of its tag. */
export type Errors = [
  Check<Mutual<Tag, CoreError.Tag>>,
  Check<Mutual<{ readonly [T in Tag]: CodeOf<T> }, { readonly [T in CoreError.Tag]: CoreOf<T>["code"] }>>,
  Check<Extends<CoreError.TrackingMoreError, CoreErrorOf<Tag>>>,
  Check<Extends<CoreError.MalformedResponse, CoreErrorOf<"MalformedResponse">>>,
  Check<Extends<CoreError.TransportError, CoreErrorOf<"TransportError">>>,
  Check<Extends<CoreError.DeadlineExceeded, CoreErrorOf<"DeadlineExceeded">>>,
  Check<Mutual<CoreErrorOf<"TransportError">["kind"], CoreError.TransportErrorKind>>,
  Check<Mutual<CoreErrorOf<"MalformedResponse">["kind"], CoreError.MalformedKind>>,
  Check<Mutual<CoreErrorOf<"DeadlineExceeded">["waitingFor"], CoreError.WaitingFor>>
]
type CoreOf<T extends CoreError.Tag> = Extract<CoreError.TrackingMoreError, { readonly _tag: T }>

/** The documented codes, written out once more: the test compares them with core's catalogue at run time. */
const documentedCodes = {
  LimitExceeded: 202,
  Unauthorized: 401,
  InvalidApiKey: 4001,
  ApiKeyDeleted: 4002,
  InvalidRequest: 4012,
  TrackingNumberRequired: 4013,
  InvalidTrackingNumber: 4014,
  InvalidCarrierCode: 4015,
  TrackingAlreadyExists: 4016,
  TrackingNotFound: 4017,
  ActivationRequired: 4018,
  InsufficientBalance: 4019,
  BatchTooLarge: 4020,
  QuotaExhausted: 4021,
  NotRegistered: 4031,
  CarrierNotDetected: 4032,
  InvalidStatus: 4033,
  PaymentRequired: 402,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  TooManyRequests: 429,
  ServerError: 500,
  ServiceUnavailable: 503
} as const satisfies { readonly [T in Exclude<Tag, "UnknownStatus" | "MalformedResponse">]?: Codes[T] }

describe("the plain types", () => {
  it("a tracking decoded by the client's schema is a plain Tracking, field for field", () => {
    const wire = {
      id: "abc",
      tracking_number: "RR123456789CN",
      carrier_code: "china-post",
      status: "transit",
      archived: "false",
      origin_info: { carrier_code: "china-post", trackinfo: [{ Date: "2026-01-02 03:04", StatusDescription: "Accepted" }] }
    }
    const decoded = ClientTracking.decodeTracking(wire)
    if (Either.isLeft(decoded)) throw decoded.left
    const plain: Tracking.Tracking = decoded.right
    expect({ ...plain, originInfo: { ...plain.originInfo, trackinfo: plain.originInfo?.trackinfo?.map((e) => ({ ...e })) } })
      .toEqual({
        id: "abc",
        trackingNumber: "RR123456789CN",
        carrierCode: "china-post",
        status: "transit",
        archived: false,
        originInfo: { carrierCode: "china-post", trackinfo: [{ date: "2026-01-02 03:04", statusDescription: "Accepted" }] }
      })
  })

  it("a plain CreateTracking encodes with the client's schema to the wire form", () => {
    const input: Tracking.CreateTracking = { trackingNumber: "1Z999AA10123456784", carrierCode: "ups", orderId: "A-1" }
    expect(Schema.encodeSync(ClientRequests.CreateTracking)(input)).toEqual({
      tracking_number: "1Z999AA10123456784",
      carrier_code: "ups",
      order_id: "A-1"
    })
  })

  it("every tag of core has the code written here, and TrackingMoreApiError keeps it", () => {
    for (const [tag, code] of Object.entries(documentedCodes)) {
      expect(StatusCode.forTag(tag as keyof typeof documentedCodes).code).toBe(code)
      expect(new TrackingMoreApiError(CoreError.fromCode(code)).tag).toBe(tag)
    }
    const documentedTags = StatusCode.all.filter((entry) => entry.category !== "success").map((entry) => entry.tag)
    expect(new Set(Object.keys(documentedCodes))).toEqual(new Set(documentedTags))
  })

  it("the fields of a tag reach cause, and retryAfter comes out in milliseconds", () => {
    const malformed = new TrackingMoreApiError(CoreError.malformed(502, "html", "<html>", {}))
    expect(malformed.cause.kind).toBe("html")
    const limited = new TrackingMoreApiError(CoreError.fromCode(429, { retryAfter: Duration.seconds(3) }))
    expect(limited.retryAfter).toBe(3_000)
  })
})

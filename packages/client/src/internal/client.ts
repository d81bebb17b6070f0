import type * as HttpClient from "@effect/platform/HttpClient"
import * as Endpoint from "@trackingmore-effect/core/Endpoint"
import type * as Options from "@trackingmore-effect/core/Options"
import * as TrackingMoreError from "@trackingmore-effect/core/TrackingMoreError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as CreateOutcome from "../CreateOutcome.js"
import * as Requests from "../Requests.js"
import * as Responses from "../Responses.js"
import * as Tracking from "../Tracking.js"
import type { ClientOptions, GetOptions, Service } from "../TrackingMoreClient.js"
import * as internalBatch from "./batch.js"
import * as bulk from "./bulk.js"
import * as loader from "./loader.js"
import * as internalOptions from "./options.js"
import * as internalPoll from "./poll.js"
import * as Transport from "./transport.js"
import * as validate from "./validate.js"

const encodeUpdate = validate.encoder(Requests.UpdateTracking)
const encodeUpdateItem = validate.item(Requests.UpdateManyItem)
const encodeRef = validate.item(Requests.TrackingRef)

/** The client's methods, each built from its row of core's endpoint table, over one transport. */
export const make = (
  options: ClientOptions
): Effect.Effect<Service, Options.InvalidOption, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const resolved = yield* internalOptions.resolve(options)
    const transport = yield* Transport.make(resolved)
    const batchSize = resolved.batchSize
    const { endpoints } = Endpoint
    const span = (name: string, endpoint: Endpoint.Endpoint) =>
      Effect.withSpan(`TrackingMore.${name}`, {
        kind: "client",
        captureStackTrace: false,
        attributes: { "trackingmore.endpoint": endpoint.name, "trackingmore.key": transport.key }
      })
    const one = (carrierCode: string, trackingNumber: string, lang: ReadonlyArray<string> = []) =>
      Endpoint.path(endpoints.get, { carrier_code: carrierCode, tracking_number: trackingNumber }, lang)

    const createRaw = (input: Requests.CreateTracking) =>
      Effect.flatMap(validate.create(input, endpoints.create), (body) =>
        transport.request({
          endpoint: endpoints.create,
          path: endpoints.create.path,
          body,
          response: Tracking.Tracking,
          decode: Tracking.decodeTracking
        }))

    const getRaw = (
      carrierCode: string,
      trackingNumber: string,
      getOptions: GetOptions = {}
    ): Effect.Effect<Tracking.Tracking, TrackingMoreError.TrackingMoreError> =>
      Effect.zipRight(
        validate.ref(carrierCode, trackingNumber, endpoints.get),
        transport.request({
          endpoint: endpoints.get,
          path: one(carrierCode, trackingNumber, getOptions.lang ? [getOptions.lang] : []),
          response: Tracking.Tracking,
          decode: Tracking.decodeTracking,
          onNotRegistered: getOptions.register === true
            ? () =>
              createRaw({ trackingNumber, carrierCode }).pipe(
                Effect.asVoid,
                Effect.catchTag("TrackingAlreadyExists", () => Effect.void)
              )
            : undefined
        })
      )

    const listRaw = (query: Requests.ListQuery = {}, deadline?: Duration.Duration) =>
      query.numbers !== undefined && query.numbers.length > Endpoint.maxBatchSize
        ? Effect.fail(validate.invalid(4012, `numbers: at most ${Endpoint.maxBatchSize} per call`, endpoints.list))
        : transport.request({
          endpoint: endpoints.list,
          path: endpoints.list.path,
          query: Requests.listQueryParams(query),
          response: Responses.TrackingPage,
          deadline
        })

    const list: Service["list"] = (query) => listRaw(query).pipe(span("list", endpoints.list))

    // A bulk call's chunk calls take what is left of its own deadline (none by default), not the policy's.
    const createMany: Service["createMany"] = (items, bulkOptions) =>
      Effect.flatMap(bulk.deadlineOf(bulkOptions, endpoints.batch), (deadline) =>
        internalBatch.createMany({
          batchSize,
          encode: (input) => validate.create(input, endpoints.batch),
          send: (body, callDeadline) =>
            transport.request({
              endpoint: endpoints.batch,
              path: endpoints.batch.path,
              body,
              response: Responses.BatchResult,
              deadline: callDeadline
            }).pipe(span("batch", endpoints.batch)),
          list: (numbers, callDeadline) => listRaw({ numbers, limit: 200 }, callDeadline).pipe(span("list", endpoints.list))
        }, items, deadline)).pipe(
          Effect.tap((outcomes) => {
            const counts = CreateOutcome.summarize(outcomes)
            return Effect.annotateCurrentSpan({
              "trackingmore.items": outcomes.length,
              "trackingmore.created": counts.created,
              "trackingmore.existed": counts.existed,
              "trackingmore.failed": counts.failed,
              "trackingmore.not_sent": counts.notSent
            })
          }),
          span("createMany", endpoints.batch)
        )

    // Concurrent `create` and `get` calls coalesce into batch and list calls (see loader.ts). The loaders live as
    // long as the scope the client is made in, when there is one (`layer` is scoped): closing it (a runtime
    // disposed, the Promise facade's `close`) stops a turn waiting for its rate-limit interval, whose timer would
    // otherwise keep the process alive after the last call. Without one they live in a scope never closed, so
    // `make` needs no Scope, as before.
    const batcher: loader.Batcher | undefined = resolved.batching === undefined ? undefined : yield* loader.make({
      createOne: createRaw,
      getOne: (carrierCode, trackingNumber, register) => getRaw(carrierCode, trackingNumber, { register }),
      createMany: (items) => createMany(items),
      list: (numbers) => list({ numbers, limit: 200 }),
      // Turns do not wait for the rate-limit interval themselves: the call's own rate-limit step paces it, in a
      // fiber that stops when its callers leave. A turn that slept out the interval held a timer that kept a
      // process alive after its last call (up to a minute at 1 request/minute).
      spacing: { create: Duration.zero, get: Duration.zero }
    }, resolved.batching).pipe(Scope.extend(yield* Option.match(yield* Effect.serviceOption(Scope.Scope), {
      onNone: () => Scope.make(),
      onSome: Effect.succeed
    })))

    // `lang` is a path segment of the single get that the list call cannot express: such calls are not batched.
    const getTracking = (
      carrierCode: string,
      trackingNumber: string,
      getOptions: GetOptions = {}
    ): Effect.Effect<Tracking.Tracking, TrackingMoreError.TrackingMoreError> =>
      batcher === undefined || getOptions.lang !== undefined
        ? getRaw(carrierCode, trackingNumber, getOptions)
        : Effect.zipRight(
          validate.ref(carrierCode, trackingNumber, endpoints.get),
          batcher.get(carrierCode, trackingNumber, getOptions.register === true)
        )

    const get: Service["get"] = (carrierCode, trackingNumber, getOptions) =>
      getTracking(carrierCode, trackingNumber, getOptions).pipe(span("get", endpoints.get))

    // The single create: 4016 turns into the existing tracking.
    const createOne = (input: Requests.CreateTracking): Effect.Effect<Tracking.Tracking, TrackingMoreError.TrackingMoreError> =>
      createRaw(input).pipe(
        Effect.catchTag("TrackingAlreadyExists", () => getTracking(input.carrierCode, input.trackingNumber))
      )

    const create: Service["create"] = (input) =>
      (batcher === undefined
        ? createOne(input)
        : Effect.zipRight(validate.create(input, endpoints.create), batcher.create(input))).pipe(
          span("create", endpoints.create)
        )

    // Answers that may or may not carry the tracking: decode it when they do, fetch it when they do not.
    const trackingOr = (
      data: unknown,
      fallback: Effect.Effect<Tracking.Tracking, TrackingMoreError.TrackingMoreError>
    ) => Either.match(Tracking.decodeTracking(data), { onLeft: () => fallback, onRight: Effect.succeed })

    const update: Service["update"] = (carrierCode, trackingNumber, changes) =>
      Effect.gen(function*() {
        yield* validate.ref(carrierCode, trackingNumber, endpoints.update)
        const body = yield* encodeUpdate(changes, endpoints.update)
        const data = yield* transport.request({
          endpoint: endpoints.update,
          path: one(carrierCode, trackingNumber),
          body,
          response: Schema.Unknown
        })
        return yield* trackingOr(data, getRaw(carrierCode, trackingNumber))
      }).pipe(span("update", endpoints.update))

    const del: Service["delete"] = (carrierCode, trackingNumber) =>
      Effect.zipRight(
        validate.ref(carrierCode, trackingNumber, endpoints.delete),
        transport.request({ endpoint: endpoints.delete, path: one(carrierCode, trackingNumber), response: Schema.Unknown })
      ).pipe(Effect.asVoid, span("delete", endpoints.delete))

    const updateMany: Service["updateMany"] = (items, bulkOptions) =>
      Effect.flatMap(bulk.deadlineOf(bulkOptions, endpoints.updateMany), (deadline) =>
        bulk.sendInChunks(items, encodeUpdateItem, endpoints.updateMany, batchSize, deadline, (body, callDeadline) =>
          transport.request({
            endpoint: endpoints.updateMany,
            path: endpoints.updateMany.path,
            body,
            response: Responses.UpdateManyResult,
            deadline: callDeadline
          }))).pipe(Effect.map(bulk.mergeUpdates), span("updateMany", endpoints.updateMany))

    const deleteMany: Service["deleteMany"] = (items, bulkOptions) =>
      Effect.flatMap(bulk.deadlineOf(bulkOptions, endpoints.deleteMany), (deadline) =>
        bulk.sendInChunks(items, encodeRef, endpoints.deleteMany, batchSize, deadline, (body, callDeadline) =>
          transport.request({
            endpoint: endpoints.deleteMany,
            path: endpoints.deleteMany.path,
            body,
            response: Responses.DeleteManyResult,
            deadline: callDeadline
          }))).pipe(Effect.map(bulk.mergeDeletes), span("deleteMany", endpoints.deleteMany))

    const realtime: Service["realtime"] = (input) =>
      Effect.gen(function*() {
        const body = yield* validate.create(input, endpoints.realtime)
        const result = yield* transport.request({
          endpoint: endpoints.realtime,
          path: endpoints.realtime.path,
          body,
          response: Responses.RealtimeResult
        })
        const first = result.items[0]
        if (first === undefined) {
          return yield* Effect.fail(
            TrackingMoreError.malformed(
              200,
              "unexpected-shape",
              "",
              { method: endpoints.realtime.method, endpoint: endpoints.realtime.path },
              "the realtime answer holds no tracking (data.items is empty)"
            )
          )
        }
        return first
      }).pipe(span("realtime", endpoints.realtime))

    const changeCarrier: Service["changeCarrier"] = (carrierCode, trackingNumber, newCarrierCode) =>
      Effect.gen(function*() {
        yield* validate.ref(carrierCode, trackingNumber, endpoints.changeCarrier)
        yield* validate.ref(newCarrierCode, trackingNumber, endpoints.changeCarrier)
        const data = yield* transport.request({
          endpoint: endpoints.changeCarrier,
          path: endpoints.changeCarrier.path,
          body: { tracking_number: trackingNumber, carrier_code: carrierCode, update_carrier_code: newCarrierCode },
          response: Schema.Unknown
        })
        return yield* trackingOr(data, getRaw(newCarrierCode, trackingNumber))
      }).pipe(span("changeCarrier", endpoints.changeCarrier))

    const userInfo: Service["userInfo"] = transport.request({
      endpoint: endpoints.userInfo,
      path: endpoints.userInfo.path,
      response: Responses.UserInfo
    }).pipe(span("userInfo", endpoints.userInfo))

    const statusCounts: Service["statusCounts"] = (query = {}) =>
      transport.request({
        endpoint: endpoints.statusCounts,
        path: endpoints.statusCounts.path,
        query: Requests.listQueryParams(query),
        response: Responses.StatusCounts
      }).pipe(span("statusCounts", endpoints.statusCounts))

    const carriers: Service["carriers"] = transport.request({
      endpoint: endpoints.carriers,
      path: endpoints.carriers.path,
      response: Schema.Array(Responses.Carrier)
    }).pipe(span("carriers", endpoints.carriers))

    const detect: Service["detect"] = (trackingNumber) =>
      Effect.zipRight(
        validate.trackingNumber(trackingNumber, endpoints.detect),
        transport.request({
          endpoint: endpoints.detect,
          path: endpoints.detect.path,
          body: { tracking_number: trackingNumber },
          response: Schema.Array(Responses.Carrier)
        })
      ).pipe(span("detect", endpoints.detect))

    // Options that cannot work are a defect of the stream (`validatePollOptions` checks them beforehand).
    const pollUntilFinal: Service["pollUntilFinal"] = (shipments, pollOptions) =>
      Either.match(internalPoll.resolve(pollOptions), {
        onLeft: (invalid) => Stream.die(invalid),
        onRight: (config) => internalPoll.pollUntilFinal((query) => list(query), shipments, config)
      })

    return {
      create,
      createMany,
      get,
      list,
      update,
      delete: del,
      updateMany,
      deleteMany,
      realtime,
      changeCarrier,
      userInfo,
      statusCounts,
      carriers,
      detect,
      pollUntilFinal
    }
  })

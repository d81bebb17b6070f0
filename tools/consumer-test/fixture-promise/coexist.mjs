// The root of this project has Effect 4; the facade brings its own Effect 3 inside its bundle. An Effect 4
// program calls the facade, and both run side by side.
import { createClient } from "@trackingmore-effect/promise"
import { Effect } from "effect"
import console from "node:console"
import process from "node:process"

const client = createClient({ apiKey: "sim-key-2", baseUrl: process.env.TRACKINGMORE_BASE_URL })
const program = Effect.gen(function*() {
  const created = yield* Effect.tryPromise(() => client.create({ trackingNumber: "INSTALL0004", carrierCode: "dhl" }))
  const got = yield* Effect.tryPromise(() => client.get("dhl", created.trackingNumber))
  return { created: created.trackingNumber, status: got.status }
})
try {
  console.log(JSON.stringify(await Effect.runPromise(program)))
} finally {
  await client.close()
}

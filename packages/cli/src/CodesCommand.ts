/**
 * `trackingmore codes` and `trackingmore explain`.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type * as StatusCode from "@trackingmore-effect/core/StatusCode"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Catalogue from "./Catalogue.js"
import * as Output from "./Output.js"
import * as Stop from "./Stop.js"

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))

/**
 * @since 0.1.0
 * @category commands
 */
export const codes = Command.make(
  "codes",
  {
    category: Options.text("category").pipe(
      Options.withPseudoName("name"),
      Options.withDescription(`only the codes of one category: ${Catalogue.categories.join(", ")}`),
      Options.optional
    ),
    json
  },
  ({ category, json }) =>
    Effect.gen(function*() {
      const wanted = Option.getOrUndefined(category)?.trim().toLowerCase()
      if (wanted !== undefined && !(Catalogue.categories as ReadonlyArray<string>).includes(wanted)) {
        return yield* Stop.usage(
          `trackingmore codes: there is no category "${wanted}"; the categories are ${Catalogue.categories.join(", ")}.`
        )
      }
      const rows = Catalogue.rows(wanted as StatusCode.Category | undefined)
      if (json) return yield* Console.log(Output.json(rows))
      const paint = Output.stdout
      yield* Console.log(Output.table(
        ["CODE", "TAG", "CATEGORY", "DEFAULT DECISION"],
        rows.map((row) => [String(row.code), paint.cyan(row.tag), row.category, row.decision]),
        { align: ["right", "left", "left", "left"], paint }
      ))
    })
).pipe(Command.withDescription(
  "The TrackingMore v2 status codes: each code's error tag, its category and what the default policy does " +
    "after it (for a call that is safe to repeat, and for other writes where they differ)."
))

/**
 * @since 0.1.0
 * @category commands
 */
export const explain = Command.make(
  "explain",
  {
    code: Args.text({ name: "code|tag" }).pipe(
      Args.withDescription("a status code (4031) or an error tag (NotRegistered, TransportError…)")
    ),
    json
  },
  ({ code, json }) =>
    Effect.gen(function*() {
      const found = Catalogue.explain(code)
      if (found._tag === "NotFound") {
        const near = found.suggestions.length > 0 ? ` Did you mean ${found.suggestions.join(" or ")}?` : ""
        return yield* Stop.usage(
          `trackingmore explain: "${code}" is neither a status code nor an error tag.${near} ` +
            "`trackingmore codes` lists them."
        )
      }
      const e = found.explanation
      if (json) return yield* Console.log(Output.json(e))
      const paint = Output.stdout
      const heading = [
        e.code === undefined ? undefined : paint.bold(String(e.code)),
        paint.bold(paint.cyan(e.tag)),
        e.category,
        e.type
      ].filter((part): part is string => part !== undefined).join(" · ")
      const lines = [heading]
      if (e.note !== undefined) lines.push(Output.wrap(paint.yellow(e.note)))
      lines.push(Output.wrap(e.meaning), "")
      for (const decision of e.decision) {
        const when = decision.when === "" ? "" : ` ${paint.dim(`(${decision.when})`)}`
        lines.push(`${paint.bold("Default decision:")} ${decision.short}${when}`)
        for (const sentence of decision.sentences) lines.push(Output.wrap(sentence, { indent: 2 }))
      }
      lines.push(
        "",
        Output.wrap(`${paint.bold("What the client does:")} ${e.client}`),
        "",
        Output.wrap(`${paint.bold("What you should do:")} ${e.you}`)
      )
      yield* Console.log(lines.join("\n"))
    })
).pipe(Command.withDescription(
  "One status code or error tag in full: its meaning, its category, the default decision with its numbers, " +
    "what the client does about it by itself and what you should do."
))

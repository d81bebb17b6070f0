/**
 * `trackingmore policy timeline` and `trackingmore policy compare`.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Policy from "@trackingmore-effect/core/Policy"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Compare from "./Compare.js"
import * as Decisions from "./Decisions.js"
import * as Output from "./Output.js"
import * as PolicyFile from "./PolicyFile.js"
import * as Stop from "./Stop.js"
import * as Svg from "./Svg.js"
import * as Timeline from "./Timeline.js"

const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))

/**
 * A whole number option read by the command, so that a bad one gets a sentence naming it.
 *
 * @since 0.1.0
 * @category options
 */
export const wholeNumber = (
  command: string,
  name: string,
  value: Option.Option<string>,
  range: { readonly min: number; readonly max: number; readonly fallback: number }
): Effect.Effect<number, Stop.Stop> => {
  if (Option.isNone(value)) return Effect.succeed(range.fallback)
  const n = Number(value.value)
  return Number.isSafeInteger(n) && n >= range.min && n <= range.max && value.value.trim() !== ""
    ? Effect.succeed(n)
    : Effect.fail(Stop.usage(
      `${command}: --${name} must be a whole number from ${range.min} to ${range.max}, got "${value.value}".`
    ))
}

const timeline = Command.make(
  "timeline",
  {
    outcomes: Args.text({ name: "outcome" }).pipe(
      Args.atLeast(1),
      Args.withDescription(
        "the answers of the attempts, in order: status codes (503, 429, 200), error tags (ServiceUnavailable) or " +
          `faults (${Timeline.faultWords.filter((w) => w !== "html502").join(", ")})`
      )
    ),
    config: Options.text("config").pipe(
      Options.withPseudoName("policy.json"),
      Options.withDescription("a JSON file of policy overrides, as Policy.config takes them (default: the default policy)"),
      Options.optional
    ),
    seed: Options.text("seed").pipe(
      Options.withPseudoName("n"),
      Options.withDescription("the seed of the jitter (default 1): the same seed draws the same delays"),
      Options.optional
    ),
    svg: Options.text("svg").pipe(
      Options.withPseudoName("out.svg"),
      Options.withDescription("also draw the timeline as a standalone SVG picture in this file"),
      Options.optional
    ),
    notIdempotent: Options.boolean("not-idempotent").pipe(
      Options.withDescription("a call that is not safe to repeat (a write other than create): 500s and transport errors are not retried")
    ),
    json
  },
  (args) =>
    Effect.gen(function*() {
      const name = "trackingmore policy timeline"
      const outcomes: Array<Timeline.Outcome> = []
      for (const input of args.outcomes) {
        const parsed = Timeline.parseOutcome(input)
        if (Either.isLeft(parsed)) return yield* Stop.usage(`${name}: ${parsed.left}.`)
        outcomes.push(parsed.right)
      }
      const seed = yield* wholeNumber(name, "seed", args.seed, { min: 0, max: 2 ** 31 - 1, fallback: 1 })
      const policy = Option.isSome(args.config)
        ? (yield* PolicyFile.load(name, args.config.value)).config
        : Policy.defaults
      const idempotent = !args.notIdempotent
      const result = yield* Timeline.run(outcomes, { policy, seed, idempotent })
      const policyName = Option.isSome(args.config) ? args.config.value : "the default policy"
      const callKind = idempotent ? "a call safe to repeat" : "a call not safe to repeat"
      if (Option.isSome(args.svg)) {
        const fs = yield* FileSystem.FileSystem
        const title = `policy timeline ${args.outcomes.join(" ")} · ${policyName} · seed ${seed} · ${callKind}`
        yield* fs.writeFileString(args.svg.value, Svg.render(result, title)).pipe(
          Effect.mapError((error) => Stop.failed(`${name}: cannot write ${args.svg.pipe(Option.getOrElse(() => ""))} (${error.message}).`))
        )
      }
      if (args.json) {
        return yield* Console.log(Output.json({ ...result, policy: policyName, summary: Svg.summary(result) }))
      }
      const paint = Output.stdout
      const rows: Array<Array<string>> = []
      for (const step of result.steps) {
        switch (step._tag) {
          case "Attempt":
            rows.push([
              step.at === 0 ? "0s" : Decisions.formatDuration(step.at),
              (step.ok ? paint.green : paint.red)(`#${step.n} ${step.outcome} ${step.tag}`)
            ])
            break
          case "Wait":
            rows.push(["", paint.dim("↳ ") + step.decision])
            break
          case "Halt":
            rows.push(["", paint.dim("↳ ") + paint.red(step.decision)])
            break
        }
      }
      const lines = [
        `${paint.bold("policy timeline")} ${args.outcomes.join(" ")} ${paint.dim(`(${policyName}, seed ${seed}, ${callKind})`)}`,
        "",
        Output.table(["TIME", "ATTEMPT / DECISION"], rows, { align: ["right", "left"], paint }),
        "",
        Output.wrap(Svg.summary(result))
      ]
      if (Option.isSome(args.svg)) lines.push(`The picture is in ${args.svg.value}.`)
      yield* Console.log(lines.join("\n"))
    })
).pipe(Command.withDescription(
  "Run core's Retry on a virtual clock against scripted answers and show every attempt, decision and wait with " +
    "its reason and the time since the start."
))

const compare = Command.make(
  "compare",
  {
    clients: Options.text("clients").pipe(
      Options.withPseudoName("n"),
      Options.withDescription(`virtual clients on one key (default ${Compare.defaults.clients})`),
      Options.optional
    ),
    calls: Options.text("calls").pipe(
      Options.withPseudoName("m"),
      Options.withDescription(`calls each client makes, one after another (default ${Compare.defaults.calls})`),
      Options.optional
    ),
    faults: Options.text("faults").pipe(
      Options.withPseudoName("spec"),
      Options.withDescription(
        `the simulator's random faults, as its --faults flag takes them (default ${Compare.defaults.faults})`
      ),
      Options.optional
    ),
    policies: Options.text("policy").pipe(
      Options.withPseudoName("policy.json"),
      Options.withDescription(
        "a JSON file of policy overrides to compare (repeat it); without any, the default policy is compared with " +
          "naive alternatives"
      ),
      Options.repeated
    ),
    timeScale: Options.text("time-scale").pipe(
      Options.withPseudoName("s"),
      Options.withDescription(`real seconds per simulated second (default ${Compare.defaults.timeScale})`),
      Options.optional
    ),
    seed: Options.text("seed").pipe(
      Options.withPseudoName("n"),
      Options.withDescription("the seed of the simulator's faults and of the clients' jitter (default 1)"),
      Options.optional
    ),
    json
  },
  (args) =>
    Effect.gen(function*() {
      const name = "trackingmore policy compare"
      const clients = yield* wholeNumber(name, "clients", args.clients, { min: 1, max: 200, fallback: Compare.defaults.clients })
      const calls = yield* wholeNumber(name, "calls", args.calls, { min: 1, max: 1000, fallback: Compare.defaults.calls })
      const seed = yield* wholeNumber(name, "seed", args.seed, { min: 0, max: 2 ** 31 - 1, fallback: 1 })
      const timeScale = yield* Compare.parseTimeScale(name, args.timeScale)
      yield* Compare.parseFaults(name, Option.getOrElse(args.faults, () => Compare.defaults.faults))
      const variants: Array<Compare.Variant> = []
      for (const path of args.policies) {
        const loaded = yield* PolicyFile.load(name, path)
        variants.push({ name: path, policy: loaded.config, jitter: "full", sharedGate: true })
      }
      const report = yield* Compare.run({
        clients,
        calls,
        faultSpec: Option.getOrElse(args.faults, () => Compare.defaults.faults),
        timeScale,
        seed,
        variants: variants.length > 0 ? variants : Compare.naiveAlternatives
      })
      if (args.json) return yield* Console.log(Output.json(report))
      yield* Console.log(Compare.renderText(report, Output.stdout))
    })
).pipe(Command.withDescription(
  "N virtual clients on one key against the simulator (time-scaled), once per policy: total calls, 429s, calls " +
    "sent inside a cooldown, completion time and its ratio to the physical limit."
))

/**
 * @since 0.1.0
 * @category commands
 */
export const policy = Command.make("policy").pipe(
  Command.withDescription("What the retry policy does: one call's timeline, or many clients compared"),
  Command.withSubcommands([timeline, compare])
)

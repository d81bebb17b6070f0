import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Argv from "../src/Argv.js"
import * as Cli from "../src/Cli.js"

const problem = (...args: Array<string>) => Argv.usageProblem(Cli.spec, args)

describe("Argv.usageProblem", () => {
  it("an option left without its value says the value is missing, at the end or before another option", () => {
    const carrier = Option.some("track status: the option --carrier is missing its value (e.g. --carrier ups).")
    expect(problem("status", "RR123456789CN", "--carrier")).toEqual(carrier)
    expect(problem("status", "--carrier")).toEqual(carrier)
    expect(problem("status", "--carrier", "--", "RR123456789CN")).toEqual(carrier)
    expect(problem("status", "--carrier=", "RR123456789CN")).toEqual(carrier)
    expect(problem("status", "RR123456789CN", "-c")).toEqual(
      Option.some("track status: the option -c is missing its value (e.g. -c ups).")
    )
    expect(problem("import", "data/shipments.csv", "--poll-interval", "--deadline", "6h")).toEqual(
      Option.some("track import: the option --poll-interval is missing its value (e.g. --poll-interval \"60 seconds\").")
    )
  })

  it("an unknown option is named, with the command's options and a near name", () => {
    expect(problem("import", "--bogus", "data/shipments.csv")).toEqual(Option.some(
      "track import: unknown option '--bogus'. Its options: --poll-interval; --deadline; --follow. See track import --help."
    ))
    expect(problem("import", "data/shipments.csv", "--poll-intervl", "5m")).toEqual(Option.some(
      "track import: unknown option '--poll-intervl'. Did you mean --poll-interval? Its options: --poll-interval; " +
        "--deadline; --follow. See track import --help."
    ))
    expect(problem("--bogus", "import", "data/shipments.csv")).toEqual(
      Option.some("track: unknown option '--bogus'. See track --help.")
    )
    expect(problem("import", "data/shipments.csv", "--carrier", "ups")).toEqual(Option.some(
      "track import: unknown option '--carrier'. Its options: --poll-interval; --deadline; --follow. See track import --help."
    ))
  })

  it("a well-formed line, help, and what follows -- are left to @effect/cli", () => {
    expect(problem("import", "data/shipments.csv", "--poll-interval", "60 seconds", "--deadline=6h")).toEqual(Option.none())
    expect(problem("status", "-c", "ups", "1Z999AA10123456784")).toEqual(Option.none())
    expect(problem("status", "--CARRIER", "ups", "1Z999AA10123456784")).toEqual(Option.none())
    expect(problem("import", "--log-level", "debug", "data/shipments.csv")).toEqual(Option.none())
    expect(problem("import", "--bogus", "--help")).toEqual(Option.none())
    expect(problem("import", "--", "--odd-name.csv")).toEqual(Option.none())
    expect(problem("import")).toEqual(Option.none())
  })
})

describe("Argv.withFullHelpName", () => {
  it("asks help of track and of the subcommand, so that the usage reads `track import`", () => {
    expect(Argv.withFullHelpName(Cli.spec, ["import", "--help"])).toEqual(["--help", "import", "--help"])
    expect(Argv.withFullHelpName(Cli.spec, ["status", "-h", "X"])).toEqual(["--help", "status", "-h", "X"])
    expect(Argv.withFullHelpName(Cli.spec, ["--help", "import"])).toEqual(["--help", "import", "--help"])
    expect(Argv.withFullHelpName(Cli.spec, ["--help", "import", "--", "x"])).toEqual(["--help", "import", "--help", "--", "x"])
  })

  it("leaves every other line as it is", () => {
    for (const args of [["--help"], ["import", "data/shipments.csv"], ["import", "--", "--help"], []]) {
      expect(Argv.withFullHelpName(Cli.spec, args)).toEqual(args)
    }
  })
})

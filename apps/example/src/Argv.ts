/**
 * What the app checks on the command line before `@effect/cli` parses it. Two of its readings mislead a user:
 * an option left without its value (`--carrier` at the end) is dropped by `Options.optional` and then reported
 * as "unknown argument" (or taken as the tracking number), and an unknown flag before the file is reported as
 * "Path '--bogus' must exist". Both are found here first and said in words.
 */
import * as Option from "effect/Option"

/** An option of a command. */
export interface OptionSpec {
  /** Its names, long and short (`["--carrier", "-c"]`). */
  readonly names: ReadonlyArray<string>
  /** For an option that takes a value: an example value for the message when it is missing. A flag has none. */
  readonly example?: string | undefined
}

/** A subcommand and its options. */
export interface CommandSpec {
  readonly name: string
  readonly options: ReadonlyArray<OptionSpec>
}

/** The program: its name and subcommands. */
export interface ProgramSpec {
  readonly name: string
  readonly commands: ReadonlyArray<CommandSpec>
}

/** The options `@effect/cli` adds to every command. */
export const builtIns: ReadonlyArray<OptionSpec> = [
  { names: ["--help", "-h"] },
  { names: ["--version"] },
  { names: ["--wizard"] },
  { names: ["--completions"], example: "bash" },
  { names: ["--log-level"], example: "info" }
]

const helpNames = ["--help", "-h"]

// `@effect/cli` compares names case-insensitively by default; so does this check.
const normalize = (arg: string) => arg.toLowerCase()

const isOption = (arg: string) => arg.startsWith("-") && arg !== "-"

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

/** Where the options of `args` end: `--` ends them, as in `@effect/cli`. */
const optionsEnd = (args: ReadonlyArray<string>): number => {
  const index = args.indexOf("--")
  return index === -1 ? args.length : index
}

/** The index of the subcommand in `args`, if any: the first argument that names one. */
const commandIndex = (program: ProgramSpec, args: ReadonlyArray<string>): number => {
  const end = optionsEnd(args)
  for (let i = 0; i < end; i++) {
    if (program.commands.some((command) => command.name === args[i])) return i
  }
  return -1
}

/** Whether `args` ask for help (`--help` or `-h` before a `--`). */
export const asksForHelp = (args: ReadonlyArray<string>): boolean =>
  args.slice(0, optionsEnd(args)).some((arg) => helpNames.includes(normalize(arg)))

/**
 * The problem of `args` (the arguments after the program name) that `@effect/cli` would report misleadingly:
 * an unknown option, or an option that takes a value given none. `None` when there is none, and when help is
 * asked for (help is shown whatever else the line holds).
 */
export const usageProblem = (program: ProgramSpec, args: ReadonlyArray<string>): Option.Option<string> => {
  if (asksForHelp(args)) return Option.none()
  const end = optionsEnd(args)
  const at = commandIndex(program, args)
  for (let i = 0; i < end; i++) {
    const arg = args[i]!
    if (i === at || !isOption(arg)) continue
    const command = at !== -1 && i > at ? program.commands.find((c) => c.name === args[at]) : undefined
    const where = command === undefined ? program.name : `${program.name} ${command.name}`
    const known = [...(command?.options ?? []), ...builtIns]
    const equals = arg.indexOf("=")
    const name = normalize(equals === -1 ? arg : arg.slice(0, equals))
    const spec = known.find((option) => option.names.includes(name))
    if (spec === undefined) {
      const own = command?.options ?? []
      const near = own.flatMap((option) => option.names).filter((n) => n.length > 2 && distance(name, n) <= 2)
      const suggestion = near.length > 0 ? ` Did you mean ${near.join(" or ")}?` : ""
      const listing = own.length > 0
        ? ` Its options: ${own.map((option) => option.names.join(", ")).join("; ")}.`
        : ""
      return Option.some(`${where}: unknown option '${arg}'.${suggestion}${listing} See ${where} --help.`)
    }
    if (spec.example === undefined) continue
    const value = equals === -1 ? args[i + 1] : arg.slice(equals + 1)
    if (value === undefined || value === "" || (equals === -1 && (i + 1 >= end || isOption(value)))) {
      const written = equals === -1 ? arg : arg.slice(0, equals)
      return Option.some(`${where}: the option ${written} is missing its value (e.g. ${written} ${spec.example}).`)
    }
    if (equals === -1) i++
  }
  return Option.none()
}

/**
 * `args` rewritten so that the help of a subcommand is shown under its full name (`track import`): `@effect/cli`
 * prefixes the parent's name only when help is asked of the parent and of the subcommand alike, so both are
 * asked. Other arguments are returned as they are.
 */
export const withFullHelpName = (program: ProgramSpec, args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const at = commandIndex(program, args)
  if (at === -1 || !asksForHelp(args)) return args
  const before = args.slice(0, at)
  const after = args.slice(at + 1)
  const afterEnd = optionsEnd(after)
  return [
    ...before,
    ...(asksForHelp(before) ? [] : ["--help"]),
    args[at]!,
    ...after.slice(0, afterEnd),
    ...(asksForHelp(after) ? [] : ["--help"]),
    ...after.slice(afterEnd)
  ]
}

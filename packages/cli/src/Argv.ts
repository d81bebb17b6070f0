/**
 * What `trackingmore` checks on the command line before `@effect/cli` parses it, and the help it adds. Two of
 * `@effect/cli`'s readings mislead a user: an option left without its value (`--category` at the end) is
 * reported as "unknown argument", and an unknown flag before a positional argument is taken for that argument.
 * Both are found here first and said in words. Help pages also get the command's full name and its examples.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import { distance } from "./internal/distance.js"

/**
 * An option of a command.
 *
 * @since 0.1.0
 * @category models
 */
export interface OptionSpec {
  /** Its names, long and short (`["--category"]`). */
  readonly names: ReadonlyArray<string>
  /** For an option that takes a value: an example value for the message when it is missing. A flag has none. */
  readonly example?: string | undefined
}

/**
 * A command: its path of names (`["policy", "timeline"]`), its options and its examples.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommandSpec {
  readonly path: ReadonlyArray<string>
  readonly options: ReadonlyArray<OptionSpec>
  readonly examples: ReadonlyArray<readonly [line: string, what: string]>
}

/**
 * The program: its name and commands. A command whose path is the start of another's is a group.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProgramSpec {
  readonly name: string
  readonly commands: ReadonlyArray<CommandSpec>
}

/**
 * The options `@effect/cli` adds to every command.
 *
 * @since 0.1.0
 * @category constants
 */
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

const isOption = (arg: string) => arg.startsWith("-") && arg !== "-" && !/^-\d/.test(arg)

const optionsEnd = (args: ReadonlyArray<string>): number => {
  const index = args.indexOf("--")
  return index === -1 ? args.length : index
}

/** Whether `args` ask for help (`--help` or `-h` before a `--`). */
export const asksForHelp = (args: ReadonlyArray<string>): boolean =>
  args.slice(0, optionsEnd(args)).some((arg) => helpNames.includes(normalize(arg)))

/**
 * Where the command's names are in `args`: the longest path of a command or group whose names come first among
 * the words that are not options.
 *
 * @since 0.1.0
 * @category parsing
 */
export const locate = (
  program: ProgramSpec,
  args: ReadonlyArray<string>
): { readonly path: ReadonlyArray<string>; readonly indices: ReadonlyArray<number> } => {
  const end = optionsEnd(args)
  const path: Array<string> = []
  const indices: Array<number> = []
  for (let i = 0; i < end; i++) {
    const arg = args[i]!
    if (isOption(arg)) continue
    const next = [...path, arg]
    const known = program.commands.some((command) => next.every((name, k) => command.path[k] === name))
    if (!known) break
    path.push(arg)
    indices.push(i)
  }
  return { path, indices }
}

const commandOf = (program: ProgramSpec, path: ReadonlyArray<string>): CommandSpec | undefined =>
  program.commands.find((command) => command.path.length === path.length && command.path.every((n, k) => path[k] === n))

/**
 * The problem of `args` (the arguments after the program name) that `@effect/cli` would report misleadingly:
 * an unknown option, or an option that takes a value given none. `None` when there is none, and when help is
 * asked for.
 *
 * @since 0.1.0
 * @category checks
 */
export const usageProblem = (program: ProgramSpec, args: ReadonlyArray<string>): Option.Option<string> => {
  if (asksForHelp(args)) return Option.none()
  const end = optionsEnd(args)
  const { indices, path } = locate(program, args)
  const command = commandOf(program, path)
  for (let i = 0; i < end; i++) {
    const arg = args[i]!
    if (indices.includes(i) || !isOption(arg)) continue
    const before = indices.length === 0 || i < indices[0]!
    const own = before || command === undefined ? [] : command.options
    const where = before ? program.name : [program.name, ...path].join(" ")
    const equals = arg.indexOf("=")
    const name = normalize(equals === -1 ? arg : arg.slice(0, equals))
    const spec = [...own, ...builtIns].find((option) => option.names.includes(name))
    if (spec === undefined) {
      const near = own.flatMap((option) => option.names).filter((n) => n.length > 2 && distance(name, n) <= 2)
      const suggestion = near.length > 0 ? ` Did you mean ${near.join(" or ")}?` : ""
      const listing = own.length > 0 ? ` Its options: ${own.map((option) => option.names.join(", ")).join("; ")}.` : ""
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
 * `args` rewritten so that the help of a command is shown under its full name (`trackingmore policy timeline`):
 * `@effect/cli` prefixes the parents' names only when help is asked of each of them, so it is asked of each.
 *
 * @since 0.1.0
 * @category help
 */
export const withFullHelpName = (program: ProgramSpec, args: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (!asksForHelp(args)) return args
  const { indices } = locate(program, args)
  if (indices.length === 0) return args
  const end = optionsEnd(args)
  const names = indices.map((i) => args[i]!)
  const rest = args.slice(0, end).filter((arg, i) => !indices.includes(i) && !helpNames.includes(normalize(arg)))
  return ["--help", ...names.flatMap((name) => [name, "--help"]), ...rest, ...args.slice(end)]
}

/**
 * The examples of the command `args` ask help of, as the end of its help page; empty when there are none.
 *
 * @since 0.1.0
 * @category help
 */
export const examplesOf = (program: ProgramSpec, args: ReadonlyArray<string>): ReadonlyArray<readonly [string, string]> => {
  if (!asksForHelp(args)) return []
  const { path } = locate(program, args)
  if (path.length === 0) {
    return program.commands.flatMap((command) => command.examples.slice(0, 1))
  }
  const command = commandOf(program, path)
  if (command !== undefined) return command.examples
  // a group: the first example of each of its commands
  return program.commands
    .filter((c) => path.every((name, k) => c.path[k] === name))
    .flatMap((c) => c.examples.slice(0, 1))
}

/**
 * How a command ends without success: the sentences to print on standard error and the exit code. Every
 * problem a user can meet becomes one of these, never a stack trace or an error's JSON.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * The exit codes of `trackingmore`.
 *
 * @since 0.1.0
 * @category constants
 */
export const exitCode = {
  /** Done, and all is well. */
  ok: 0,
  /** The command ran and found a problem, or could not do its work (a check failed, Redis does not answer). */
  failed: 1,
  /** The command line or a file it names is wrong (an unknown option, code or category, a bad config or fault spec). */
  usage: 2
} as const

/**
 * A command that ends without success.
 *
 * @since 0.1.0
 * @category errors
 */
export class Stop extends Data.TaggedError("Stop")<{
  readonly code: number
  readonly lines: ReadonlyArray<string>
}> {}

/**
 * A usage problem: one sentence, exit code 2.
 *
 * @since 0.1.0
 * @category constructors
 */
export const usage = (line: string): Stop => new Stop({ code: exitCode.usage, lines: [line] })

/**
 * A failure: its sentences, exit code 1.
 *
 * @since 0.1.0
 * @category constructors
 */
export const failed = (...lines: ReadonlyArray<string>): Stop => new Stop({ code: exitCode.failed, lines })

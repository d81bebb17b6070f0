/**
 * The ```ts fences inside the `@example` tags of the JSDoc comments of a TypeScript source file.
 */
import { typescriptLangs } from "./markdown.js"

/** One example. Lines are 1-based. */
export interface Example {
  /** the source file, relative to the repository root */
  readonly file: string
  /** the line of the opening fence */
  readonly line: number
  /** the line of the first code line */
  readonly codeLine: number
  readonly code: string
}

/** Something wrong with an example's shape, with its place. */
export interface Problem {
  readonly file: string
  readonly line: number
  readonly message: string
}

const commentPrefix = /^\s*\*?\s?/

/**
 * Finds every `@example` of every `/** … *\/` comment. An `@example` must hold a ```ts fence (JSDoc renderers and
 * this test both need to know the language); the fence runs until its closing fence.
 */
export const extract = (file: string, text: string): { readonly examples: ReadonlyArray<Example>; readonly problems: ReadonlyArray<Problem> } => {
  const lines = text.split(/\r?\n/)
  const examples: Array<Example> = []
  const problems: Array<Problem> = []
  let inComment = false
  // the line of the `@example` tag being read, and whether it had a fence yet
  let example: { readonly line: number; fenced: boolean } | undefined
  const endExample = () => {
    if (example !== undefined && !example.fenced) {
      problems.push({ file, line: example.line, message: "an @example without a ```ts fence is not checked; fence its code" })
    }
    example = undefined
  }
  let fence: { readonly line: number; readonly lang: string; readonly code: Array<string> } | undefined
  lines.forEach((raw, index) => {
    const lineNo = index + 1
    if (!inComment) {
      if (/^\s*\/\*\*/.test(raw) && !/\*\/\s*$/.test(raw.replace(/^\s*\/\*\*/, ""))) inComment = true
      return
    }
    const ends = /\*\/\s*$/.test(raw)
    const content = raw.replace(/\*\/\s*$/, "").replace(commentPrefix, "")
    if (fence !== undefined) {
      if (/^\s*```\s*$/.test(content)) {
        if (typescriptLangs.has(fence.lang)) {
          examples.push({ file, line: fence.line, codeLine: fence.line + 1, code: fence.code.join("\n") })
        }
        fence = undefined
      } else {
        fence.code.push(content)
      }
    } else if (/^\s*@example\b/.test(content)) {
      endExample()
      example = { line: lineNo, fenced: false }
    } else if (/^\s*@\w+/.test(content)) {
      endExample()
    } else if (example !== undefined) {
      const open = /^\s*```\s*(\S*)/.exec(content)
      if (open !== null) {
        const lang = open[1]!.toLowerCase()
        if (!typescriptLangs.has(lang)) {
          problems.push({ file, line: lineNo, message: `an @example fence is \`\`\`${lang}; write \`\`\`ts so that it is checked` })
        }
        example.fenced = true
        fence = { line: lineNo, lang, code: [] }
      }
    }
    if (ends) {
      if (fence !== undefined) problems.push({ file, line: fence.line, message: "an @example fence is never closed" })
      endExample()
      inComment = false
      fence = undefined
    }
  })
  return { examples, problems }
}

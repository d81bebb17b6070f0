/**
 * A release as the root README describes it, rehearsed on a copy of the manifests and changesets (never on the
 * repository itself): `changeset version` must turn the pending changesets into a version for every package they
 * name and a `CHANGELOG.md` entry with their text, use every changeset up, and leave the private example alone.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs/promises"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const toolDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const repoDir = Path.resolve(toolDir, "../..")
const changesetBin = createRequire(Path.join(repoDir, "package.json")).resolve("@changesets/cli/bin.js")

interface Changeset {
  readonly file: string
  readonly bumps: Readonly<Record<string, string>>
  readonly summary: string
}

/** The front matter (`"@scope/name": minor`) and text of a changeset file. */
const parseChangeset = (file: string, text: string): Changeset => {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text)
  if (match === null) throw new Error(`${file} has no front matter`)
  const bumps: Record<string, string> = {}
  for (const line of match[1]!.split("\n").filter((l) => l.trim() !== "")) {
    const entry = /^"?([^":]+)"?\s*:\s*(major|minor|patch)\s*$/.exec(line.trim())
    if (entry === null) throw new Error(`${file}: cannot read "${line}"`)
    bumps[entry[1]!] = entry[2]!
  }
  return { file, bumps, summary: match[2]!.trim() }
}

let copyDir = ""
const changesets: Array<Changeset> = []
const manifests = new Map<string, string>()

beforeAll(async () => {
  copyDir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "trackingmore-release-"))
  const files = ["package.json", "pnpm-workspace.yaml"]
  for (const name of await Fs.readdir(Path.join(repoDir, ".changeset"))) files.push(`.changeset/${name}`)
  for (const group of ["packages", "apps", "tools"]) {
    for (const dir of await Fs.readdir(Path.join(repoDir, group))) {
      const manifest = `${group}/${dir}/package.json`
      if (await Fs.stat(Path.join(repoDir, manifest)).then(() => true, () => false)) files.push(manifest)
    }
  }
  for (const file of files) {
    await Fs.mkdir(Path.dirname(Path.join(copyDir, file)), { recursive: true })
    await Fs.copyFile(Path.join(repoDir, file), Path.join(copyDir, file))
  }
  for (const file of files.filter((f) => f.startsWith(".changeset/") && f.endsWith(".md") && !f.endsWith("README.md"))) {
    changesets.push(parseChangeset(file, await Fs.readFile(Path.join(copyDir, file), "utf8")))
  }
  for (const file of files.filter((f) => f.endsWith("/package.json"))) {
    const { name } = JSON.parse(await Fs.readFile(Path.join(copyDir, file), "utf8")) as { name: string }
    manifests.set(name, Path.dirname(file))
  }
  execFileSync(process.execPath, [changesetBin, "version"], { cwd: copyDir, stdio: "pipe" })
})

afterAll(async () => {
  if (copyDir !== "") await Fs.rm(copyDir, { recursive: true, force: true })
})

describe("changeset version, on a copy", () => {
  it("the pending changesets name only packages of the workspace", () => {
    expect(changesets.length).toBeGreaterThan(0)
    const unknown = changesets.flatMap((c) => Object.keys(c.bumps).filter((name) => !manifests.has(name)).map((n) => `${c.file}: ${n}`))
    expect(unknown).toEqual([])
  })

  it("gives each package they name a new version and a CHANGELOG entry with their text", async () => {
    const named = new Set(changesets.flatMap((c) => Object.keys(c.bumps)))
    for (const name of named) {
      const dir = Path.join(copyDir, manifests.get(name)!)
      const { version } = JSON.parse(await Fs.readFile(Path.join(dir, "package.json"), "utf8")) as { version: string }
      expect(version, name).not.toBe("0.0.0")
      const changelog = await Fs.readFile(Path.join(dir, "CHANGELOG.md"), "utf8")
      expect(changelog.startsWith(`# ${name}\n\n## ${version}\n`), name).toBe(true)
      for (const changeset of changesets.filter((c) => name in c.bumps)) {
        // The first line of each summary, as the changelog wraps it.
        expect(changelog, `${changeset.file} in ${name}'s CHANGELOG`).toContain(changeset.summary.split("\n")[0]!)
      }
    }
  })

  it("uses every changeset up and leaves the private example at its version", async () => {
    const left = (await Fs.readdir(Path.join(copyDir, ".changeset"))).filter((f) => f.endsWith(".md") && f !== "README.md")
    expect(left).toEqual([])
    const example = JSON.parse(await Fs.readFile(Path.join(copyDir, "apps/example/package.json"), "utf8")) as {
      version: string
    }
    expect(example.version).toBe("0.0.0")
    await expect(Fs.stat(Path.join(copyDir, "apps/example/CHANGELOG.md"))).rejects.toThrow()
  })
})

/**
 * Builds the facade as its users get it: the declarations from tsc (plain TypeScript, no Effect type in them),
 * and the JavaScript as one ES module bundled by esbuild with the client, core and Effect inside, so that the
 * package has no dependencies and cannot meet another Effect version in the user's project. Every runtime API
 * it uses is a web standard (`fetch`, `AbortSignal`, WebCrypto), hence platform "neutral".
 *
 * The licenses of the packages whose code is in the bundle are written next to it.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import process from "node:process"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const packageDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const dist = Path.join(packageDir, "dist")
const require = createRequire(import.meta.url)

Fs.rmSync(dist, { recursive: true, force: true })

const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  cwd: packageDir,
  stdio: "inherit"
})
if (tsc.status !== 0) process.exit(tsc.status ?? 1)
// The runner's declarations name Effect types; nothing public refers to them, so they are not shipped.
Fs.rmSync(Path.join(dist, "internal"), { recursive: true, force: true })

const result = await esbuild.build({
  absWorkingDir: packageDir,
  entryPoints: ["src/index.ts"],
  outfile: "dist/index.js",
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  mainFields: ["module", "main"],
  // Class and function names stay as written: they show in stack traces and `String(error)`.
  keepNames: true,
  legalComments: "eof",
  metafile: true,
  logLevel: "warning"
})

// Which npm packages ended up in the bundle, by the node_modules folder of each input that emitted code.
const bundled = new Map()
for (const output of Object.values(result.metafile.outputs)) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (bytesInOutput === 0) continue
    const real = Fs.realpathSync(Path.resolve(packageDir, input))
    const match = /^(.*\/node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(real)
    if (match !== null) bundled.set(match[2], match[1])
    else if (!real.startsWith(packageDir + Path.sep)) {
      // A workspace package (client, core): its manifest is the nearest package.json above the file.
      let dir = Path.dirname(real)
      while (!Fs.existsSync(Path.join(dir, "package.json"))) dir = Path.dirname(dir)
      bundled.set(JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")).name, dir)
    }
  }
}
const sections = [...bundled.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, dir]) => {
  const manifest = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8"))
  const licenseFile = Fs.readdirSync(dir).find((file) => /^licen[cs]e/i.test(file))
  const text = licenseFile === undefined
    ? Fs.readFileSync(Path.join(packageDir, "LICENSE"), "utf8")
    : Fs.readFileSync(Path.join(dir, licenseFile), "utf8")
  return `## ${name}@${manifest.version} (${manifest.license})\n\n${text.trim()}\n`
})
Fs.writeFileSync(
  Path.join(dist, "THIRD_PARTY_LICENSES.md"),
  `# Licenses of the code bundled in dist/index.js\n\n${sections.join("\n")}`
)

// Rewrites the generated table in README.md: `pnpm readme`.
import * as Fs from "node:fs"
import { beginMarker, endMarker, renderCodeTable } from "./codeTable.js"

const path = new URL("../README.md", import.meta.url)
const readme = Fs.readFileSync(path, "utf8")
const start = readme.indexOf(beginMarker)
const end = readme.indexOf(endMarker)
if (start < 0 || end < 0) throw new Error("README.md lacks the codes markers")
Fs.writeFileSync(path, readme.slice(0, start) + renderCodeTable() + readme.slice(end + endMarker.length))

/**
 * The simulator's routes, derived from core's endpoint table: each row's method and path (under `/v2`) is a route,
 * exact paths are matched before templates such as `/trackings/{carrier_code}/{tracking_number}`, and a known
 * path with another method answers 405. Nothing here names an endpoint's path.
 */
import * as Endpoint from "@trackingmore-effect/core/Endpoint"

/** Where the API lives on the simulator's origin. */
export const basePath = "/v2"

/** A routed request: the endpoint and its path parameters (decoded), or why none matched. */
export type Route =
  | {
    readonly _tag: "endpoint"
    readonly endpoint: Endpoint.Name
    readonly params: Readonly<Record<string, string>>
  }
  | { readonly _tag: "miss"; readonly code: 404 | 405 }

// Further segments a path may end in, beyond its template: get's optional `/{lang}` (core's `Endpoint.path`
// appends it as an extra segment; the API ignores it here).
const trailingSegments: Partial<Record<Endpoint.Name, number>> = { get: 1 }

interface TemplateRoute {
  readonly method: string
  readonly endpoint: Endpoint.Name
  readonly trailing: number
}

interface Template {
  /** The path's segments after the leading `/`; a parameter is `{ param: name }`. */
  readonly segments: ReadonlyArray<string | { readonly param: string }>
  readonly routes: ReadonlyArray<TemplateRoute>
}

interface Table {
  /** path → method → endpoint, for the paths without parameters */
  readonly exact: ReadonlyMap<string, ReadonlyMap<string, Endpoint.Name>>
  readonly templates: ReadonlyArray<Template>
}

const segmentsOf = (path: string): Template["segments"] =>
  path.slice(1).split("/").map((part) => {
    const param = /^\{([a-z_]+)\}$/.exec(part)
    return param === null ? part : { param: param[1]! }
  })

const compile = (): Table => {
  const exact = new Map<string, Map<string, Endpoint.Name>>()
  const templates = new Map<string, Array<TemplateRoute>>()
  for (const name of Endpoint.names) {
    const spec = Endpoint.endpoints[name]
    const path = `${basePath}${spec.path}`
    if (Endpoint.parameters(spec).length === 0) {
      exact.set(path, (exact.get(path) ?? new Map()).set(spec.method, name))
    } else {
      const routes = templates.get(path) ?? []
      routes.push({ method: spec.method, endpoint: name, trailing: trailingSegments[name] ?? 0 })
      templates.set(path, routes)
    }
  }
  return { exact, templates: Array.from(templates, ([path, routes]) => ({ segments: segmentsOf(path), routes })) }
}

const table = compile()

// A malformed `%` escape is kept as it came: validation then answers 4014/4015 like the API would.
const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The parameters of `parts` under `template`'s leading segments, or undefined when they do not match. */
const matchTemplate = (template: Template, parts: ReadonlyArray<string>): Record<string, string> | undefined => {
  if (parts.length < template.segments.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < template.segments.length; i++) {
    const segment = template.segments[i]!
    if (typeof segment === "string") {
      if (parts[i] !== segment) return undefined
    } else {
      const value = safeDecode(parts[i]!)
      if (value.length === 0) return undefined
      params[segment.param] = value
    }
  }
  return params
}

/** The endpoint of a request, from its method and URL path (without the query). */
export const route = (method: string, pathname: string): Route => {
  const path = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname
  const byMethod = table.exact.get(path)
  if (byMethod !== undefined) {
    const endpoint = byMethod.get(method)
    return endpoint === undefined ? { _tag: "miss", code: 405 } : { _tag: "endpoint", endpoint, params: {} }
  }
  const parts = path.slice(1).split("/")
  let known = false
  for (const template of table.templates) {
    const params = matchTemplate(template, parts)
    if (params === undefined) continue
    const extra = parts.slice(template.segments.length)
    if (extra.some((part) => part.length === 0)) continue
    for (const candidate of template.routes) {
      if (extra.length > candidate.trailing) continue
      if (candidate.method === method) return { _tag: "endpoint", endpoint: candidate.endpoint, params }
      known = true
    }
  }
  return { _tag: "miss", code: known ? 405 : 404 }
}

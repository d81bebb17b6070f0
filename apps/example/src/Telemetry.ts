/**
 * Opt-in telemetry: the spans and metrics of the app and of the client (`TrackingMore.<method>` spans with their
 * `trackingmore.wait` events, core's retry counters, the client's request counter) exported through
 * `@effect/opentelemetry`, chosen by the usual OpenTelemetry variables:
 *
 * - `OTEL_TRACES_EXPORTER`: `console` prints each trace as a tree on stderr when it ends; `otlp` sends spans to
 *   an OTLP/HTTP endpoint; `none` (the default here: telemetry is opt-in) exports nothing.
 * - `OTEL_METRICS_EXPORTER`: `console` or `otlp`, every `OTEL_METRIC_EXPORT_INTERVAL` ms (default 60000) and at
 *   exit; `none` by default.
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` (default `http://localhost:4318`), `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
 *   `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`: read by the OTLP exporters themselves.
 * - `OTEL_SERVICE_NAME`: the service name of the resource, default `track`.
 *
 * An exporter name it does not know is reported on stderr and ignored, as the OpenTelemetry SDKs do.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { ConsoleMetricExporter, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import type { MetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import type { ReadableSpan, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

type HrTime = ReadableSpan["startTime"]
type ExportResultCallback = Parameters<SpanExporter["export"]>[1]

const millis = (time: HrTime): number => time[0] * 1_000 + time[1] / 1_000_000

const formatMs = (ms: number): string => ms >= 1_000 ? `${(ms / 1_000).toFixed(2)} s` : `${Math.round(ms)} ms`

/** The attributes of the client's spans worth a glance, in this order. */
const shownAttributes = [
  "http.request.method",
  "http.response.status_code",
  "trackingmore.attempts",
  "trackingmore.outcome"
] as const

const describeSpan = (span: ReadableSpan, origin: number): string => {
  const parts = [`+${formatMs(millis(span.startTime) - origin)}`, formatMs(millis(span.duration))]
  for (const key of shownAttributes) {
    const value = span.attributes[key]
    if (value !== undefined) parts.push(`${key.replace(/^(trackingmore|http\.(request|response))\./, "")}=${String(value)}`)
  }
  if (span.status.code === 2) parts.push(`error: ${span.status.message ?? "unknown"}`)
  return `${span.name}  ${parts.join("  ")}`
}

const describeEvent = (event: ReadableSpan["events"][number], origin: number): string => {
  const attributes = event.attributes ?? {}
  if (event.name === "trackingmore.wait") {
    const tag = attributes["trackingmore.error.tag"]
    return `· +${formatMs(millis(event.time) - origin)} wait ${String(attributes["trackingmore.wait.reason"])} ` +
      `${formatMs(Number(attributes["trackingmore.wait.ms"]))}${tag === undefined ? "" : ` after ${String(tag)}`}`
  }
  return `· +${formatMs(millis(event.time) - origin)} ${event.name}`
}

/**
 * Renders one trace as a tree, children in start order. Runs of siblings with the same name and nothing to show
 * (no event, no error, the same outcome) are folded into one line with a count: a poll of 200 shipments is
 * dozens of `list` calls.
 */
export const renderTrace = (spans: ReadonlyArray<ReadableSpan>): Array<string> => {
  const ids = new Set(spans.map((span) => span.spanContext().spanId))
  const children = new Map<string | undefined, Array<ReadableSpan>>()
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId
    const key = parent !== undefined && ids.has(parent) ? parent : undefined
    children.set(key, [...(children.get(key) ?? []), span])
  }
  for (const list of children.values()) list.sort((a, b) => millis(a.startTime) - millis(b.startTime))
  const roots = children.get(undefined) ?? []
  const origin = Math.min(...spans.map((span) => millis(span.startTime)))
  const lines = [`trace ${spans[0]?.spanContext().traceId ?? "?"}`]
  const plain = (span: ReadableSpan) =>
    span.events.length === 0 && span.status.code !== 2 && (children.get(span.spanContext().spanId) ?? []).length === 0
  const walk = (list: ReadonlyArray<ReadableSpan>, prefix: string) => {
    const groups: Array<Array<ReadableSpan>> = []
    for (const span of list) {
      const last = groups[groups.length - 1]
      const head = last?.[0]
      if (
        last !== undefined && head !== undefined && plain(span) && plain(head) && head.name === span.name &&
        head.attributes["trackingmore.outcome"] === span.attributes["trackingmore.outcome"]
      ) last.push(span)
      else groups.push([span])
    }
    groups.forEach((group, index) => {
      const lastGroup = index === groups.length - 1
      const branch = lastGroup ? "└─ " : "├─ "
      const nextPrefix = prefix + (lastGroup ? "   " : "│  ")
      const first = group[0]!
      if (group.length > 1) {
        const total = group.reduce((sum, span) => sum + millis(span.duration), 0)
        lines.push(
          `${prefix}${branch}${first.name} ×${group.length}  +${formatMs(millis(first.startTime) - origin)}  ` +
            `${formatMs(total / group.length)} each  outcome=${String(first.attributes["trackingmore.outcome"])}`
        )
        return
      }
      lines.push(`${prefix}${branch}${describeSpan(first, origin)}`)
      const kids = children.get(first.spanContext().spanId) ?? []
      for (const event of first.events) lines.push(`${nextPrefix}${kids.length > 0 ? "│  " : "   "}${describeEvent(event, origin)}`)
      walk(kids, nextPrefix)
    })
  }
  walk(roots, "")
  return lines
}

/**
 * A span exporter that prints each trace as a tree once its root span has ended (spans of traces still open at
 * shutdown are printed then). Meant for a terminal: `OTEL_TRACES_EXPORTER=console`.
 */
export class TreeSpanExporter implements SpanExporter {
  private readonly traces = new Map<string, Array<ReadableSpan>>()
  constructor(private readonly write: (text: string) => void) {}

  export(spans: Array<ReadableSpan>, resultCallback: ExportResultCallback): void {
    for (const span of spans) {
      const traceId = span.spanContext().traceId
      const trace = [...(this.traces.get(traceId) ?? []), span]
      this.traces.set(traceId, trace)
      if (span.parentSpanContext === undefined) {
        this.traces.delete(traceId)
        this.write(`${renderTrace(trace).join("\n")}\n`)
      }
    }
    resultCallback({ code: 0 })
  }

  shutdown(): Promise<void> {
    for (const trace of this.traces.values()) this.write(`${renderTrace(trace).join("\n")}\n`)
    this.traces.clear()
    return Promise.resolve()
  }

  forceFlush(): Promise<void> {
    return Promise.resolve()
  }
}

const exporterName = (variable: string) =>
  Config.string(variable).pipe(Config.withDefault("none"), Config.map((value) => value.trim().toLowerCase()))

/** Where the telemetry writes: the console trace exporter's trees, and its own warnings (both stderr by default). */
export interface Output {
  readonly write?: ((text: string) => void) | undefined
  readonly warn?: ((line: string) => void) | undefined
}

/** The telemetry the environment asks for, or nothing. */
export const layer = (output: Output = {}): Layer.Layer<never> => {
  const write = output.write ?? ((text: string) => void process.stderr.write(text))
  const warn = output.warn ?? ((line: string) => void process.stderr.write(`${line}\n`))
  const unknownExporter = (variable: string, value: string) =>
    Effect.sync(() => warn(`${variable}: unknown exporter "${value}" (console, otlp or none); it is ignored.`))
  return Layer.unwrapEffect(Effect.gen(function*() {
    const traces = yield* exporterName("OTEL_TRACES_EXPORTER")
    const metrics = yield* exporterName("OTEL_METRICS_EXPORTER")
    const serviceName = yield* Config.string("OTEL_SERVICE_NAME").pipe(Config.withDefault("track"))
    const interval = yield* Config.integer("OTEL_METRIC_EXPORT_INTERVAL").pipe(Config.withDefault(60_000))

    let spanProcessor: SpanProcessor | undefined
    if (traces === "console") spanProcessor = new SimpleSpanProcessor(new TreeSpanExporter(write))
    else if (traces === "otlp") spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter())
    else if (traces !== "none") yield* unknownExporter("OTEL_TRACES_EXPORTER", traces)

    let metricReader: MetricReader | undefined
    if (metrics === "console" || metrics === "otlp") {
      metricReader = new PeriodicExportingMetricReader({
        exporter: metrics === "console" ? new ConsoleMetricExporter() : new OTLPMetricExporter(),
        exportIntervalMillis: interval
      })
    } else if (metrics !== "none") yield* unknownExporter("OTEL_METRICS_EXPORTER", metrics)

    if (spanProcessor === undefined && metricReader === undefined) return Layer.empty
    return NodeSdk.layer(() => ({
      resource: { serviceName },
      ...(spanProcessor === undefined ? {} : { spanProcessor }),
      ...(metricReader === undefined ? {} : { metricReader })
    }))
  }).pipe(
    // A malformed number (OTEL_METRIC_EXPORT_INTERVAL) is said once and turns telemetry off, as an unknown name does.
    Effect.catchTag("ConfigError", (error) =>
      Effect.as(Effect.sync(() => warn(`telemetry is off: ${String(error)}`)), Layer.empty))
  ))
}

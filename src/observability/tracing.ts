import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  type TracesExporterName,
  tracesExportersOf,
  tracingResource,
  tracingSampler,
} from "./tracing-config.ts";

/**
 * Span attributes: ids and codes only (`subjectId`, `eventId`, `decisionId`, `nodeId`, reason
 * and outcome codes). Never a profile value, an event's data, a recipient or a payload.
 */
export type SpanFields = Readonly<Record<string, string>>;

/** Where a span sits: enough to hang a later span (an outbox delivery) under it. */
export interface SpanIds {
  readonly traceId: string;
  readonly spanId: string;
}

/** The span a piece of work runs in, as the work sees it. */
export interface TraceSpan {
  /** Undefined when tracing is off. */
  readonly ids: SpanIds | undefined;
  /** Adds fields known only once the work has run (an outcome, a code). */
  set(fields: SpanFields): void;
}

/**
 * Tracing as the application uses it: spans nest by async context, so a span started inside
 * `inSpan`'s work is its child without being passed the parent. One instance per composition
 * root (the context is the instance's own, not process-global), so that two apps in one process
 * never mix their traces. {@link NO_TRACING} costs one call per span and records nothing.
 */
export interface Tracing {
  readonly enabled: boolean;
  /**
   * Runs `work` in a span named `name`, a child of the active span, or of `parent` (a span that
   * ran earlier, perhaps in another process) when given. The span ends when `work` settles; a
   * rejection marks it as an error with the error's name only (a message may hold personal data).
   */
  inSpan<T>(
    name: string,
    fields: SpanFields,
    work: (span: TraceSpan) => Promise<T>,
    parent?: SpanIds,
  ): Promise<T>;
  /** A span with no duration under the active span: a mark of something already done. */
  mark(name: string, fields: SpanFields): void;
  /** Exports what is buffered and stops; spans started afterwards are dropped. */
  shutdown(): Promise<void>;
}

const NO_SPAN: TraceSpan = { ids: undefined, set() {} };

/** Tracing switched off: every span is a plain call. */
export const NO_TRACING: Tracing = {
  enabled: false,
  inSpan: (_name, _fields, work) => work(NO_SPAN),
  mark() {},
  shutdown: async () => {},
};

export interface TracingOptions {
  /** Where finished spans go (OTLP over HTTP, the console, an in-memory exporter in tests). */
  readonly exporter?: SpanExporter;
  /** Instead of `exporter`: processors as given (tests use a `SimpleSpanProcessor`). */
  readonly processors?: readonly SpanProcessor[];
  /** The standard OTEL_* variables for the resource and sampler; `process.env` unless given. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Tracing with the OpenTelemetry SDK: a tracer provider of its own (nothing registered
 * globally), spans batched to `exporter`.
 *
 * @example
 * const exporter = new InMemorySpanExporter();
 * const tracing = createTracing({ processors: [new SimpleSpanProcessor({ exporter })] });
 * const app = createApp({ store, deployment, clock: Date.now, tracing });
 */
export function createTracing(options: TracingOptions): Tracing {
  const env = options.env ?? process.env;
  const processors =
    options.processors ??
    (options.exporter === undefined
      ? []
      : [new BatchSpanProcessor({ exporter: options.exporter })]);
  const provider = new TracerProvider({
    resource: tracingResource(env),
    sampler: tracingSampler(env),
    spanProcessors: [...processors],
  });
  const contexts = new AsyncLocalStorageContextManager().enable();
  const tracer = provider.getTracer("assent");
  return {
    enabled: true,
    inSpan: (name, fields, work, parent) =>
      runInSpan(tracer, contexts, { name, fields, parent }, work),
    mark: (name, fields) => tracer.startSpan(name, { attributes: fields }, contexts.active()).end(),
    shutdown: async () => {
      await provider.shutdown();
      contexts.disable();
    },
  };
}

const EXPORTER_OF: Readonly<Record<TracesExporterName, () => SpanExporter>> = {
  otlp: () => new OTLPTraceExporter(),
  console: () => new ConsoleSpanExporter(),
};

/**
 * Tracing as the standard OTEL_* environment variables of the process ask for it,
 * {@link NO_TRACING} unless they do (see `tracing-config.ts`); the OTLP exporter reads its own
 * variables (endpoint, headers, timeout) from the same environment. Throws a
 * `TracingConfigError` naming a bad variable.
 *
 * @example
 * // OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_SERVICE_NAME=assent-eu assent serve
 * const tracing = tracingFromEnv();
 */
export function tracingFromEnv(): Tracing {
  const names = tracesExportersOf(process.env);
  if (names.length === 0) return NO_TRACING;
  const processors = names.map((name) => new BatchSpanProcessor({ exporter: EXPORTER_OF[name]() }));
  return createTracing({ processors, env: process.env });
}

interface SpanStart {
  readonly name: string;
  readonly fields: SpanFields;
  readonly parent: SpanIds | undefined;
}

async function runInSpan<T>(
  tracer: Tracer,
  contexts: AsyncLocalStorageContextManager,
  start: SpanStart,
  work: (span: TraceSpan) => Promise<T>,
): Promise<T> {
  const parent = start.parent === undefined ? contexts.active() : remoteParent(start.parent);
  const kind = start.parent === undefined ? SpanKind.INTERNAL : SpanKind.CONSUMER;
  const span = tracer.startSpan(start.name, { attributes: start.fields, kind }, parent);
  try {
    return await contexts.with(trace.setSpan(parent, span), () => work(traceSpanOf(span)));
  } catch (error: unknown) {
    const name = error instanceof Error ? error.name : typeof error;
    span.setStatus({ code: SpanStatusCode.ERROR, message: name });
    throw error;
  } finally {
    span.end();
  }
}

function traceSpanOf(span: Span): TraceSpan {
  const { traceId, spanId, traceFlags } = span.spanContext();
  // An unsampled span has real ids but goes nowhere: nothing should point at it.
  const sampled = (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  return {
    ids: sampled ? { traceId, spanId } : undefined,
    set: (fields) => span.setAttributes(fields),
  };
}

/** A span that ran earlier (the decision of a delivery) as the parent of a new one. */
function remoteParent(ids: SpanIds): Context {
  const spanContext = { ...ids, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

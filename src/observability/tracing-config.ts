import {
  defaultResource,
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace";

/**
 * Tracing configuration from the standard OpenTelemetry environment variables. Off unless asked:
 * `OTEL_TRACES_EXPORTER=otlp` (or `console`, or both comma-separated), or an
 * `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` with no exporter named.
 * `OTEL_SDK_DISABLED=true` and `OTEL_TRACES_EXPORTER=none` switch it off. The OTLP exporter
 * reads its own variables (endpoint, headers, timeout, compression).
 */

type Env = Readonly<Record<string, string | undefined>>;

export type TracesExporterName = "otlp" | "console";

const EXPORTERS: readonly string[] = ["otlp", "console", "none"];

/** A bad OTEL_* value, named with what was expected. */
export class TracingConfigError extends Error {
  override readonly name = "TracingConfigError";
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === "" ? undefined : raw;
}

/**
 * The exporters the environment asks for, none by default.
 *
 * @example
 * tracesExportersOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }) // ["otlp"]
 */
export function tracesExportersOf(env: Env): TracesExporterName[] {
  if (value(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return [];
  const named = value(env, "OTEL_TRACES_EXPORTER");
  if (named === undefined) {
    const endpoint =
      value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? value(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
    return endpoint === undefined ? [] : ["otlp"];
  }
  const names = named.split(",").map((name) => name.trim().toLowerCase());
  const unknown = names.find((name) => !EXPORTERS.includes(name));
  if (unknown !== undefined) {
    throw new TracingConfigError(
      `OTEL_TRACES_EXPORTER: ${unknown} is not supported; expected otlp, console or none`,
    );
  }
  checkProtocol(env);
  return [...new Set(names.filter((name) => name === "otlp" || name === "console"))];
}

/** The OTLP exporter here speaks HTTP; gRPC would need another package. */
function checkProtocol(env: Env): void {
  const protocol =
    value(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? value(env, "OTEL_EXPORTER_OTLP_PROTOCOL");
  if (protocol === "grpc") {
    throw new TracingConfigError(
      "OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported; use http/json (port 4318)",
    );
  }
}

/**
 * `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, as the specification names them;
 * `parentbased_always_on` by default.
 */
export function tracingSampler(env: Env): Sampler {
  const name = value(env, "OTEL_TRACES_SAMPLER")?.toLowerCase() ?? "parentbased_always_on";
  const ratio = () => new TraceIdRatioBasedSampler(samplerRatio(env));
  const samplers: Readonly<Record<string, () => Sampler>> = {
    always_on: () => new AlwaysOnSampler(),
    always_off: () => new AlwaysOffSampler(),
    traceidratio: ratio,
    parentbased_always_on: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    parentbased_always_off: () => new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    parentbased_traceidratio: () => new ParentBasedSampler({ root: ratio() }),
  };
  const make = samplers[name];
  if (make === undefined) {
    const expected = Object.keys(samplers).join(", ");
    throw new TracingConfigError(
      `OTEL_TRACES_SAMPLER: ${name} is not supported; expected ${expected}`,
    );
  }
  return make();
}

function samplerRatio(env: Env): number {
  const arg = value(env, "OTEL_TRACES_SAMPLER_ARG");
  const ratio = arg === undefined ? 1 : Number(arg);
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new TracingConfigError(`OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1`);
  }
  return ratio;
}

/**
 * The resource spans are reported under: `service.name` is `assent` unless `OTEL_SERVICE_NAME`
 * says otherwise; `OTEL_RESOURCE_ATTRIBUTES` (read from the process environment) adds to it.
 */
export function tracingResource(env: Env): Resource {
  const serviceName = value(env, "OTEL_SERVICE_NAME");
  return defaultResource()
    .merge(resourceFromAttributes({ "service.name": "assent" }))
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(
      serviceName === undefined ? null : resourceFromAttributes({ "service.name": serviceName }),
    );
}

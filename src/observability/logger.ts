import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/** The levels Assent logs at. ERROR means a person must act; anything that heals itself is WARN. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/**
 * The fixed keys ids go under, in every log line of every module. A line names what it concerns
 * by these ids and nothing else: no personal data, ever.
 */
export const LOG_ID_KEYS = [
  "subjectId",
  "eventId",
  "decisionId",
  "nodeId",
  "reviewId",
  "traceId",
  "errorId",
  "reqId",
] as const;

/**
 * Paths the logger censors whatever a caller passes. Defence in depth: callers log ids only,
 * but a secret or a contact detail that slips into a field is replaced before it is written.
 */
const REDACTED_PATHS = [
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "*.authorization",
  "secret",
  "*.secret",
  "password",
  "*.password",
  "email",
  "*.email",
  "phone",
  "*.phone",
  "name",
  "*.name",
  "body",
  "*.body",
];

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; standard output when absent. Tests pass a stream that keeps them. */
  readonly destination?: DestinationStream;
}

/**
 * Creates the structured JSON logger: one object per line, fields first and a short lowercase
 * message, ISO timestamps and level names.
 *
 * @example
 * const logger = createLogger({ level: "info" });
 * logger.info({ subjectId, decisionId }, "decision recorded");
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

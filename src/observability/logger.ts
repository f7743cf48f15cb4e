import {
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  destination,
  type Logger,
  pino,
} from "pino";
import { censored } from "./log-redaction.ts";

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

export interface LoggerOptions {
  readonly level: LogLevel;
  /**
   * Where lines go; standard output when absent, written asynchronously (see
   * {@link standardOutput}). Tests pass a stream that keeps them.
   */
  readonly destination?: DestinationStream;
}

/**
 * Creates the structured JSON logger: one object per line, fields first and a short lowercase
 * message, ISO timestamps and level names. Secrets and contact fields are censored in every
 * line and in the bindings of every child logger (see `log-redaction.ts`).
 *
 * @example
 * const logger = createLogger({ level: "info" });
 * logger.info({ subjectId, decisionId }, "decision recorded");
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    timestamp: isoTime(),
    formatters: { level: (label: string) => ({ level: label }), log: censored },
  };
  return withCensoredChildren(pino(settings, options.destination ?? standardOutput()));
}

/**
 * Standard output, written asynchronously: a line never waits for its write, and the lines
 * logged while a write is under way go out together in the next one, so a busy server makes
 * one write for many requests instead of one each. Nothing is held back when the server is
 * quiet (no minimum length), and pino writes what is pending when the process exits. A power
 * cut or SIGKILL can lose the lines of the last write; the decision log is in the store, not here.
 */
function standardOutput(): DestinationStream {
  return destination({ dest: 1, sync: false });
}

/**
 * pino's `isoTime`, keeping the text of the last millisecond: a busy server writes several lines
 * a millisecond, and formatting the date is a good part of a line's cost.
 */
function isoTime(): () => string {
  let last = Number.NaN;
  let text = "";
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      text = `,"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

/**
 * pino applies `formatters.log` to lines but not to a child's bindings, so children are made
 * from censored bindings. A child (and its children) is made from its parent by prototype, so
 * they all inherit this `child`.
 */
function withCensoredChildren(logger: Logger): Logger {
  const makeChild = logger.child;
  const child = function (this: unknown, bindings: Bindings, options?: ChildLoggerOptions) {
    const made: unknown = Reflect.apply(makeChild, this, [censored(bindings), options]);
    return made;
  };
  return Object.defineProperty(logger, "child", { value: child, writable: true });
}

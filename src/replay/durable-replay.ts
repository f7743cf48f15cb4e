import { v7 as uuidv7 } from "uuid";
import { type App, checkConsentPurpose, type ReplayItem, toConsentRecord } from "../app/app.ts";
import type { DecisionSummary, IngestOutcome } from "../app/assent-app.ts";
import { AppError, type FieldProblem } from "../app/errors.ts";
import { type ValidEvent, validateEvent } from "../ingest/event-validation.ts";
import type { EventInput } from "../ingest/input-schema.ts";
import type { Catalog } from "../playbook/catalog.ts";
import { checkedReplayLines, type ReplayLine, readReplayFile } from "./replay-file.ts";
import { DecisionTally } from "./summary.ts";

export interface DurableReplayOptions {
  /** Items per transaction (group commit). */
  readonly groupSize: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly onOutcome?: (outcome: IngestOutcome) => void;
  /** Decisions time passing made: timers that fired and deferrals decided again, in order. */
  readonly onClock?: (decisions: readonly DecisionSummary[]) => void;
}

export interface DurableReplayReport {
  readonly items: number;
  readonly events: number;
  readonly duplicates: number;
  /** Re-sent ids with other content than the stored event: nothing stored, nothing decided. */
  readonly conflicts: number;
  readonly decisions: number;
  readonly tally: DecisionTally;
  readonly pendingDeferrals: number;
  readonly elapsedMs: number;
}

/**
 * Lines the check keeps, parsed and validated, for the replay: a file up to this long is read,
 * parsed and validated once. A longer one is read again, so memory stays bounded (a parsed line
 * is around a kilobyte).
 */
const KEPT_LINES = 100_000;

/** What checking a file found: its number of lines, and the lines when it kept them. */
export interface CheckedFile {
  readonly count: number;
  readonly lines: readonly CheckedLine[] | undefined;
}

/**
 * A line of the file as the replay takes it: an event as validation made it (as of its own time;
 * the parsed line is not kept), or a consent line.
 */
export type CheckedLine = { readonly valid: ValidEvent } | { readonly line: ReplayLine };

/**
 * Replays a file through the whole pipeline with the event times as the clock, writing to the
 * store. The file is checked completely first: a bad line stops the replay before anything is
 * written. Deferred decisions are re-decided at their due instant, in order with the events.
 */
export async function replayDurably(
  app: App,
  catalog: Catalog,
  path: string,
  options: DurableReplayOptions,
  checked?: CheckedFile,
): Promise<DurableReplayReport> {
  checked ??= await checkReplayFile(path, catalog);
  const started = performance.now();
  const run = new ReplayRun(app, options, checked.count);
  if (checked.lines !== undefined) {
    for (const checkedLine of checked.lines) await run.add(itemOf(checkedLine, catalog));
  } else {
    for await (const line of readReplayFile(path)) await run.add(toItem(line, catalog));
  }
  await run.flush();
  return run.report(performance.now() - started);
}

/**
 * Validates every line; throws one AppError with the first problems found. Callers check before
 * opening a store, so that a bad file creates nothing.
 */
export async function checkReplayFile(path: string, catalog: Catalog): Promise<CheckedFile> {
  const problems: FieldProblem[] = [];
  let lines: CheckedLine[] | undefined = [];
  let count = 0;
  let code: AppError["code"] | undefined;
  const order = new TimeOrder();
  for await (const checked of checkedReplayLines(path)) {
    count += 1;
    if ("refused" in checked) {
      code ??= checked.refused.code;
      problems.push(...checked.refused.fields);
      continue;
    }
    const { line, number } = checked;
    const late = order.problemOf(line, number);
    if (late !== undefined) problems.push(late);
    const valid = problemsOf(line, catalog, number, problems);
    lines = count > KEPT_LINES || problems.length > 0 ? undefined : lines;
    lines?.push(valid === undefined ? { line } : { valid });
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length - shown.length;
    const listed = more > 0 ? ` (the first ${MAX_PROBLEMS} of ${problems.length} are listed)` : "";
    const detail = `${path} has problems; nothing was replayed${listed}`;
    throw new AppError(code ?? "invalid_request", detail, shown);
  }
  return { count, lines };
}

/**
 * Holds a file's events to time order: the replay's clock is the lines' own instants, so an
 * event dated before an earlier line would be decided in the past of decisions already made (its
 * caps, quiet hours and timers read wrongly). Events at the same instant keep their file order.
 * A consent line may be older than the clock: its `capturedAt` is when the evidence was
 * captured, often long before it reaches Assent, and the ledger answers by that time. But one
 * captured later moves the clock forward (timers come due up to it), so the events after it may
 * not go back before it: a capture dated 2027 in a 2025 file is refused at the next event.
 */
class TimeOrder {
  private latest = Number.NEGATIVE_INFINITY;
  private latestLine = 0;
  private latestKind = "event";

  problemOf(line: ReplayLine, number: number): FieldProblem | undefined {
    const at = Date.parse(line.kind === "event" ? line.event.occurredAt : line.record.capturedAt);
    if (at >= this.latest) {
      this.latest = at;
      this.latestLine = number;
      this.latestKind = line.kind === "event" ? "event" : "consent record";
      return undefined;
    }
    if (line.kind !== "event") return undefined;
    const since = new Date(this.latest).toISOString();
    return {
      pointer: `line ${number}: /event/occurredAt`,
      expected:
        `an instant at or after ${since} (the ${this.latestKind} on line ${this.latestLine}): ` +
        "the replay's clock has passed it, so sort the file by time",
    };
  }
}

/** Problems listed for a bad file: enough to see every kind, not a screenful per line. */
const MAX_PROBLEMS = 20;

/** Adds the line's problems to `problems`; a valid event line gives its validated event. */
function problemsOf(
  line: ReplayLine,
  catalog: Catalog,
  item: number,
  problems: FieldProblem[],
): ValidEvent | undefined {
  try {
    if (line.kind === "event") return validLine(line.event, catalog, `line ${item}: /event`);
    checkConsentPurpose(line.record, catalog, `line ${item}: /record`);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    problems.push(...error.fields);
  }
  return undefined;
}

/** A replayed event is received at the instant it occurred: the replayed clock's. */
function validLine(event: EventInput, catalog: Catalog, prefix?: string): ValidEvent {
  return validateEvent(event, catalog, Date.parse(event.occurredAt), prefix);
}

function itemOf(checked: CheckedLine, catalog: Catalog): ReplayItem {
  return "valid" in checked
    ? { kind: "event", valid: checked.valid }
    : toItem(checked.line, catalog);
}

function toItem(line: ReplayLine, catalog: Catalog): ReplayItem {
  if (line.kind === "consent") {
    return { kind: "consent", record: toConsentRecord(line.subjectId, line.record, uuidv7) };
  }
  return { kind: "event", valid: validLine(line.event, catalog) };
}

/**
 * Groups items into transactions. Timers and deferrals come due inside the groups, in order
 * with the items (see `ReplayClock`), so a group is cut by its size alone.
 */
class ReplayRun {
  private group: ReplayItem[] = [];
  /** Instants of the deferrals decided so far, to count those the replay left waiting. */
  private readonly deferredUntil: number[] = [];
  /** The replayed clock's last instant: the latest item instant so far. */
  private clock = Number.NEGATIVE_INFINITY;
  private done = 0;
  private events = 0;
  private duplicates = 0;
  private conflicts = 0;
  private decisions = 0;
  private readonly tally = new DecisionTally();

  constructor(
    private readonly app: App,
    private readonly options: DurableReplayOptions,
    private readonly total: number,
  ) {}

  async add(item: ReplayItem): Promise<void> {
    const at = item.kind === "event" ? item.valid.event.occurredAt : item.record.capturedAt;
    this.clock = Math.max(this.clock, at);
    this.group.push(item);
    if (this.group.length >= this.options.groupSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.group.length === 0) return;
    const items = this.group;
    this.group = [];
    // Counted in the order they happened: clock decisions before the outcomes that followed.
    const clock: { readonly before: number; readonly decisions: readonly DecisionSummary[] }[] = [];
    const fired = (decisions: readonly DecisionSummary[], before: number) =>
      clock.push({ before, decisions });
    const outcomes = await this.app.replayGroup(items, fired);
    let next = 0;
    outcomes.forEach((outcome, index) => {
      for (; next < clock.length && (clock[next]?.before ?? 0) <= index; next += 1) {
        this.clockDecisions(clock[next]?.decisions ?? []);
      }
      this.count(outcome);
    });
    for (const { decisions } of clock.slice(next)) this.clockDecisions(decisions);
    this.done += items.length;
    this.options.onProgress?.(this.done, this.total);
  }

  report(elapsedMs: number): DurableReplayReport {
    const { events, duplicates, conflicts, decisions, tally } = this;
    const pendingDeferrals = this.deferredUntil.filter((at) => at > this.clock).length;
    const counts = { events, duplicates, conflicts, decisions, tally, pendingDeferrals };
    return { items: this.done, ...counts, elapsedMs };
  }

  private count(outcome: IngestOutcome): void {
    this.events += 1;
    if (outcome.status === "duplicate") this.duplicates += 1;
    if (outcome.status === "conflict") this.conflicts += 1;
    this.options.onOutcome?.(outcome);
    for (const decision of outcome.decisions) this.countDecision(decision);
  }

  private clockDecisions(decisions: readonly DecisionSummary[]): void {
    if (decisions.length === 0) return;
    this.options.onClock?.(decisions);
    for (const decision of decisions) this.countDecision(decision);
  }

  private countDecision(decision: IngestOutcome["decisions"][number]): void {
    this.decisions += 1;
    this.tally.add(decision);
    if (decision.deferUntil !== undefined) this.deferredUntil.push(Date.parse(decision.deferUntil));
  }
}

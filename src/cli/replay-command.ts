import {
  closeSync,
  createWriteStream,
  existsSync,
  openSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import { SingleBar } from "cli-progress";
import { Command } from "commander";
import { createApp } from "../app/app.ts";
import { counted } from "../app/counted.ts";
import { AppError } from "../app/errors.ts";
import type { Catalog } from "../playbook/catalog.ts";
import { type Deployment, loadDeploymentFromDir } from "../playbook/loader.ts";
import {
  type CheckedFile,
  checkReplayFile,
  type DurableReplayReport,
  replayDurably,
} from "../replay/durable-replay.ts";
import { openStore, storeTarget } from "../store/open-store.ts";
import { holdServeLock } from "../store/serve-lock.ts";
import type { Store } from "../store/store.ts";
import { wholeNumber } from "./options.ts";
import { reportAppError } from "./report-error.ts";

interface ReplayFlags {
  readonly playbooks: string;
  readonly db?: string;
  readonly group: number;
  readonly out?: string;
}

/** `assent replay FILE`: the full pipeline over a recorded stream, event times as the clock. */
export function replayCommand(): Command {
  return new Command("replay")
    .description(
      "run a replay file (NDJSON of events and consent records) through the full pipeline, with the event times as the clock",
    )
    .argument("<file>", "the replay file; see README.md, 'The replay file'")
    .option("--playbooks <dir>", "folder with catalog.yaml, policy.yaml and playbooks/", "examples")
    .option(
      "--db <url>",
      "SQLite file or postgres:// URL (default: ASSENT_DATABASE_URL or .assent/assent.db)",
    )
    .option("--group <n>", "events per transaction (group commit)", wholeNumber("--group", 1), 500)
    .option(
      "--out <file>",
      "also write each event's decisions as NDJSON (and timer firings as {clock: true} lines)",
    )
    .action((file: string, flags: ReplayFlags) => reportAppError(() => runReplay(file, flags)));
}

async function runReplay(file: string, flags: ReplayFlags): Promise<void> {
  const deployment = loadDeploymentFromDir(flags.playbooks);
  if (flags.out !== undefined) checkOutIsNotInput(flags.out, file, flags.db);
  const checked = await checkedReplayFile(file, deployment.catalog);
  if (flags.out !== undefined) checkOutFile(flags.out);
  // The replay writes as if alone: a live server's clock and outbox worker would corrupt it.
  const lock = await holdServeLock(storeTarget(flags.db), "replay");
  try {
    await replayLocked(file, flags, deployment, checked);
  } finally {
    await lock.release();
  }
}

async function replayLocked(
  file: string,
  flags: ReplayFlags,
  deployment: Deployment,
  checked: CheckedFile,
): Promise<void> {
  const out = flags.out === undefined ? undefined : outFileAt(flags.out);
  try {
    const store = await openStore(flags.db);
    try {
      await replayInto(store, deployment, file, flags, checked, out);
    } finally {
      await store.close();
    }
  } finally {
    await out?.close();
  }
}

/** The file checked line by line, refused when it is a folder or has no lines at all. */
async function checkedReplayFile(file: string, catalog: Catalog): Promise<CheckedFile> {
  if (statSync(file).isDirectory()) {
    throw new AppError("invalid_request", `${file} is a folder, not a replay file`);
  }
  const checked = await checkReplayFile(file, catalog);
  if (checked.count === 0) {
    throw new AppError("invalid_request", `${file} has no lines: nothing was replayed`, [
      { pointer: "FILE", expected: "NDJSON, one event or consent record per line" },
    ]);
  }
  return checked;
}

async function replayInto(
  store: Store,
  deployment: Deployment,
  file: string,
  flags: ReplayFlags,
  checked: CheckedFile,
  out: OutFile | undefined,
): Promise<void> {
  const app = createApp({ store, deployment, clock: Date.now });
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: "replay [{bar}] {percentage}% {value}/{total} items",
        stream: process.stderr,
      })
    : undefined;
  let started = false;
  try {
    const report = await replayDurably(
      app,
      deployment.catalog,
      file,
      {
        groupSize: flags.group,
        onProgress: (done, total) => {
          if (!started) bar?.start(total, 0);
          started = true;
          bar?.update(done);
        },
        onOutcome: out === undefined ? undefined : (outcome) => out.write(outcome),
        // Timer firings and re-decided deferrals: a line of their own, with no event.
        onClock:
          out === undefined ? undefined : (decisions) => out.write({ clock: true, decisions }),
      },
      checked,
    );
    bar?.stop();
    process.stdout.write(await summary(report, store));
  } finally {
    bar?.stop();
  }
}

async function summary(report: DurableReplayReport, store: Store): Promise<string> {
  const rate = Math.round(report.events / (report.elapsedMs / 1000));
  // The replayed clock stops at the file's last item: timers due later wait for `serve`.
  const { pending } = await store.timerStats(Date.now());
  // Nothing in a replay is delivered: a server on this database would deliver the simulated
  // actions, to its outbox file and to any webhook.
  const deliveries = outboxLine(await store.outboxDepth());
  return (
    `${counted(report.events, "event")} (${counted(report.duplicates, "duplicate")}, ` +
    `${counted(report.conflicts, "conflict")}) gave ${counted(report.decisions, "decision")} in ` +
    `${Math.round(report.elapsedMs)} ms (${rate} events/s); ` +
    `${counted(report.pendingDeferrals, "deferred decision")} and ` +
    `${counted(pending, "timer")} still pending\n` +
    `${deliveries}\n` +
    `store: ${store.kind} at ${store.location}\n\n${report.tally.render()}\n`
  );
}

function outboxLine(pending: number): string {
  if (pending === 0) return "no deliveries are pending in this database's outbox";
  const deliveries = counted(pending, "delivery", "deliveries");
  const are = pending === 1 ? "is" : "are";
  return `${deliveries} ${are} pending in this database's outbox: serve delivers them`;
}

/** The --out file: NDJSON lines; a write that fails stops the replay with the path named. */
interface OutFile {
  write(value: unknown): void;
  close(): Promise<void>;
}

/** The files beside a SQLite database that belong to it: SQLite's own, and the serve lock's. */
const DATABASE_COMPANIONS = ["", "-wal", "-shm", "-journal", ".lock", ".pid"];

/**
 * Refuses, before anything is opened or written, an --out that is the replay file itself (it
 * would be emptied before it is read) or the SQLite database or one of its files (NDJSON would
 * be written over them). Paths are compared resolved, through symlinks where the files exist.
 */
function checkOutIsNotInput(out: string, file: string, db: string | undefined): void {
  const target = realPath(out);
  if (target === realPath(file)) {
    throw new AppError("invalid_request", `--out ${out} is the replay file itself`, [
      { pointer: "--out", expected: "a file of its own, not the replay file" },
    ]);
  }
  const store = storeTarget(db);
  if (store.kind !== "sqlite") return;
  const databases = new Set([store.path, realPath(store.path)]);
  const files = [...databases].flatMap((path) =>
    DATABASE_COMPANIONS.map((suffix) => realPath(`${path}${suffix}`)),
  );
  if (files.includes(target)) {
    throw new AppError("invalid_request", `--out ${out} is the database (or one of its files)`, [
      { pointer: "--out", expected: "a file of its own, not the database or a file beside it" },
    ]);
  }
}

/**
 * The absolute path a file is reached by: symlinks followed where it exists, or where its
 * folder does (a file not yet written).
 */
function realPath(path: string): string {
  const absolute = resolve(path);
  try {
    if (existsSync(absolute)) return realpathSync(absolute);
    return join(realpathSync(dirname(absolute)), basename(absolute));
  } catch {
    return absolute;
  }
}

/**
 * Stops the replay at once, before anything is written to the database, when --out cannot be
 * written. Opened to append, so that an earlier file stays as it was if the replay is refused.
 */
function checkOutFile(path: string): void {
  const kind = outKind(path);
  if (kind === "stream") return; // a trial open would block a FIFO, or end its reader's input
  if (kind !== "file") {
    throw new AppError("invalid_request", `cannot write --out ${path}: ${kind}`, [
      {
        pointer: "--out",
        expected:
          "a regular file, a new file in an existing folder, or a stream (/dev/null, a pipe)",
      },
    ]);
  }
  try {
    closeSync(openSync(path, "a"));
  } catch (error) {
    throw outFileError(path, error);
  }
}

/** Kernel file systems: their files open for writing and then fail, or mean something else. */
const KERNEL_FOLDERS = ["/proc", "/sys"];

/**
 * What --out names, judged without opening it: a file (or nothing yet: opening it says why not),
 * a stream the user chose to write to (/dev/null, /dev/stdout, a terminal, a named pipe), or why
 * it is neither: a file under /proc or /sys, a block device or a socket.
 */
function outKind(path: string): "file" | "stream" | string {
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined; // not there yet (or unreadable): opening it says why
  }
  // Streams first: /dev/stdout resolves to a /proc/self/fd link, and is a stream all the same.
  if (stats?.isCharacterDevice() === true || stats?.isFIFO() === true) return "stream";
  const target = realPath(path);
  const kernel = KERNEL_FOLDERS.find((folder) =>
    [resolve(path), target].some((at) => at === folder || at.startsWith(`${folder}/`)),
  );
  if (kernel !== undefined) return `it is under ${kernel}, a kernel file system, not a file`;
  if (stats?.isBlockDevice() === true) return "it is a block device, not a file";
  if (stats?.isSocket() === true) return "it is a socket, not a file";
  return "file";
}

function outFileAt(path: string): OutFile {
  let failure: unknown;
  const stream = createWriteStream(path);
  stream.on("error", (error) => {
    failure ??= error;
  });
  return {
    write: (value) => {
      if (failure !== undefined) throw outFileError(path, failure);
      stream.write(`${JSON.stringify(value)}\n`);
    },
    close: async () => {
      await finished(stream.end()).catch((error: unknown) => {
        failure ??= error;
      });
      if (failure !== undefined) throw outFileError(path, failure);
    },
  };
}

function outFileError(path: string, error: unknown): AppError {
  const code = error instanceof Error && "code" in error ? String(error.code) : "";
  const why = OUT_FILE_PROBLEMS[code] ?? (error instanceof Error ? error.message : String(error));
  return new AppError("invalid_request", `cannot write --out ${path}: ${why}`, [
    { pointer: "--out", expected: "a writable file path in an existing folder" },
  ]);
}

const OUT_FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: "its folder does not exist",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "it is a folder",
  EACCES: "permission denied",
  ENOSPC: "the disk is full",
};

/**
 * The Hillstrom e-mail experiment (MineThatData, 2008): 64,000 customers who bought in the past
 * twelve months, randomised into a men's e-mail, a women's e-mail and no e-mail, with their
 * visits, conversions and spend in the two weeks after. Read from the team's shared data folder,
 * never copied into the repository.
 */

import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parse } from "csv-parse/sync";
import { AppError, type FieldProblem } from "../../app/errors.ts";

export const SEGMENTS = ["Mens E-Mail", "Womens E-Mail", "No E-Mail"] as const;
export type Segment = (typeof SEGMENTS)[number];

export const ZIP_CODES = ["Urban", "Suburban", "Rural"] as const;
export type ZipCode = (typeof ZIP_CODES)[number];

export const BUYING_CHANNELS = ["Phone", "Web", "Multichannel"] as const;
export type BuyingChannel = (typeof BUYING_CHANNELS)[number];

/** One customer of the experiment: pre-period features, assigned segment and outcomes. */
export interface HillstromCustomer {
  /** The data row, 1 for the first row after the header (the file's line is row + 1). */
  readonly row: number;
  /** Months since the last purchase, 1 to 12. */
  readonly recency: number;
  /** Amount spent in the past year. */
  readonly history: number;
  readonly mens: boolean;
  readonly womens: boolean;
  readonly zipCode: ZipCode;
  readonly newbie: boolean;
  readonly channel: BuyingChannel;
  readonly segment: Segment;
  readonly visit: boolean;
  readonly conversion: boolean;
  readonly spend: number;
}

const COLUMNS = [
  "recency",
  "history",
  "mens",
  "womens",
  "zip_code",
  "newbie",
  "channel",
  "segment",
  "visit",
  "conversion",
  "spend",
] as const;
type Column = (typeof COLUMNS)[number];

/** At most this many bad cells are listed; the file is refused either way. */
const MAX_PROBLEMS = 20;

/**
 * The file to read: the `--csv` path when it exists (a relative one not found is looked for in
 * `ASSENT_SHARED_DATA` too), else `hillstrom.csv` in `ASSENT_SHARED_DATA`, else
 * `../shared/data/hillstrom.csv` beside the working folder.
 */
export function hillstromPath(flag?: string): string {
  const dir = process.env.ASSENT_SHARED_DATA ?? join(process.cwd(), "..", "shared", "data");
  if (flag === undefined) return join(dir, "hillstrom.csv");
  if (existsSync(flag) || isAbsolute(flag)) return flag;
  const shared = join(dir, flag);
  return existsSync(shared) ? shared : flag;
}

/**
 * Reads and checks the whole file. A missing column or a bad cell throws one AppError naming
 * every problem (up to 20) by row and column; nothing half-read is returned.
 *
 * The publisher's file spells one area "Surburban"; it is read as "Suburban", the spelling of
 * the catalog's `retail.zip_code`.
 *
 * @example
 * const customers = loadHillstrom("/work/shared/data/hillstrom.csv");
 * customers.length; // 64000
 */
export function loadHillstrom(path: string): HillstromCustomer[] {
  return parseHillstrom(readFileSync(path, "utf8"), path);
}

/** Parses the text of a Hillstrom CSV file; `source` names it in errors. */
export function parseHillstrom(text: string, source: string): HillstromCustomer[] {
  const records = parseCsv(text, source);
  const header = records[0] ?? [];
  const index = columnIndex(header, source);
  const problems: FieldProblem[] = [];
  const customers: HillstromCustomer[] = [];
  for (let at = 1; at < records.length; at++) {
    const cells = new Cells(records[at] ?? [], index, at, problems);
    const customer = readCustomer(cells, at);
    if (customer !== undefined) customers.push(customer);
    if (problems.length >= MAX_PROBLEMS) break;
  }
  if (problems.length > 0) {
    throw new AppError("invalid_request", `${source} has bad values; nothing was read`, problems);
  }
  if (customers.length === 0) {
    throw new AppError("invalid_request", `${source} has no customer rows`, [
      { pointer: "row 1", expected: "at least one customer row after the header" },
    ]);
  }
  return customers;
}

function parseCsv(text: string, source: string): string[][] {
  try {
    return parse(text, { skip_empty_lines: true, trim: true });
  } catch (error) {
    const line = typeof error === "object" && error !== null && "lines" in error ? error.lines : 0;
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError("invalid_request", `${source} is not valid CSV`, [
      { pointer: `line ${String(line)}`, expected: `well-formed CSV (${message})` },
    ]);
  }
}

function columnIndex(header: readonly string[], source: string): ReadonlyMap<Column, number> {
  const missing = COLUMNS.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    throw new AppError(
      "invalid_request",
      `${source} lacks Hillstrom columns`,
      missing.map((column) => ({
        pointer: `header, column ${column}`,
        expected: `a column named ${column} (the header has ${header.join(", ") || "nothing"})`,
      })),
    );
  }
  return new Map(COLUMNS.map((column) => [column, header.indexOf(column)]));
}

function readCustomer(cells: Cells, row: number): HillstromCustomer | undefined {
  const before = cells.problemCount();
  const customer: HillstromCustomer = {
    row,
    recency: cells.number("recency", { min: 1, max: 12, whole: true }),
    history: cells.number("history", { min: 0 }),
    mens: cells.flag("mens"),
    womens: cells.flag("womens"),
    zipCode: cells.word("zip_code", ZIP_CODES, { Surburban: "Suburban" }),
    newbie: cells.flag("newbie"),
    channel: cells.word("channel", BUYING_CHANNELS),
    segment: cells.word("segment", SEGMENTS),
    visit: cells.flag("visit"),
    conversion: cells.flag("conversion"),
    spend: cells.number("spend", { min: 0 }),
  };
  return cells.problemCount() === before ? customer : undefined;
}

/** Typed reads of one row's cells; a bad cell adds a problem and reads as a placeholder. */
class Cells {
  constructor(
    private readonly record: readonly string[],
    private readonly index: ReadonlyMap<Column, number>,
    private readonly row: number,
    private readonly problems: FieldProblem[],
  ) {}

  problemCount(): number {
    return this.problems.length;
  }

  number(column: Column, range: { min: number; max?: number; whole?: boolean }): number {
    const text = this.text(column);
    const value = text === "" ? Number.NaN : Number(text);
    const max = range.max ?? Number.POSITIVE_INFINITY;
    const whole = range.whole === true;
    if (Number.isFinite(value) && value >= range.min && value <= max) {
      if (!whole || Number.isInteger(value)) return value;
    }
    const kind = whole ? "a whole number" : "a number";
    const upper = range.max === undefined ? " or more" : ` to ${range.max}`;
    return this.problem(column, `${kind} from ${range.min}${upper}`, text, 0);
  }

  flag(column: Column): boolean {
    const text = this.text(column);
    if (text === "0" || text === "1") return text === "1";
    return this.problem(column, "0 or 1", text, false);
  }

  word<T extends string>(
    column: Column,
    words: readonly [T, ...T[]],
    aliases: Readonly<Record<string, T>> = {},
  ): T {
    const text = this.text(column);
    const found = words.find((word) => word === text) ?? aliases[text];
    if (found !== undefined) return found;
    return this.problem(column, `one of ${words.join(", ")}`, text, words[0]);
  }

  private text(column: Column): string {
    return this.record[this.index.get(column) ?? -1] ?? "";
  }

  private problem<T>(column: Column, expected: string, text: string, placeholder: T): T {
    this.problems.push({
      pointer: `row ${this.row}, column ${column}`,
      expected: `${expected}, got "${text}"`,
    });
    return placeholder;
  }
}

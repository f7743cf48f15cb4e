import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { AppError } from "../../src/app/errors.ts";
import { loadHillstrom, parseHillstrom } from "../../src/proof/hillstrom/hillstrom.ts";
import { splitHalves } from "../../src/proof/hillstrom/split.ts";
import { sharedDataFile } from "../support/shared-data.ts";

const customers = loadHillstrom(sharedDataFile("hillstrom.csv"));
const reference = JSON.parse(readFileSync(sharedDataFile("hillstrom-reference.json"), "utf8"));

const HEADER =
  "recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend";
const GOOD_ROW = '10,"2) $100 - $200",142.44,1,0,Surburban,0,Phone,Womens E-Mail,0,0,0';

function problemsOf(text: string): AppError {
  try {
    parseHillstrom(text, "test.csv");
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  assert.fail("the file was accepted");
}

describe("the Hillstrom loader", () => {
  test("reads all 64,000 customers with the reference arm sizes, visits and spend", () => {
    assert.equal(customers.length, reference.file.rows);
    for (const [segment, arm] of Object.entries<{ n: number; visits: number; spend_total: number }>(
      reference.arms,
    )) {
      const inArm = customers.filter((c) => c.segment === segment);
      assert.equal(inArm.length, arm.n, segment);
      assert.equal(inArm.filter((c) => c.visit).length, arm.visits, segment);
      const spend = inArm.reduce((sum, c) => sum + c.spend, 0);
      assert.ok(Math.abs(spend - arm.spend_total) < 0.005, `${segment} spend ${spend}`);
    }
  });

  test("the publisher's 'Surburban' reads as the catalog's Suburban", () => {
    const [first] = parseHillstrom(`${HEADER}\n${GOOD_ROW}\n`, "test.csv");
    assert.equal(first?.zipCode, "Suburban");
    assert.equal(first?.mens, true);
    assert.equal(first?.history, 142.44);
    assert.equal(new Set(customers.map((c) => c.zipCode)).size, 3);
  });

  test("a missing column is refused naming the column", () => {
    const error = problemsOf("recency,history\n1,2\n");
    assert.ok(error.fields.some((f) => f.pointer === "header, column segment"));
    assert.ok(error.fields.some((f) => f.pointer === "header, column spend"));
  });

  test("bad cells are refused naming row and column, and nothing is returned", () => {
    const rows = [
      GOOD_ROW,
      GOOD_ROW.replace(/^10,/, "ten,"),
      GOOD_ROW.replace("Womens E-Mail", "Kids E-Mail"),
      GOOD_ROW.replace(/,0$/, ",-3"),
    ];
    const error = problemsOf(`${HEADER}\n${rows.join("\n")}\n`);
    assert.deepEqual(
      error.fields.map((f) => f.pointer),
      ["row 2, column recency", "row 3, column segment", "row 4, column spend"],
    );
    assert.match(error.fields[0]?.expected ?? "", /whole number from 1 to 12, got "ten"/);
    assert.match(error.fields[1]?.expected ?? "", /one of Mens E-Mail, Womens E-Mail, No E-Mail/);
  });

  test("a file with only a header is refused", () => {
    assert.match(problemsOf(`${HEADER}\n`).message, /no customer rows/);
  });
});

describe("the seeded 50/50 split", () => {
  test("halves are disjoint, cover every customer and keep file order", () => {
    const { training, heldOut } = splitHalves(customers, 7);
    assert.equal(training.length, 32_000);
    assert.equal(heldOut.length, 32_000);
    const rows = new Set([...training, ...heldOut].map((c) => c.row));
    assert.equal(rows.size, 64_000);
    assert.ok(training.every((c, i) => i === 0 || (training[i - 1]?.row ?? 0) < c.row));
  });

  test("the same seed gives the same halves; another seed others", () => {
    const rowsOf = (seed: number) => splitHalves(customers, seed).training.map((c) => c.row);
    assert.deepEqual(rowsOf(3), rowsOf(3));
    const other = new Set(rowsOf(4));
    const shared = rowsOf(3).filter((row) => other.has(row)).length;
    // Independent halves share about a half of their rows.
    assert.ok(shared > 15_000 && shared < 17_000, `${shared} rows shared`);
  });
});

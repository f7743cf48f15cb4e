#!/usr/bin/env node
// Runs every test file under test/ (or those given) with node's own runner through tsx.
// Node 20's --test does not expand globs, so the files are found here.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const given = process.argv.slice(2);
const files =
  given.length > 0
    ? given
    : readdirSync("test", { recursive: true })
        .map(String)
        .filter((file) => file.endsWith(".test.ts"))
        .map((file) => join("test", file))
        .sort();

const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);

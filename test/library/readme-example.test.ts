import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";

/**
 * `import { … } from "assent"` as a consumer gets it: the package is built to dist/ (JavaScript
 * and declarations), the README's library example is taken from README.md as it stands, type
 * checked strictly against the built declarations and run with the package resolved by its
 * name through package.json `exports` (Node resolves a package's own name from inside it).
 */

const ROOT = resolve(import.meta.dirname, "../..");
// Inside the package (so that "assent" resolves to itself), in a folder git ignores.
const WORK = join(ROOT, "test-artifacts", `library-${process.pid}`);

function run(command: string, args: readonly string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 600_000 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  return { status: result.status, stdout: result.stdout ?? "", output };
}

/** The first TypeScript block of the README's "Using Assent as a library" section. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme
    .split(/^## /m)
    .find((part) => part.startsWith("Using Assent as a library"));
  assert.ok(section !== undefined, "README has a section 'Using Assent as a library'");
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block?.[1] !== undefined, "the section has a ```ts block");
  return block[1];
}

before(() => {
  const build = run(process.execPath, [tscBin(), "-p", "tsconfig.build.json"], ROOT);
  assert.equal(build.status, 0, `npm run build failed:\n${build.output}`);
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(WORK, "example.ts"), readmeExample());
  symlinkSync(join(ROOT, "examples"), join(WORK, "examples"));
});

after(() => rmSync(WORK, { recursive: true, force: true }));

function tscBin(): string {
  return join(ROOT, "node_modules", "typescript", "bin", "tsc");
}

describe("the package as a library", () => {
  test("package.json exports name the built entry point and its declarations", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const entry = manifest.exports["."];
    assert.equal(manifest.types, entry.types);
    assert.ok(existsSync(join(ROOT, entry.types)), `${entry.types} is built`);
    assert.ok(existsSync(join(ROOT, entry.default)), `${entry.default} is built`);
  });

  test("the README example type-checks strictly against the built declarations", () => {
    const check = run(
      process.execPath,
      [
        tscBin(),
        "--ignoreConfig",
        "--noEmit",
        "--strict",
        "--skipLibCheck",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--types",
        "node",
        "example.ts",
      ],
      WORK,
    );
    assert.equal(check.status, 0, check.output);
  });

  test("the README example runs: no consent suppresses, consent acts, the log verifies", () => {
    const example = run(process.execPath, ["--import", "tsx", "example.ts"], WORK);
    assert.equal(example.status, 0, example.output);
    assert.deepEqual(example.stdout.trim().split("\n"), [
      "category-campaign suppress consent_missing",
      "category-campaign act eligible",
      "log verified 2",
    ]);
  });

  test("the example's import resolves to the built package, not the sources", () => {
    const probe = `console.log(import.meta.resolve("assent"))`;
    const resolved = run(process.execPath, ["--input-type=module", "-e", probe], WORK);
    assert.equal(resolved.status, 0, resolved.output);
    assert.equal(resolved.stdout.trim(), `file://${join(ROOT, "dist", "index.js")}`);
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { CHROMIUM_INSTALL, ensureChromium } from "../support/chromium.ts";

/**
 * Issue 6, point 6: where Chromium is missing, the browser tests install Debian's package when
 * run as root and otherwise stop with a message naming the install command. The root branch
 * runs apt-get, so only the other one is exercised here (as a non-root user id).
 */

test("without Chromium, a non-root run stops naming the path and the install command", () => {
  const missing = "/nonexistent/assent-test/chromium";
  const original = process.getuid;
  process.getuid = () => 1000;
  try {
    assert.throws(
      () => ensureChromium(missing),
      (error: unknown) =>
        error instanceof Error &&
        error.message.includes(missing) &&
        error.message.includes(`sudo ${CHROMIUM_INSTALL}`) &&
        CHROMIUM_INSTALL === "apt-get install -y chromium",
    );
  } finally {
    process.getuid = original;
  }
});

test("an installed Chromium is returned as is, with nothing installed", () => {
  assert.equal(ensureChromium(process.execPath), process.execPath);
});

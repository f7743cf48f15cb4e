import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/**
 * Real Chromium for browser tests: Debian's package, driven by playwright-core. Where it is
 * missing, a root user gets it installed (`apt-get install -y chromium`); anyone else gets an
 * error naming that command. Each launch has a fresh profile folder and the flags that keep
 * Chromium off the network on a closed machine.
 */

/** Where Debian's package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";
/** The install command named when the browser is missing. */
export const CHROMIUM_INSTALL = "apt-get install -y chromium";

/** Screenshots and other artefacts of browser tests (git-ignored). */
export const ARTIFACTS_DIR = resolve("test-artifacts");

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

/** Makes sure Chromium is there: installs it as root, else throws with the command to run. */
export function ensureChromium(path = CHROMIUM_PATH): string {
  if (existsSync(path)) return path;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Chromium is not installed at ${path}; the browser tests need it: run \`sudo ${CHROMIUM_INSTALL}\``,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "chromium"],
  ]) {
    const result = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (result.status !== 0) {
      throw new Error(
        `\`apt-get ${args.join(" ")}\` failed; install Chromium with \`${CHROMIUM_INSTALL}\``,
      );
    }
  }
  if (!existsSync(path)) throw new Error(`apt-get installed chromium but ${path} is missing`);
  return path;
}

/** A browser with a fresh profile; `close` also deletes the profile folder. */
export interface LaunchedBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a new, empty `--user-data-dir`.
 *
 * @example const { context, close } = await launchChromium(); const page = await context.newPage();
 */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), "assent-chromium-"));
  // A persistent context is how Playwright takes a user-data-dir of our choosing.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: { width: 1000, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The path of a screenshot under test-artifacts/, creating the folder. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

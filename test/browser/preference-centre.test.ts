import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { artifactPath, type LaunchedBrowser, launchChromium } from "../support/chromium.ts";
import {
  campaignSlot,
  freePort,
  openTrustWorld,
  SEEDED_PERSONAL,
  seedCustomer,
  type TrustWorld,
  WORLD_T0,
} from "../support/trust-world.ts";

/**
 * The preference centre in real Chromium (Debian's package, driven by playwright-core), served
 * by the real application over SQLite on a local port. Screenshots go to test-artifacts/; with
 * `ASSENT_UPDATE_DOCS=1` the preference centre's screenshot also replaces docs/img's.
 */

let world: TrustWorld;
let browser: LaunchedBrowser;

before(async () => {
  const port = await freePort();
  world = await openTrustWorld(`http://127.0.0.1:${port}`);
  await world.server.listen({ port, host: "127.0.0.1" });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await world?.close();
});

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  // Generous: CI runs the browser beside every other test file on two cores.
  page.setDefaultTimeout(30_000);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: artifactPath(`${name}.png`), fullPage: true });
}

/** The element's text with its white space collapsed. */
async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim();
}

/** WCAG 2.2 contrast ratio of two CSS `rgb()` colours. */
function contrast(foreground: string, background: string): number {
  const luminance = (css: string) => {
    const [r = 0, g = 0, b = 0] = (css.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

const CAMPAIGN = "Category offers chosen for the customer from their purchase history";

/** The choice row of the campaign e-mail. */
function campaignRow(page: Page) {
  return page.locator("fieldset", { hasText: CAMPAIGN }).locator(".choice", { hasText: "E-mail" });
}

describe("preference centre in Chromium", () => {
  test("a signed link opens the page; switching a purpose off suppresses the next decision", async () => {
    await seedCustomer(world, "br-1");
    await world.ingest([campaignSlot("br-1-slot-1", "br-1", WORLD_T0 - 60_000)]);
    const page = await newPage();
    await page.goto(world.links.preferenceLink("br-1", "7d").url);
    assert.equal(await page.title(), "Your privacy choices");
    assert.match(await text(campaignRow(page)), /On: you agreed on 1 March 2026\./);
    await shot(page, "preference-centre");
    if (process.env.ASSENT_UPDATE_DOCS === "1") {
      mkdirSync("docs/img", { recursive: true });
      copyFileSync(artifactPath("preference-centre.png"), "docs/img/preference-centre.png");
    }

    await campaignRow(page)
      .getByRole("button", { name: /Turn e-mail off/ })
      .click();
    await page.waitForURL(/\?saved=choice$/);
    assert.match(await text(page.getByRole("status")), /Your choice is saved/);
    assert.match(await text(campaignRow(page)), /Off: you switched this off on 2 March 2026\./);

    const [outcome] = await world.ingest([campaignSlot("br-1-slot-2", "br-1", WORLD_T0 + 1)]);
    assert.equal(outcome?.decisions[0]?.reason, "consent_withdrawn");
    await page.reload();
    const newest = page.locator("tbody tr").first();
    assert.match(
      await text(newest),
      /Not sent.*Nothing was sent because you withdrew your consent\./s,
    );
    await shot(page, "preference-centre-switched-off");
    await page.close();
  });

  test("keyboard only: the skip link comes first and a toggle switches with Enter, focus visible", async () => {
    await seedCustomer(world, "br-2");
    const page = await newPage();
    await page.goto(world.links.preferenceLink("br-2", "7d").url);

    await page.keyboard.press("Tab");
    assert.equal(await text(page.locator(":focus")), "Skip to main content");
    const target = /^Turn e-mail off for Category offers/;
    let label = "";
    for (let presses = 0; presses < 30 && !target.test(label); presses++) {
      await page.keyboard.press("Tab");
      label = await text(page.locator(":focus"));
    }
    assert.match(label, target, "the campaign switch is reachable with Tab");
    // Page scripts are written as strings: the tests compile without the DOM library.
    const outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle");
    assert.equal(outline, "solid", "the focused control shows its focus ring");
    await shot(page, "keyboard-focus");

    await page.keyboard.press("Enter");
    await page.waitForURL(/\?saved=choice$/);
    assert.match(await text(campaignRow(page)), /Off: you switched this off/);
    const kinds = (await world.store.consentView("br-2")).records.map((r) => r.kind);
    assert.deepEqual(kinds, ["grant", "withdrawal"]);
    await page.close();
  });

  test("every control has an accessible name, every purpose a legend, all text AA contrast", async () => {
    await seedCustomer(world, "br-3");
    const page = await newPage();
    await page.goto(world.links.preferenceLink("br-3", "7d").url);
    const unnamed = await page.evaluate(`[...document.querySelectorAll("button, a")]
      .filter((el) => el.textContent.trim() === "" && !el.getAttribute("aria-label"))
      .map((el) => el.outerHTML)`);
    assert.deepEqual(unnamed, []);
    const pairs: [string, string, string][] = await page.evaluate(`(() => {
      const background = (el) => {
        for (let at = el; at; at = at.parentElement) {
          const color = getComputedStyle(at).backgroundColor;
          if (color !== "rgba(0, 0, 0, 0)") return color;
        }
        return "rgb(255, 255, 255)";
      };
      return [".state-on", ".state-off", ".note", ".kind", "button", ".button", "p", "legend", ".brand"]
        .map((selector) => document.querySelector(selector))
        .filter((el) => el !== null)
        .map((el) => [el.className || el.tagName, getComputedStyle(el).color, background(el)]);
    })()`);
    assert.ok(pairs.length >= 8);
    for (const [what, fg, bg] of pairs) {
      const ratio = contrast(fg, bg);
      assert.ok(
        ratio >= 4.5,
        `${what}: ${fg} on ${bg} has contrast ${ratio.toFixed(2)}, below 4.5`,
      );
    }
    const fieldsets = await page.locator("fieldset").count();
    assert.ok(fieldsets > 0);
    assert.equal(await page.locator("fieldset > legend").count(), fieldsets);
    await page.close();
  });

  test("one-click unsubscribe: the GET page changes nothing until its button is pressed", async () => {
    await seedCustomer(world, "br-4");
    const page = await newPage();
    await page.goto(world.links.unsubscribeUrl("br-4"));
    assert.equal(await page.locator("h1").textContent(), "Unsubscribe from marketing e-mail");
    assert.equal((await world.store.consentView("br-4")).suppressions.length, 0);
    await shot(page, "unsubscribe");

    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await page.waitForSelector("text=You are unsubscribed");
    const suppressions = (await world.store.consentView("br-4")).suppressions;
    assert.deepEqual(
      suppressions.map((s) => [s.reason, s.channel, s.since]),
      [["unsubscribed", "email", WORLD_T0]],
    );
    await page.goto(world.links.unsubscribeUrl("br-4"));
    assert.equal(await page.locator("h1").textContent(), "You are unsubscribed");
    await page.close();
  });

  test("export: the download is the subject's data as JSON", async () => {
    await seedCustomer(world, "br-5");
    const page = await newPage();
    await page.goto(world.links.preferenceLink("br-5", "7d").url);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download a copy of your data" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "my-data-2026-03-02.json");
    const path = artifactPath("export-br-5.json");
    await download.saveAs(path);
    const data = JSON.parse(readFileSync(path, "utf8"));
    assert.equal(data.subjectId, "br-5");
    const zip = data.profile.find((a: { attribute: string }) => a.attribute === "retail.zip_code");
    assert.equal(zip.value, SEEDED_PERSONAL.zip);
    assert.deepEqual(zip.lineage, { eventId: "br-5-profile", source: "crm" });
    assert.equal(data.consent.records[0].evidence, "form-7");
    await page.close();
  });

  test("erase: a confirmation step, then the profile is gone and the page confirms", async () => {
    await seedCustomer(world, "br-6");
    assert.ok((await world.store.profile("br-6")).size > 0);
    const page = await newPage();
    const link = world.links.preferenceLink("br-6", "7d");
    await page.goto(link.url);
    await page.getByRole("link", { name: /Erase your data/ }).click();
    assert.equal(await page.locator("h1").textContent(), "Erase your data");
    await page.getByRole("button", { name: "Erase my data permanently" }).click();
    // The box is required: without it the browser does not send the form.
    assert.equal(await page.locator("h1").textContent(), "Erase your data");
    assert.ok((await world.store.profile("br-6")).size > 0);
    await shot(page, "erase-confirm");

    await page.getByLabel(/I understand that my data will be erased/).check();
    await page.getByRole("button", { name: "Erase my data permanently" }).click();
    await page.waitForSelector("h1:text('Your data has been erased')");
    assert.equal((await world.store.profile("br-6")).size, 0);
    assert.deepEqual(await world.store.eventsOf("br-6"), []);
    await shot(page, "erased");
    await page.goto(link.url);
    assert.equal(await text(page.locator("h1")), "Your data has been erased");
    await page.close();
  });
});

describe("links that must not open a page, in Chromium", () => {
  test("a tampered link shows a friendly page and no data", async () => {
    await seedCustomer(world, "br-7");
    const url = world.links.preferenceLink("br-7", "7d").url;
    const tampered = `${url.slice(0, -4)}${url.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    const page = await newPage();
    const response = await page.goto(tampered);
    assert.equal(response?.status(), 404);
    assert.equal(await page.locator("h1").textContent(), "This link does not work");
    assert.equal(await page.locator("form").count(), 0);
    await shot(page, "link-tampered");
    await page.close();
  });

  test("an expired link offers a fresh one, which is queued for the channel on file", async () => {
    await seedCustomer(world, "br-8");
    const url = world.links.preferenceLink("br-8", "1h").url;
    world.clock.ms = WORLD_T0 + 2 * 3_600_000;
    const page = await newPage();
    try {
      const response = await page.goto(url);
      assert.equal(response?.status(), 410);
      assert.equal(await page.locator("h1").textContent(), "This link has expired");
      await shot(page, "link-expired");
      await page.getByRole("button", { name: "Send me a new link" }).click();
      await page.waitForSelector("text=Check your messages");
    } finally {
      world.clock.ms = WORLD_T0;
    }
    const queued = await world.store.deliveriesOf("br-8");
    assert.equal(queued.length, 1);
    assert.match(queued[0]?.payload ?? "", /"kind":"preference_link"/);
    await page.close();
  });

  test("one subject's page never acts on another's: their link shows only their data, forms do not cross", async () => {
    await seedCustomer(world, "br-9");
    await seedCustomer(world, "br-10");
    await world.ingest([campaignSlot("br-9-slot", "br-9", WORLD_T0 - 60_000)]);
    const mine = world.links.preferenceLink("br-9", "7d");
    const theirs = world.links.preferenceLink("br-10", "7d");
    const page = await newPage();

    await page.goto(theirs.url);
    assert.equal(await page.locator("tbody tr").count(), 0, "br-10 has no decisions of br-9");
    await page.goto(mine.url);
    assert.equal(await page.locator("tbody tr").count(), 1);

    // Point my page's form at their link: the anti-forgery token is bound to my link.
    await page.evaluate(`for (const form of document.querySelectorAll("form")) {
      form.action = form.action.replace(/\\/preferences\\/[^/]+/, "/preferences/${theirs.token}");
    }`);
    await campaignRow(page)
      .getByRole("button", { name: /Turn e-mail off/ })
      .click();
    await page.waitForSelector("h1:text('This form could not be accepted')");
    await shot(page, "link-other-subject");
    const kinds = (await world.store.consentView("br-10")).records.map((r) => r.kind);
    assert.deepEqual(kinds, ["grant"]);
    await page.close();
  });
});

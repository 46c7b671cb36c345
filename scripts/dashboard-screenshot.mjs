#!/usr/bin/env node
// Signs in to a running control plane in Debian's Chromium, waits until the fleet throughput chart on /nodes has
// moved, and saves a screenshot: `node scripts/dashboard-screenshot.mjs URL PASSWORD OUT.png` (used for the
// README's picture of `npm start`).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, password, out] = process.argv.slice(2);
if (!base || !password || !out) {
  console.error("usage: node scripts/dashboard-screenshot.mjs URL ADMIN_PASSWORD OUT.png");
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), "sluice-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1100, height: 760 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync", "--no-first-run"],
});
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(new URL("/login", base).href);
  await page.fill('input[name="username"]', "admin");
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.waitForURL(/\/nodes$/);
  const chart = page.getByTestId("fleet-gbits");
  const deadline = Date.now() + 60_000;
  // Wait for a chart with several non-zero points, so the picture shows throughput over time.
  for (;;) {
    const points = Number(await chart.getAttribute("data-points"));
    const last = Number((await chart.getAttribute("data-last")) || 0);
    if (points >= 20 && last > 0) break;
    if (Date.now() > deadline) throw new Error(`the fleet chart did not move (points ${points}, last ${last})`);
    await page.waitForTimeout(1000);
  }
  await page.getByTestId("nodes-table").getByText("ready").first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: out });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}

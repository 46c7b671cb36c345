import { getEventListeners } from "node:events";
import type { Database } from "@sluice/db";
import { describe, expect, it } from "vitest";
import { CLOSE_LAG_SECONDS, LiveService } from "./service.js";

describe("LiveService clock", () => {
  it("wakes waiters when a later second closes and leaves no listener behind on the request signal", async () => {
    // No rollups are due in this test's 30 seconds, so the database is never touched.
    const live = new LiveService({ db: {} as Database, onError: () => undefined });
    const controller = new AbortController();
    const start = 1_749_999_965; // 5 s into a minute: no minute completes in the next 30 s
    live.tick(start * 1000);
    for (let second = 1; second <= 30; second += 1) {
      const waiting = live.nextClosed(live.closedSecond!, controller.signal);
      live.tick((start + second) * 1000);
      expect(await waiting).toBe(start + second - CLOSE_LAG_SECONDS);
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    const aborted = live.nextClosed(live.closedSecond!, controller.signal);
    controller.abort();
    expect(await aborted).toBeUndefined();
    await live.stop();
  });
});

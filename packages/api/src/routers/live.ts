// Live throughput for dashboards: a subscription per page (fleet, node, app or instance scope) that first sends
// the recent window and then every closed second, and the day of per-minute rollups.
import { statsRollups } from "@sluice/db";
import { tracked } from "@trpc/server";
import { and, asc, eq, gte } from "drizzle-orm";
import { z } from "zod";
import { seriesKey } from "../live/series.js";
import { MAX_WINDOW_SECONDS } from "../live/service.js";
import { scopeSeries } from "../live/store.js";
import { router, viewerProcedure } from "../trpc.js";

const scope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("fleet") }),
  z.object({ kind: z.literal("node"), nodeId: z.uuid() }),
  z.object({ kind: z.literal("app"), app: z.string().min(1).max(100) }),
  z.object({ kind: z.literal("instance"), instanceId: z.uuid() }),
]);

export const liveRouter = router({
  /**
   * Frames of live data, each tracked by its last second, so a reconnecting EventSource resumes after the
   * last frame it received (up to an hour back) instead of starting over.
   */
  watch: viewerProcedure
    .input(
      z.object({
        scope,
        windowSeconds: z.int().min(1).max(MAX_WINDOW_SECONDS).default(300),
        lastEventId: z.string().regex(/^\d+$/, "an epoch second").nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const live = ctx.live;
      let sent = live.closedSecond ?? (await live.nextClosed(Number.NEGATIVE_INFINITY, signal));
      if (sent === undefined) return;
      const oldest = sent - MAX_WINDOW_SECONDS + 1;
      const from = input.lastEventId ? Math.max(Number(input.lastEventId) + 1, oldest) : sent - input.windowSeconds + 1;
      if (from <= sent) yield tracked(String(sent), live.frame(input.scope, from, sent));
      for (;;) {
        const closed = await live.nextClosed(sent, signal);
        if (closed === undefined) return;
        yield tracked(
          String(closed),
          live.frame(input.scope, Math.max(sent + 1, closed - MAX_WINDOW_SECONDS + 1), closed),
        );
        sent = closed;
      }
    }),

  /** Per-minute rollups of one scope's own series, oldest first, for the last `hours` (at most a day). */
  history: viewerProcedure
    .input(z.object({ scope, hours: z.number().positive().max(24).default(24) }))
    .query(({ ctx, input }) => {
      const since = new Date(ctx.now().getTime() - input.hours * 3600_000);
      return ctx.db
        .select()
        .from(statsRollups)
        .where(and(eq(statsRollups.series, seriesKey(scopeSeries(input.scope))), gte(statsRollups.minute, since)))
        .orderBy(asc(statsRollups.minute));
    }),
});

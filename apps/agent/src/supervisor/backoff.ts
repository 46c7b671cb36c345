// When to restart a crashed instance. Delays double from `initialMs` up to `maxMs`, each spread by
// ±jitter so instances that crashed together (a NIC reset) do not restart in lockstep. An instance
// that stayed up for `resetAfterMs` starts again from the first delay; `crashLoopAfter` crashes in
// a row, each sooner than that, is a crash loop and restarting stops.
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0.2 = each delay is drawn from [0.8, 1.2] x the nominal one. */
  jitter: number;
  resetAfterMs: number;
  crashLoopAfter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 10_000,
  crashLoopAfter: 6,
};

/** Delay before restart number `attempt` (1 = the first restart after a crash). */
export function restartDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  const spread = 1 + policy.jitter * (2 * random() - 1);
  return Math.round(Math.min(policy.maxMs, nominal * spread));
}

/** The consecutive-failure count after an exit: reset when the instance had stayed up long enough. */
export function failuresAfterExit(previousFailures: number, uptimeMs: number, policy: BackoffPolicy): number {
  return uptimeMs >= policy.resetAfterMs ? 1 : previousFailures + 1;
}

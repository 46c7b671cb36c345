// Small display helpers shared by the dashboard pages.

export function StateBadge({ state }: { state: string }) {
  return <span className={`state state-${state}`}>{state}</span>;
}

/** "12 s ago" style age of a timestamp, or "never". */
export function age(at: Date | null | undefined, now = Date.now()): string {
  if (!at) return "never";
  const seconds = Math.max(0, Math.round((now - at.getTime()) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  return at.toLocaleString();
}

/** A stable pastel colour per app, so one app's cores and queues read as a group. */
export function appColour(app: string): string {
  let hash = 0;
  for (const character of app) hash = (hash * 31 + character.charCodeAt(0)) % 360;
  return `hsl(${hash} 70% 85%)`;
}

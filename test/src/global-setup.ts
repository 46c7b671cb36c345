import { sweepStaleNamespaces } from "@sluice/netns";

/** Removes namespaces left by earlier runs that crashed before they could clean up. */
export default function setup(): void {
  const removed = sweepStaleNamespaces();
  if (removed.length > 0) console.log(`swept leftover namespaces: ${removed.join(", ")}`);
}

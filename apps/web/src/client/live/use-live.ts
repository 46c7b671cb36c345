"use client";
// One live subscription per page. The frames go into a LiveBuffer, never into React state.
import type { LiveScope } from "@sluice/api";
import { useEffect, useState } from "react";
import { useTRPCClient } from "../trpc";
import { LiveBuffer } from "./buffer";

/** `enabled` false holds the subscription back (e.g. until the page knows the app's name). */
export function useLiveBuffer(scope: LiveScope, windowSeconds = 300, enabled = true): LiveBuffer {
  const client = useTRPCClient();
  const scopeKey = JSON.stringify(scope);
  const [buffer, setBuffer] = useState(() => new LiveBuffer(windowSeconds));
  useEffect(() => {
    if (!enabled) return;
    const fresh = new LiveBuffer(windowSeconds);
    setBuffer(fresh);
    const subscription = client.live.watch.subscribe(
      { scope: JSON.parse(scopeKey) as LiveScope, windowSeconds },
      { onData: (tracked) => fresh.append(tracked.data) },
    );
    return () => subscription.unsubscribe();
  }, [client, scopeKey, windowSeconds, enabled]);
  return buffer;
}

export function formatGbits(bitsPerSecond: number): string {
  return (bitsPerSecond / 1e9).toFixed(bitsPerSecond >= 1e10 ? 1 : 3);
}

export function formatMpps(packetsPerSecond: number): string {
  return (packetsPerSecond / 1e6).toFixed(packetsPerSecond >= 1e7 ? 1 : 3);
}

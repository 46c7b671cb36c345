"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../../../src/client/trpc";

/** Whether the signed-in user may change things (operator or admin). The server checks again on every call. */
export function useCanChange(): boolean {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  return me.data?.role === "operator" || me.data?.role === "admin";
}

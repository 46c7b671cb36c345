"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "../trpc";

export function SignOutButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const logout = useMutation(trpc.auth.logout.mutationOptions({ onSettled: () => router.replace("/login") }));
  return (
    <button type="button" onClick={() => logout.mutate()} disabled={logout.isPending}>
      Sign out
    </button>
  );
}

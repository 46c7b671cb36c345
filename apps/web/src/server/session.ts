// The signed-in user for server components, resolved exactly as API requests are.
import type { SessionUser } from "@sluice/api";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getControlPlane } from "./control-plane";

export async function currentUser(): Promise<SessionUser | null> {
  const plane = await getControlPlane();
  const actor = await plane.api.resolveActor(
    plane.handle.db,
    new Headers(await headers()),
    new Date(),
    plane.agents.credentials,
  );
  return actor.kind === "user" ? actor.user : null;
}

export async function requireUser(): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect("/login");
  return user;
}

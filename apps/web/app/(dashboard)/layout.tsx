import Link from "next/link";
import type { ReactNode } from "react";
import { SignOutButton } from "../../src/client/components/sign-out";
import { requireUser } from "../../src/server/session";

export const dynamic = "force-dynamic";

/** Every dashboard page needs a signed-in user; others go to /login. */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <>
      <header className="top">
        <strong>Sluice</strong>
        <Link href="/nodes">Nodes</Link>
        <Link href="/apps">Apps</Link>
        <Link href="/audit">Audit</Link>
        <Link href="/settings">Settings</Link>
        <span className="who">
          <span data-testid="current-user">
            {user.username} ({user.role})
          </span>
          <SignOutButton />
        </span>
      </header>
      <main>{children}</main>
    </>
  );
}

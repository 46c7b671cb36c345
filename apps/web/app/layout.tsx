import type { ReactNode } from "react";
import { Providers } from "../src/client/trpc";
import "./globals.css";

export const metadata = { title: "Sluice", description: "Sluice fleet control plane" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}

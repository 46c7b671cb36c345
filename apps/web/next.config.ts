import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // @sluice/api is loaded at run time (see src/server/control-plane.ts) with its own @trpc/server. The route's
  // fetch adapter must be that same module instance: tRPC marks tracked() subscription events with a module-local
  // symbol, and a bundled second copy would not recognise them (SSE events would lose their ids).
  serverExternalPackages: ["@trpc/server"],
};

export default config;

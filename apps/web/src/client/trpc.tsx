"use client";
// The browser's tRPC client. Only the router's type crosses into this bundle; no server code or secret does.
import type { AppRouter } from "@sluice/api";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { type ReactNode, useState } from "react";
import superjson from "superjson";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            // Auth and validation failures will not fix themselves by retrying.
            retry: (failures, error) =>
              !(error instanceof TRPCClientError && error.data?.httpStatus < 500) && failures < 2,
          },
        },
      }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        // Subscriptions stream over SSE (EventSource, same-origin cookie); everything else is batched HTTP.
        splitLink({
          condition: (operation) => operation.type === "subscription",
          true: httpSubscriptionLink({ url: "/api/trpc", transformer: superjson }),
          false: httpBatchLink({
            url: "/api/trpc",
            transformer: superjson,
            // The anti-CSRF header every state-changing call needs (see packages/api/src/context.ts).
            headers: () => ({ "x-sluice-request": "1" }),
          }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

export interface FieldErrors {
  form: string | null;
  fields: Record<string, string[] | undefined>;
}

/** Splits a failed call into a form-level message and per-field messages from zod. */
export function describeError(error: unknown): FieldErrors {
  if (!(error instanceof TRPCClientError)) return { form: error ? String(error) : null, fields: {} };
  const validation = error.data?.validation as { formErrors: string[]; fieldErrors: Record<string, string[]> } | null;
  if (validation) {
    return { form: validation.formErrors.join("; ") || null, fields: validation.fieldErrors };
  }
  return { form: error.message, fields: {} };
}

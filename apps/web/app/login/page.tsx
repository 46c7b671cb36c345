"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { describeError, useTRPC } from "../../src/client/trpc";

export default function LoginPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: () => {
        router.push("/nodes");
        router.refresh();
      },
    }),
  );
  const errors = describeError(login.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    login.mutate({ username, password });
  }

  return (
    <main>
      <h1>Sign in to Sluice</h1>
      <form className="stack" onSubmit={submit}>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
          {errors.fields.username && <span className="error">{errors.fields.username.join(", ")}</span>}
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {errors.fields.password && <span className="error">{errors.fields.password.join(", ")}</span>}
        </label>
        <button type="submit" disabled={login.isPending}>
          Sign in
        </button>
        {errors.form && (
          <p className="error" role="alert">
            {errors.form}
          </p>
        )}
      </form>
    </main>
  );
}

"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { describeError, useTRPC } from "../trpc";

type Role = "viewer" | "operator" | "admin";
const roles: Role[] = ["viewer", "operator", "admin"];

export function Users() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ username: "", password: "", role: "viewer" as Role });
  const users = useQuery(trpc.users.list.queryOptions());
  const refresh = { onSuccess: () => queryClient.invalidateQueries(trpc.users.list.queryFilter()) };
  const create = useMutation(trpc.users.create.mutationOptions(refresh));
  const setRole = useMutation(trpc.users.setRole.mutationOptions(refresh));
  const setDisabled = useMutation(trpc.users.setDisabled.mutationOptions(refresh));
  const errors = describeError(create.error);
  const changeError = describeError(setRole.error ?? setDisabled.error).form;

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(form, { onSuccess: () => setForm({ username: "", password: "", role: "viewer" }) });
  }

  if (users.error) {
    return (
      <section>
        <h2>Users</h2>
        <p className="muted">{describeError(users.error).form}</p>
      </section>
    );
  }
  return (
    <section>
      <h2>Users</h2>
      <form className="row" onSubmit={submit}>
        <label>
          Username
          <input
            name="new-username"
            value={form.username}
            onChange={(e) => setForm({ ...form, username: e.target.value })}
          />
          {errors.fields.username && <span className="error">{errors.fields.username.join(", ")}</span>}
        </label>
        <label>
          Password
          <input
            name="new-password"
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
          {errors.fields.password && <span className="error">{errors.fields.password.join(", ")}</span>}
        </label>
        <label>
          Role
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            {roles.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>
          Create user
        </button>
      </form>
      {(errors.form || changeError) && (
        <p className="error" role="alert">
          {errors.form ?? changeError}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((user) => (
            <tr key={user.id}>
              <td>{user.username}</td>
              <td>
                <select
                  value={user.role}
                  onChange={(e) => setRole.mutate({ id: user.id, role: e.target.value as Role })}
                >
                  {roles.map((role) => (
                    <option key={role}>{role}</option>
                  ))}
                </select>
              </td>
              <td>
                {user.disabled ? "disabled" : "active"}{" "}
                <button type="button" onClick={() => setDisabled.mutate({ id: user.id, disabled: !user.disabled })}>
                  {user.disabled ? "Enable" : "Disable"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

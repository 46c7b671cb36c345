"use client";
// A node's labels (what app versions' node selectors match), editable by operators as "key=value, key=value".
// The server validates each label; its messages are shown under the field.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { describeError, useTRPC } from "../trpc";
import { FieldError } from "./field";

const asText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");

/** "a=1, b=2" → { a: "1", b: "2" }, or the first entry that is not key=value. */
function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  for (const entry of text.split(",").map((part) => part.trim())) {
    if (entry === "") continue;
    const equals = entry.indexOf("=");
    if (equals <= 0) return { error: `"${entry}" is not key=value` };
    labels[entry.slice(0, equals).trim()] = entry.slice(equals + 1).trim();
  }
  return { labels };
}

export function NodeLabels({
  nodeId,
  labels,
  canChange,
}: {
  nodeId: string;
  labels: Record<string, string>;
  canChange: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [text, setText] = useState<string | null>(null);
  const [parseError, setParseError] = useState<string | null>(null);
  const save = useMutation(
    trpc.nodes.setLabels.mutationOptions({
      onSuccess: () => {
        setText(null);
        return queryClient.invalidateQueries();
      },
    }),
  );
  const errors = describeError(save.error);
  const entries = Object.entries(labels);

  return (
    <section aria-label="Labels">
      <p data-testid="node-labels">
        {entries.length === 0
          ? "No labels."
          : entries.map(([key, value]) => (
              <code key={key} className="label">
                {key}={value}
              </code>
            ))}
      </p>
      {canChange && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const parsed = parseLabels(text ?? asText(labels));
            if ("error" in parsed) return setParseError(parsed.error);
            setParseError(null);
            save.mutate({ id: nodeId, labels: parsed.labels });
          }}
        >
          <label>
            Labels (key=value, comma-separated)
            <input name="labels" value={text ?? asText(labels)} onChange={(event) => setText(event.target.value)} />
          </label>
          <FieldError messages={parseError ? [parseError] : errors.fields.labels} />
          {errors.form && <p className="error">{errors.form}</p>}
          <button type="submit" disabled={save.isPending}>
            Save labels
          </button>
        </form>
      )}
    </section>
  );
}

import type { InputHTMLAttributes } from "react";

/** A field's server-side (zod) messages, shown beside it; nothing when it has none. */
export function FieldError({ messages }: { messages: string[] | undefined }) {
  return messages ? <span className="error">{messages.join(", ")}</span> : null;
}

/** A labelled input with its field's messages beside it: the shape of most form fields. */
export function LabelledInput({
  label,
  messages,
  ...input
}: { label: string; messages: string[] | undefined } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label>
      {label}
      <input {...input} />
      <FieldError messages={messages} />
    </label>
  );
}

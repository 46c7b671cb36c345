"use client";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";

interface Uploaded {
  sha256: string;
  size: number;
  format: string;
}

/** Sends the file as the raw request body to POST /api/artifacts; the server computes the digest. */
export function UploadBundle() {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState("node");
  const [result, setResult] = useState<Uploaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return setError("choose a file first");
    setBusy(true);
    setError(null);
    try {
      const response = await fetch(`/api/artifacts?format=${format}`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream", "x-sluice-request": "1" },
        body: file,
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ?? `upload failed (${response.status})`);
      setResult(body);
      await queryClient.invalidateQueries();
    } catch (failure) {
      setResult(null);
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="row" onSubmit={submit}>
      <label>
        Bundle
        <input name="bundle" type="file" onChange={(event) => setFile(event.target.files?.[0] ?? null)} />
      </label>
      <label>
        Format
        <select name="format" value={format} onChange={(event) => setFormat(event.target.value)}>
          <option value="node">node (tarball on @sluice/libos)</option>
          <option value="native">native (executable on the C API)</option>
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Upload
      </button>
      {result && (
        <p role="status" data-testid="uploaded-bundle">
          Stored {result.size} bytes as sha256 {result.sha256}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

import type { Command } from "commander";

/**
 * Runs a CLI command in this process as a user would type its arguments, capturing what it
 * writes to stderr and the exit code it sets (then clearing it, so the test run is unaffected).
 */
export async function runCommand(
  make: () => Command,
  args: readonly string[],
): Promise<{ stderr: string; exitCode: number | string | undefined }> {
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  try {
    await make().parseAsync([...args], { from: "user" });
  } finally {
    process.stderr.write = original;
  }
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  return { stderr: written.join(""), exitCode };
}

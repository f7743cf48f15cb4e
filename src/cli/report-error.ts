import { AppError } from "../app/errors.ts";
import { PlaybookLoadError } from "../playbook/loader.ts";

/**
 * Runs a command; expected failures print a clear message (with every bad field) and set a
 * non-zero exit code, without a stack trace.
 */
export async function reportAppError(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof PlaybookLoadError) {
      process.stderr.write(`${error.message}\n`);
    } else if (error instanceof AppError) {
      const fields = error.fields.map((field) => `  ${field.pointer}: expected ${field.expected}`);
      process.stderr.write(`${error.code}: ${error.message}\n${fields.join("\n")}\n`);
    } else if (isMissingFile(error)) {
      process.stderr.write(`no such file or folder: ${error.path}\n`);
    } else {
      throw error;
    }
    process.exitCode = 1;
  }
}

function isMissingFile(error: unknown): error is { path: string } {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    error.code === "ENOENT" &&
    "path" in error &&
    typeof error.path === "string"
  );
}

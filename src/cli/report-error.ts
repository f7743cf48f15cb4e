import { AppError } from "../app/errors.ts";
import { PlaybookLoadError } from "../playbook/loader.ts";
import { MasterKeyMissingError } from "../privacy/master-key.ts";
import { ProofInputError } from "../proof/input-error.ts";

/**
 * Runs a command; failures print one clear message (with every bad field for expected ones)
 * and set a non-zero exit code, without a stack trace unless `ASSENT_DEBUG=1`.
 */
export async function reportAppError(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    process.stderr.write(`${describe(error)}\n`);
    if (process.env.ASSENT_DEBUG === "1" && error instanceof Error) {
      process.stderr.write(`${error.stack ?? ""}\n`);
    }
    process.exitCode = 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof PlaybookLoadError) return error.message;
  if (error instanceof ProofInputError) return error.message;
  if (error instanceof MasterKeyMissingError) return error.message;
  if (error instanceof AppError) {
    const fields = error.fields.map((field) => `  ${field.pointer}: expected ${field.expected}`);
    return [`${error.code}: ${error.message}`, ...fields].join("\n");
  }
  const code = systemCode(error);
  const path = systemPath(error);
  if (code === "ENOENT" && path !== undefined) return `no such file or folder: ${path}`;
  if (code === "ENOTDIR" && path !== undefined) return `not a folder: ${path}`;
  if (code === "EADDRINUSE") return "the address is already in use: choose another --port";
  if (code === "ECONNREFUSED") return "the database refused the connection: is it running?";
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${message} (set ASSENT_DEBUG=1 for details)`;
}

function systemCode(error: unknown): string | undefined {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  return typeof code === "string" ? code : undefined;
}

function systemPath(error: unknown): string | undefined {
  const path = error instanceof Error && "path" in error ? error.path : undefined;
  return typeof path === "string" ? path : undefined;
}

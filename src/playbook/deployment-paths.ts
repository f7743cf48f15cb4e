/**
 * The files and folders a deployment is read from. A missing one is a problem like any other,
 * named by the path as given, and reported together with the others that are missing.
 */

import { statSync } from "node:fs";
import { join } from "node:path";
import type { LoadProblem } from "./problems.ts";

/** Where a deployment folder keeps its files. */
export interface DeploymentPaths {
  readonly catalogFile: string;
  readonly policyFile: string;
  readonly playbookDir: string;
}

const FOLDER_HINT = "expected a folder that holds catalog.yaml, policy.yaml and playbooks/";

/**
 * The paths of a deployment folder, or the problems that keep it from being read: the folder
 * itself, or each of its parts, missing or of the wrong kind.
 *
 * @example deploymentPaths("examples") // { paths: { catalogFile: "examples/catalog.yaml", ... } }
 */
export function deploymentPaths(
  dir: string,
): { paths: DeploymentPaths } | { problems: LoadProblem[] } {
  const folder = pathProblems(dir, "folder", `; ${FOLDER_HINT}`);
  if (folder.length > 0) return { problems: folder };

  const paths = {
    catalogFile: join(dir, "catalog.yaml"),
    policyFile: join(dir, "policy.yaml"),
    playbookDir: join(dir, "playbooks"),
  };
  const problems = [
    ...pathProblems(paths.catalogFile, "file"),
    ...pathProblems(paths.policyFile, "file"),
    ...pathProblems(paths.playbookDir, "folder"),
  ];
  return problems.length > 0 ? { problems } : { paths };
}

/**
 * The problem with a path that must be a file or a folder: that it does not exist, or is the
 * other kind. `hint` is added to the message.
 */
export function pathProblems(path: string, kind: "file" | "folder", hint = ""): LoadProblem[] {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return [fileProblem(path, `does not exist${hint}`)];
  if (kind === "folder" && !stats.isDirectory()) {
    return [fileProblem(path, `is a file, not a folder${hint}`)];
  }
  if (kind === "file" && stats.isDirectory()) return [fileProblem(path, "is a folder, not a file")];
  return [];
}

/** A problem with a file or folder as a whole; it has no line. */
function fileProblem(file: string, message: string): LoadProblem {
  return { file, line: 0, column: 0, path: "", message };
}

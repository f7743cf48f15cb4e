import type { Cap } from "../engine/types.ts";
import type { NodeCap, PolicyCap } from "./common-schema.ts";
import { durationMs } from "./durations.ts";
import type { Issue, PathKey } from "./problems.ts";

/** A cap as written in the policy or a node. */
export type WrittenCap = NodeCap | PolicyCap;

/**
 * Problems in a list of caps at `path`: duplicate ids and channels that do not fit the scope.
 * Caps that failed their schema are `undefined` and skipped.
 * `taken` holds the cap ids already used elsewhere (a node's caps may not reuse policy cap ids).
 */
export function capIssues(
  caps: readonly (WrittenCap | undefined)[],
  path: readonly PathKey[],
  taken: ReadonlySet<string> = new Set(),
): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();

  caps.forEach((cap, index) => {
    if (cap === undefined) return;
    const at = [...path, index];
    if (cap.scope === "channel" && cap.channel === undefined) {
      issues.push({ path: at, message: "a channel cap needs a channel: add channel: email" });
    }
    if (cap.scope === "node" && cap.channel !== undefined) {
      issues.push({
        path: [...at, "channel"],
        message: "a node cap counts every channel of the node; use scope: channel to count one",
      });
    }
    if (cap.id !== undefined) issues.push(...idIssues(cap.id, [...at, "id"], seen, taken));
  });
  return issues;
}

function idIssues(
  id: string,
  path: readonly PathKey[],
  seen: Set<string>,
  taken: ReadonlySet<string>,
): Issue[] {
  const issues: Issue[] = [];
  if (seen.has(id)) {
    issues.push({ path, message: `cap id ${id} is used twice; give each cap its own id` });
  } else if (taken.has(id)) {
    issues.push({
      path,
      message: `cap id ${id} is already a policy cap; give this cap its own id`,
    });
  }
  seen.add(id);
  return issues;
}

/**
 * The cap the engine counts; `id` names caps written without one.
 *
 * @example compileCap({ scope: "node", max: 1, per: "7d", counts: "marketing" }, "n/cap-1")
 */
export function compileCap(cap: WrittenCap, id: string): Cap {
  return {
    id: cap.id ?? id,
    scope: cap.scope,
    ...(cap.channel === undefined ? {} : { channel: cap.channel }),
    ...(cap.max === undefined ? {} : { max: cap.max }),
    periodMs: durationMs(cap.per),
    counts: cap.counts,
  };
}

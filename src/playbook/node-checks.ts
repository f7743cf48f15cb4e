/**
 * Load-time policy checks on one decision node. A node that fails any of them never loads.
 * Paths are relative to the node; messages leave out the node, which the loader adds.
 */

import type { Policy } from "../engine/node.ts";
import type { LawfulBasis } from "../engine/types.ts";
import { capIssues } from "./caps.ts";
import type { AttributeSpec, Catalog } from "./catalog.ts";
import { waitingNote, waitingOn } from "./check-scope.ts";
import { NodeCap } from "./common-schema.ts";
import { experimentIssues, modelIssues } from "./model-checks.ts";
import { PlaybookNode } from "./playbook-schema.ts";
import type { Issue } from "./problems.ts";
import { rawItems, rawString, validItems, whenValid } from "./raw.ts";
import { triggerIssues } from "./trigger-checks.ts";

/** What a node is checked against. */
export interface NodeScope {
  readonly catalog: Catalog;
  readonly policy: Policy;
  /** Catalog names whose entries failed their schema (not in `catalog`). */
  readonly brokenNames?: ReadonlySet<string>;
  /** False when the policy's cap ids could not all be read: `exempt_from` is not judged. */
  readonly policyCapsRead?: boolean;
}

// Marketing needs the subject's consent or a balanced legitimate interest (GDPR Art. 6(1)(a),
// (f) and recital 47); no contract, legal duty, vital interest or public task requires it.
const MARKETING_BASES: readonly LawfulBasis[] = ["consent", "legitimate_interests"];

// Each check reads only its part of the node, so that a schema problem elsewhere in the node
// does not hide it.
const PurposePart = PlaybookNode.pick({ purpose: true, basis: true }).loose();
const BundlePart = PlaybookNode.pick({ purpose: true, bundle: true }).loose();
const ActionPart = PlaybookNode.pick({ channels: true, actions: true }).loose();
const ExemptPart = PlaybookNode.pick({ exempt_from: true }).loose();
const QuietPart = PlaybookNode.pick({ quiet_hours: true }).loose();
const ModelPart = PlaybookNode.pick({ bundle: true, model: true }).loose();
const ExperimentPart = PlaybookNode.pick({ experiment: true }).loose();
const TriggerPart = PlaybookNode.pick({ trigger: true }).loose();

/**
 * Every policy problem of a node as written (before or without its schema passing):
 * purpose and basis, bundle, actions, caps, quiet hours, model and experiment. Rules are
 * checked when they are compiled.
 */
export function nodeIssues(raw: unknown, scope: NodeScope): Issue[] {
  const policyCapIds = new Set(scope.policy.caps.map((cap) => cap.id));
  const caps = validItems(NodeCap, rawItems(raw, "caps"));
  const capIds = new Set([...policyCapIds, ...rawItems(raw, "caps").flatMap(capId)]);

  return [
    ...whenValid(TriggerPart, raw, (node) => triggerIssues(node.trigger, rawBundle(raw), scope)),
    ...whenValid(PurposePart, raw, (node) => purposeIssues(node, scope)),
    ...whenValid(BundlePart, raw, (node) => bundleIssues(node, scope)),
    ...whenValid(ActionPart, raw, actionChannelIssues),
    ...capIssues(caps, ["caps"], policyCapIds),
    ...(scope.policyCapsRead === false
      ? []
      : whenValid(ExemptPart, raw, (node) => exemptIssues(node, capIds))),
    ...whenValid(QuietPart, raw, quietHoursIssues),
    ...whenValid(ModelPart, raw, (node) => modelIssues(node, scope)),
    ...whenValid(ExperimentPart, raw, experimentIssues),
  ];
}

/** The attribute names the node's bundle lists, valid or not (`?` removed). */
function rawBundle(raw: unknown): Set<string> {
  const names = rawItems(raw, "bundle").filter((entry) => typeof entry === "string");
  return new Set(names.map((entry) => entry.replace(/\?$/, "")));
}

function capId(cap: unknown): string[] {
  const id = rawString(cap, "id");
  return id === undefined ? [] : [id];
}

function purposeIssues(node: Pick<PlaybookNode, "purpose" | "basis">, scope: NodeScope): Issue[] {
  const catalog = scope.catalog;
  const waiting = waitingOn([node.purpose ?? ""], scope);
  if (waiting.length > 0)
    return [waitingNote(["purpose"], "purpose was not checked: it names", waiting)];

  const declared = [...catalog.purposes.keys()].join(", ");
  if (node.purpose === undefined) {
    // The ledger records consent per purpose: without one, basis consent can never be met.
    const need =
      node.basis === "consent"
        ? "basis consent needs a purpose the consent ledger records consent for"
        : "a node needs a purpose";
    return [{ path: ["purpose"], message: `${need}; add purpose: one of ${declared}` }];
  }

  const purpose = catalog.purposes.get(node.purpose);
  if (purpose === undefined) {
    const message = `purpose ${node.purpose} is not declared in the catalog (declared: ${declared})`;
    return [{ path: ["purpose"], message }];
  }
  if (purpose.kind === "marketing" && !MARKETING_BASES.includes(node.basis)) {
    const message =
      `purpose ${purpose.id} is marketing, which basis ${node.basis} cannot cover; ` +
      "use consent or legitimate_interests";
    return [{ path: ["basis"], message }];
  }
  return [];
}

function bundleIssues(node: Pick<PlaybookNode, "purpose" | "bundle">, scope: NodeScope): Issue[] {
  const seen = new Set<string>();
  return node.bundle.flatMap((entry, index) => {
    const name = entry.replace(/\?$/, "");
    const path = ["bundle", index];
    if (seen.has(name)) return [{ path, message: `bundle lists ${name} twice; list it once` }];
    seen.add(name);
    const waiting = waitingOn([name], scope);
    if (waiting.length > 0)
      return [waitingNote(path, "bundle entry was not checked: it names", waiting)];

    const attribute = scope.catalog.attributes.get(name);
    if (attribute === undefined) {
      return [{ path, message: `bundle attribute ${name} is not in the catalog` }];
    }
    return attributeIssues(attribute, node.purpose, scope).map((message) => ({ path, message }));
  });
}

/** Why a node with this purpose, deciding in this region, may not read the attribute. */
function attributeIssues(
  attribute: AttributeSpec,
  purpose: string | undefined,
  scope: NodeScope,
): string[] {
  const messages: string[] = [];
  const { name, purposes, residency } = attribute;
  // An undeclared purpose is reported once, on the purpose, not on every attribute.
  if (purpose && scope.catalog.purposes.has(purpose) && !purposes.includes(purpose)) {
    messages.push(`${name} may not be used for ${purpose} (its purposes: ${purposes.join(", ")})`);
  }
  const region = scope.policy.region;
  // An empty region: the policy itself is invalid (reported there); residency cannot be judged.
  if (region !== "" && residency !== "global" && residency !== region) {
    messages.push(`${name} resides in ${residency} and may not be processed in ${region}`);
  }
  return messages;
}

function actionChannelIssues(node: Pick<PlaybookNode, "channels" | "actions">): Issue[] {
  const allowed = node.channels.join(", ");
  return node.actions.flatMap((action, actionIndex) =>
    (action.channels ?? []).flatMap((channel, index) =>
      node.channels.includes(channel)
        ? []
        : [
            {
              path: ["actions", actionIndex, "channels", index],
              message:
                `action channel ${channel} is not among the node's channels (${allowed}); ` +
                "add it to channels or remove it from the action",
            },
          ],
    ),
  );
}

function exemptIssues(node: Pick<PlaybookNode, "exempt_from">, capIds: ReadonlySet<string>) {
  return node.exempt_from.flatMap((id, index): Issue[] =>
    capIds.has(id)
      ? []
      : [
          {
            path: ["exempt_from", index],
            message:
              `exempt_from names cap ${id}, ` +
              "which is neither a policy cap nor a cap of this node",
          },
        ],
  );
}

function quietHoursIssues(node: Pick<PlaybookNode, "quiet_hours">): Issue[] {
  const quiet = node.quiet_hours;
  if (quiet === undefined || quiet.start !== quiet.end) return [];

  return [
    {
      path: ["quiet_hours"],
      message:
        `quiet hours from ${quiet.start} to ${quiet.end} have no length; ` +
        "give a different start and end, or remove quiet_hours",
    },
  ];
}

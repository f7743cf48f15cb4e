import { scoreModel } from "../experiment/scoring.ts";
import type { AttributeValue } from "./types.ts";
import type { Walk } from "./walk.ts";

/** Reads bundle attribute values by name for model features; outside the bundle reads nothing. */
function bundleReader(walk: Walk) {
  const { inBundle } = walk.plan.bundle;
  const { profile } = walk.input;
  return (name: string): AttributeValue | undefined =>
    inBundle.has(name) ? profile.get(name)?.value : undefined;
}

/** The node's model score for this walk, computed once (eligibility and choice both read it). */
export function modelScore(walk: Walk): number | undefined {
  const { model } = walk.node;
  if (model === undefined) return undefined;
  if (walk.modelConfidence !== undefined) return walk.modelScore;
  const { score, confidence } = scoreModel(model, bundleReader(walk));
  walk.modelConfidence = confidence;
  walk.modelScore = score;
  return score;
}

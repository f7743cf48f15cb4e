import { scoreModel } from "../experiment/scoring.ts";
import type { Walk } from "./walk.ts";

/**
 * The node's model score for this walk, computed once (eligibility and choice both read it).
 * The plan's model reads only bundle attributes (the retrieval boundary), so the profile is
 * read directly.
 */
export function modelScore(walk: Walk): number | undefined {
  const model = walk.plan.facts.model;
  if (model === undefined) return undefined;
  if (walk.modelConfidence !== undefined) return walk.modelScore;
  const { score, confidence } = scoreModel(model, walk.input.profile);
  walk.modelConfidence = confidence;
  walk.modelScore = score;
  return score;
}

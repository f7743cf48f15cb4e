/**
 * Engine benchmark: pure decisions per second and per-decision p50/p99 on simulated streams of
 * the three starter playbooks, against the same trigger and eligibility rules run through
 * json-rules-engine in the same process. Run with `npm run bench`.
 */
import type { Engine as RulesEngine } from "json-rules-engine";
import { ruleContext } from "../src/engine/context.ts";
import { decideNode, type Engine } from "../src/engine/engine.ts";
import type { CompiledNode, Policy } from "../src/engine/node.ts";
import type { DecisionInput } from "../src/engine/walk.ts";
import { scoreModel } from "../src/experiment/scoring.ts";
import { loadDeploymentFromDir } from "../src/playbook/loader.ts";
import { replayPlaybook, STARTER_PLAYBOOKS } from "../src/replay/replay.ts";
import { JSON_RULES, jsonRulesEngineFor } from "./json-rules.ts";

interface Sample {
  readonly node: CompiledNode;
  readonly input: DecisionInput;
}

const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 3000);
const DAYS = Number(process.env.BENCH_DAYS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** A frozen copy of what the engine read, so that later replay steps cannot change it. */
function snapshot(input: DecisionInput): DecisionInput {
  const { consent } = input;
  return {
    ...input,
    profile: new Map(input.profile),
    history: [...input.history],
    consent: { ...consent, records: [...consent.records], suppressions: [...consent.suppressions] },
  };
}

/** Collects every (node, input) pair the replay decides, through a recording engine. */
function collectSamples(): { samples: Sample[]; policy: Policy } {
  const deployment = loadDeploymentFromDir("examples");
  const samples: Sample[] = [];
  for (const playbook of STARTER_PLAYBOOKS) {
    const options = {
      playbook,
      subjects: SUBJECTS,
      days: DAYS,
      seed: 42,
      start: Date.parse("2025-01-06T00:00:00Z"),
    };
    replayPlaybook(
      deployment,
      options,
      () => {},
      undefined,
      (engine) => recordingEngine(engine, samples),
    );
  }
  return { samples, policy: deployment.policy };
}

function recordingEngine(inner: Engine, samples: Sample[]): Engine {
  const nodesFor = (type: string) => inner.nodes.filter((node) => node.trigger.event === type);
  return {
    ...inner,
    decide: (input) => {
      for (const node of nodesFor(input.event.type)) samples.push({ node, input: snapshot(input) });
      return inner.decide(input);
    },
    decideNode: (node, input) => {
      samples.push({ node, input: snapshot(input) });
      return inner.decideNode(node, input);
    },
  };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/** Engine: every sample decided ROUNDS times; per-decision times in nanoseconds. */
function measureEngine(samples: readonly Sample[], policy: Policy) {
  for (const { node, input } of samples.slice(0, 20_000)) decideNode(node, policy, input); // warm-up
  const times = new Float64Array(samples.length * ROUNDS);
  let index = 0;
  const started = process.hrtime.bigint();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const { node, input } of samples) {
      const t0 = process.hrtime.bigint();
      decideNode(node, policy, input);
      times[index++] = Number(process.hrtime.bigint() - t0);
    }
  }
  const elapsedNs = Number(process.hrtime.bigint() - started);
  times.sort();
  return {
    perSecond: (times.length / elapsedNs) * 1e9,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
  };
}

/** The engine's raw decision loop without per-decision timers, for the headline rate. */
function measureEngineThroughput(samples: readonly Sample[], policy: Policy): number {
  for (const { node, input } of samples.slice(0, 20_000)) decideNode(node, policy, input); // warm-up
  const started = process.hrtime.bigint();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const { node, input } of samples) decideNode(node, policy, input);
  }
  return (samples.length * ROUNDS * 1e9) / Number(process.hrtime.bigint() - started);
}

async function measureJsonRules(samples: readonly Sample[]) {
  const engines = new Map<string, RulesEngine>();
  for (const node of new Set(samples.map((sample) => sample.node))) {
    if (engines.has(node.id)) continue;
    engines.set(node.id, jsonRulesEngineFor(node));
  }
  const contexts = samples.map(({ node, input }) =>
    ruleContext(node, input.profile, input.event, input.now),
  );
  const run = async (count: number): Promise<number> => {
    let verdicts = 0;
    for (let i = 0; i < count; i += 1) {
      const engine = engines.get(samples[i]?.node.id ?? "");
      if (engine === undefined) {
        throw new Error(`no json-rules-engine rule for ${samples[i]?.node.id}`);
      }
      const { events } = await engine.run({ ...contexts[i] });
      verdicts += events.length;
    }
    return verdicts;
  };
  await run(Math.min(samples.length, 20_000)); // warm-up, as the engine has
  const started = process.hrtime.bigint();
  const verdicts = await run(samples.length);
  const perSecond = (samples.length * 1e9) / Number(process.hrtime.bigint() - started);
  return { perSecond, verdicts };
}

/** The same rules must give the same verdicts, or the comparison measures different work. */
function engineVerdicts(samples: readonly Sample[]): number {
  let passed = 0;
  for (const { node, input } of samples) {
    const context = ruleContext(node, input.profile, input.event, input.now);
    const when = node.trigger.when?.evaluate(context) ?? true;
    const eligible = node.eligibility?.evaluate(context) ?? true;
    if (when && eligible && atOrAboveCutOff(node, input)) passed += 1;
  }
  return passed;
}

/** The node's model cut-off (`min_score`), where it targets by its model. */
function atOrAboveCutOff(node: CompiledNode, input: DecisionInput): boolean {
  const { model } = node;
  if (model?.minScore === undefined) return true;
  return scoreModel(model, (name) => input.profile.get(name)?.value).score >= model.minScore;
}

function format(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Each target of issue #2 with whether this run met it. */
function verdicts(perSecond: number, p99Ns: number, ratio: number): string {
  const mark = (met: boolean) => (met ? "met" : "NOT met");
  return [
    `≥ 250,000/s ${mark(perSecond >= 250_000)}`,
    `p99 ≤ 50 µs ${mark(p99Ns <= 50_000)}`,
    `≥ 20× json-rules-engine ${mark(ratio >= 20)}`,
  ].join(", ");
}

async function main(): Promise<void> {
  process.stdout.write(`collecting samples: ${SUBJECTS} subjects × ${DAYS} days × 3 playbooks…\n`);
  const { samples, policy } = collectSamples();
  const complete = samples.filter((s) => JSON_RULES[s.node.id] !== undefined);
  process.stdout.write(`${format(complete.length)} decisions to time, ${ROUNDS} rounds\n\n`);
  const throughput = measureEngineThroughput(complete, policy);
  const timed = measureEngine(complete, policy);
  const reference = await measureJsonRules(complete);
  const ours = engineVerdicts(complete);
  if (ours !== reference.verdicts) {
    throw new Error(
      `rules disagree: engine passes ${ours}, json-rules-engine ${reference.verdicts}`,
    );
  }
  const ratio = throughput / reference.perSecond;
  process.stdout.write(
    [
      `engine (full pipeline)   ${format(throughput)} decisions/s on one core`,
      `engine per decision      p50 ${(timed.p50 / 1000).toFixed(2)} µs   p99 ${(timed.p99 / 1000).toFixed(2)} µs`,
      `json-rules-engine        ${format(reference.perSecond)} rule evaluations/s (trigger + eligibility only)`,
      `ratio                    ${ratio.toFixed(1)}× json-rules-engine (same rules, same inputs; ${format(ours)} pass both)`,
      `targets                  ${verdicts(throughput, timed.p99, ratio)}`,
      "",
    ].join("\n"),
  );
}

await main();

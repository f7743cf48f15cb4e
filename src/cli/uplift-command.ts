import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { AppError } from "../app/errors.ts";
import { loadDeploymentFromDir } from "../playbook/loader.ts";
import { hillstromPath, loadHillstrom, parseHillstrom } from "../proof/hillstrom/hillstrom.ts";
import { replayLines, sampleCustomers, writeReplayLines } from "../proof/hillstrom/replay-items.ts";
import { splitHalves } from "../proof/hillstrom/split.ts";
import {
  modelOf,
  readArtifact,
  toArtifact,
  type UpliftArtifact,
} from "../proof/uplift/artifact.ts";
import { qiniCurve, rank, scoreCustomers, targetingTable } from "../proof/uplift/evaluate.ts";
import { nodeYaml } from "../proof/uplift/node-model.ts";
import { splitStudy } from "../proof/uplift/study.ts";
import { qiniText, studyText, targetingText } from "../proof/uplift/tables.ts";
import { TARGET_FRACTIONS, trainAndEvaluate } from "../proof/uplift/train.ts";
import { DEFAULT_UPLIFT_OPTIONS, OUTCOMES, type Outcome } from "../proof/uplift/two-model.ts";
import { isoInstant, wholeNumber } from "./options.ts";
import { reportAppError } from "./report-error.ts";

const DEFAULT_START = "2026-03-02T06:00:00Z";

const CSV_HELP =
  "the Hillstrom CSV (default: hillstrom.csv in ASSENT_SHARED_DATA, else ../shared/data)";

/** `assent uplift …`: train, judge and deploy the retail campaign's targeting model. */
export function upliftCommand(): Command {
  const uplift = new Command("uplift").description(
    "uplift targeting on the Hillstrom e-mail experiment: train, evaluate, study, node, replay-file",
  );
  uplift.addCommand(trainCommand());
  uplift.addCommand(evaluateCommand());
  uplift.addCommand(studyCommand());
  uplift.addCommand(nodeCommand());
  uplift.addCommand(replayFileCommand());
  return uplift;
}

interface TrainFlags {
  readonly csv?: string;
  readonly seed: number;
  readonly out: string;
  readonly share: number;
  readonly l2: number;
  readonly playbooks: string;
  readonly json?: boolean;
}

function trainCommand(): Command {
  return new Command("train")
    .description(
      "split the customers 50/50 by the seed, fit the two-model estimator (men's e-mail vs no e-mail; visit, conversion, spend) on one half, judge it on the other and write the model with its model card",
    )
    .requiredOption("--out <file>", "where to write the model (JSON)")
    .option("--csv <file>", CSV_HELP)
    .option("--seed <n>", "seed of the 50/50 split", wholeNumber("--seed", 0, 2 ** 32 - 1), 1)
    .option("--share <fraction>", "share of customers the node mails", share, 0.3)
    .option(
      "--l2 <penalty>",
      "L2 penalty on the standardised weights both arms' models share (the penalty on their difference is chosen by cross-validation)",
      positive("--l2"),
      1,
    )
    .option("--playbooks <dir>", "folder with catalog.yaml (feature purposes)", "examples")
    .option("--json", "print the metrics as JSON instead of tables")
    .addHelpText(
      "after",
      "\nExample:\n  npx assent uplift train --seed 1 --out category-visit.json\n",
    )
    .action((flags: TrainFlags) => reportAppError(async () => runTrain(flags)));
}

function runTrain(flags: TrainFlags): void {
  const path = hillstromPath(flags.csv);
  const { catalog } = loadDeploymentFromDir(flags.playbooks);
  const text = readFileSync(path, "utf8");
  const customers = parseHillstrom(text, path);
  const started = performance.now();
  const options = { ...DEFAULT_UPLIFT_OPTIONS, l2: flags.l2, seed: flags.seed, share: flags.share };
  const run = trainAndEvaluate(customers, options);
  const elapsed = performance.now() - started;
  const source = { file: basename(path), sha256: sha256(text), rows: customers.length };
  const artifact = toArtifact(run, source, catalog, flags.l2);
  writeFileSync(flags.out, `${JSON.stringify(artifact, null, 2)}\n`);
  if (flags.json === true) {
    process.stdout.write(
      `${JSON.stringify({ targeting: artifact.targeting, metrics: summary(artifact) }, null, 2)}\n`,
    );
    return;
  }
  process.stdout.write(
    `${artifact.model.id}@${artifact.model.version}: trained and judged in ${Math.round(elapsed)} ms on ` +
      `${run.counts.training} / ${run.counts.heldOut} rows (seed ${flags.seed}); written to ${flags.out}\n\n` +
      `${describeEvaluation(artifact)}\n`,
  );
}

interface EvaluateFlags {
  readonly model: string;
  readonly csv?: string;
  readonly json?: boolean;
}

function evaluateCommand(): Command {
  return new Command("evaluate")
    .description(
      "judge a trained model on its held-out half again (the CSV must be the one it was trained on): Qini coefficients and the incremental outcome per e-mailed customer when mailing the top 10/20/30/50% by uplift, by propensity or at random, with 95% intervals",
    )
    .requiredOption("--model <file>", "a model written by assent uplift train")
    .option("--csv <file>", CSV_HELP)
    .option("--json", "print JSON (targeting rows, Qini curves and coefficients)")
    .addHelpText("after", "\nExample:\n  npx assent uplift evaluate --model category-visit.json\n")
    .action((flags: EvaluateFlags) => reportAppError(async () => runEvaluate(flags)));
}

function runEvaluate(flags: EvaluateFlags): void {
  const artifact = readArtifact(flags.model);
  const path = hillstromPath(flags.csv);
  const text = readFileSync(path, "utf8");
  if (sha256(text) !== artifact.training.sha256) {
    throw new AppError("invalid_request", "the CSV is not the file the model was trained on", [
      { pointer: "--csv", expected: `a file with SHA-256 ${artifact.training.sha256}` },
    ]);
  }
  const { heldOut } = splitHalves(parseHillstrom(text, path), artifact.training.seed);
  const scored = scoreCustomers(modelOf(artifact), heldOut);
  const seed = artifact.training.seed;
  const targeting = targetingTable(scored, TARGET_FRACTIONS, OUTCOMES, seed);
  const curves = (outcome: Outcome) => ({
    uplift: qiniCurve(rank(scored, "uplift", outcome, seed), outcome),
    propensity: qiniCurve(rank(scored, "propensity", outcome, seed), outcome),
  });
  const qini = { visit: curves("visit"), conversion: curves("conversion"), spend: curves("spend") };
  if (flags.json === true) {
    process.stdout.write(
      `${JSON.stringify({ model: artifact.model, targeting, qini }, null, 2)}\n`,
    );
    return;
  }
  process.stdout.write(`${qiniText(qini)}\n\n${targetingText(targeting)}\n`);
}

interface StudyFlags {
  readonly csv?: string;
  readonly seeds: readonly number[];
  readonly share: number;
  readonly json?: boolean;
}

function studyCommand(): Command {
  return new Command("study")
    .description(
      "train and judge one model per seed: incremental visit rate of the top share by uplift, by propensity and at random (a seeded draw and its expectation)",
    )
    .option("--csv <file>", CSV_HELP)
    .option("--seeds <list>", "seeds, as 1-20 or 3,5,8", seedList, seedList("1-20"))
    .option("--share <fraction>", "share of customers mailed", share, 0.3)
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  npx assent uplift study --seeds 1-20\n")
    .action((flags: StudyFlags) => reportAppError(async () => runStudy(flags)));
}

function runStudy(flags: StudyFlags): void {
  const customers = loadHillstrom(hillstromPath(flags.csv));
  const study = splitStudy(customers, flags.seeds, {
    ...DEFAULT_UPLIFT_OPTIONS,
    share: flags.share,
  });
  process.stdout.write(
    flags.json === true ? `${JSON.stringify(study, null, 2)}\n` : `${studyText(study)}\n`,
  );
}

function nodeCommand(): Command {
  return new Command("node")
    .description(
      "print the retail category-campaign node's eligibility rule and model (with its " +
        "targeting cut-off, min_score), as YAML to paste into examples/playbooks/retail.yaml",
    )
    .requiredOption("--model <file>", "a model written by assent uplift train")
    .addHelpText("after", "\nExample:\n  npx assent uplift node --model category-visit.json\n")
    .action((flags: { model: string }) =>
      reportAppError(async () => {
        process.stdout.write(nodeYaml(readArtifact(flags.model)));
      }),
    );
}

interface ReplayFileFlags {
  readonly csv?: string;
  readonly out: string;
  readonly seed: number;
  readonly sample?: number;
  readonly start: number;
}

function replayFileCommand(): Command {
  return new Command("replay-file")
    .description(
      "write the Hillstrom customers as a replay file for the retail playbook: e-mail contact, profile, consent by the seeded rule of docs/hillstrom.md (65% granted, 10% withdrawn, 25% none) and one campaign slot each; run it with assent replay",
    )
    .requiredOption("--out <file>", "the replay file to write (NDJSON)")
    .option("--csv <file>", CSV_HELP)
    .option(
      "--seed <n>",
      "seed of the consent rule and the sample",
      wholeNumber("--seed", 0, 2 ** 32 - 1),
      1,
    )
    .option(
      "--sample <n>",
      "only this many customers, a seeded sample (default: all)",
      wholeNumber("--sample", 1),
    )
    .addOption(
      new Option("--start <instant>", "the run's first instant (ISO 8601 with a zone)")
        .argParser(isoInstant("--start"))
        .default(Date.parse(DEFAULT_START), DEFAULT_START),
    )
    .addHelpText(
      "after",
      "\nExample:\n  npx assent uplift replay-file --out hillstrom.ndjson\n  npx assent replay hillstrom.ndjson --db hillstrom.db\n  npx assent log verify --db hillstrom.db\n",
    )
    .action((flags: ReplayFileFlags) => reportAppError(() => runReplayFile(flags)));
}

async function runReplayFile(flags: ReplayFileFlags): Promise<void> {
  const customers = sampleCustomers(
    loadHillstrom(hillstromPath(flags.csv)),
    flags.sample,
    flags.seed,
  );
  const lines = replayLines(customers, { seed: flags.seed, start: flags.start });
  const written = await writeReplayLines(flags.out, lines);
  process.stdout.write(
    `${written} lines for ${customers.length} customers written to ${flags.out}\n`,
  );
}

function describeEvaluation(artifact: UpliftArtifact): string {
  const { targeting } = artifact;
  const percent = Math.round(targeting.share * 100);
  const evidence = (["uplift", "propensity", "random"] as const)
    .map(
      (by) =>
        `  ${by.padEnd(10)} ${targeting.evidence[by].incremental.toFixed(4)} [${targeting.evidence[by].low.toFixed(4)}, ${targeting.evidence[by].high.toFixed(4)}]`,
    )
    .join("\n");
  return [
    qiniText(artifact.metrics.qini),
    "",
    targetingText(artifact.metrics.targeting),
    "",
    `The node mails the top ${percent}% by ${targeting.by} (cut-off ${targeting.cutoff.toPrecision(6)}).`,
    `Incremental visits per e-mailed customer in the top ${percent}% on the held-out half:`,
    evidence,
  ].join("\n");
}

function summary(artifact: UpliftArtifact) {
  const { qini, overall, targeting } = artifact.metrics;
  const coefficients = Object.fromEntries(
    OUTCOMES.map((outcome) => [
      outcome,
      {
        uplift: qini[outcome].uplift.coefficient,
        propensity: qini[outcome].propensity.coefficient,
      },
    ]),
  );
  return { qini: coefficients, overall, targeting };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function share(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0 && parsed < 1)) {
    throw new InvalidArgumentError(
      `--share must be a fraction above 0 and below 1, got "${value}"`,
    );
  }
  return parsed;
}

function positive(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!(parsed > 0 && Number.isFinite(parsed))) {
      throw new InvalidArgumentError(`${name} must be a number above 0, got "${value}"`);
    }
    return parsed;
  };
}

function seedList(value: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(value);
  const seeds = range
    ? Array.from(
        { length: Number(range[2]) - Number(range[1]) + 1 },
        (_, i) => Number(range[1]) + i,
      )
    : value.split(",").map((part) => Number(part.trim()));
  if (
    seeds.length === 0 ||
    seeds.length > 1000 ||
    seeds.some((seed) => !Number.isInteger(seed) || seed < 0)
  ) {
    throw new InvalidArgumentError(
      `--seeds must be a range such as 1-20 or a list such as 3,5,8 of whole numbers (at most 1000), got "${value}"`,
    );
  }
  return seeds;
}

import { Command } from "commander";
import { loadDeploymentFromDir, PlaybookLoadError } from "../playbook/loader.ts";

/** `assent check`: load the catalog, policy and playbooks and report every problem at once. */
export function checkCommand(): Command {
  return new Command("check")
    .description(
      "validate catalog.yaml, policy.yaml and playbooks/*.yaml; list every problem with file and line",
    )
    .option("--dir <dir>", "folder with catalog.yaml, policy.yaml and playbooks/", "examples")
    .action((flags: { dir: string }) => runCheck(flags.dir));
}

function runCheck(dir: string): void {
  try {
    const deployment = loadDeploymentFromDir(dir);
    const { catalog, playbooks } = deployment;
    process.stdout.write(
      `ok: catalog ${catalog.name} v${catalog.version} (${catalog.attributes.size} attributes, ` +
        `${catalog.purposes.size} purposes), region ${deployment.policy.region}\n`,
    );
    for (const playbook of playbooks) {
      process.stdout.write(
        `ok: ${playbook.file}: ${playbook.name} v${playbook.version}, ${playbook.nodes.length} nodes\n`,
      );
    }
  } catch (error) {
    if (!(error instanceof PlaybookLoadError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}

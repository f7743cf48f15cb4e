import { Command } from "commander";
import { loadDeploymentFromDir } from "../playbook/loader.ts";
import { reportAppError } from "./report-error.ts";

/** `assent playbook check [DIR]`: load everything and report every problem at once. */
export function playbookCommand(): Command {
  const playbook = new Command("playbook").description("catalog, policy and playbook files");
  playbook
    .command("check")
    .description(
      "validate DIR/catalog.yaml, DIR/policy.yaml and DIR/playbooks/*.yaml; list every problem with file and line",
    )
    .argument("[dir]", "the folder", "examples")
    .action((dir: string) => reportAppError(async () => runCheck(dir)));
  return playbook;
}

function runCheck(dir: string): void {
  const deployment = loadDeploymentFromDir(dir);
  const { catalog, playbooks } = deployment;
  process.stdout.write(
    `ok: catalog ${catalog.name} v${catalog.version} (${catalog.attributes.size} attributes, ` +
      `${catalog.purposes.size} purposes, ${catalog.events.size} event types), region ${deployment.policy.region}\n`,
  );
  for (const loaded of playbooks) {
    process.stdout.write(
      `ok: ${loaded.file}: ${loaded.name} v${loaded.version}, ${loaded.nodes.length} nodes\n`,
    );
  }
}

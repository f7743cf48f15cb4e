import { v7 as uuidv7 } from "uuid";
import type { AppLogger } from "../app/app.ts";
import type { AssentApp } from "../app/assent-app.ts";
import type { DeliveryTarget } from "../app/recorder.ts";
import type { Deployment } from "../playbook/loader.ts";
import type { Store } from "../store/store.ts";
import { LINK_SECRET_ENV, resolveLinkSecret } from "../trust/link-secret.ts";
import { createTrustLinks, type TrustLinks } from "../trust/links.ts";
import { createTrustService, type TrustService } from "../trust/trust-service.ts";

/** The environment variable for the public URL of subject-facing links. */
export const PUBLIC_URL_ENV = "ASSENT_PUBLIC_URL";
/** The environment variable for the `mailto:` address of `List-Unsubscribe`. */
export const UNSUBSCRIBE_MAILBOX_ENV = "ASSENT_UNSUBSCRIBE_MAILBOX";

export interface LinkSettings {
  /** `--public-url` or `ASSENT_PUBLIC_URL`; default `http://localhost:PORT` (this machine only). */
  readonly publicUrl?: string;
  readonly port: number;
  readonly dataDir: string;
  /** One machine (SQLite) may generate a secret; several replicas must share one. */
  readonly mayGenerate: boolean;
}

/**
 * The link signer from configuration, and a warning to print when the secret was generated or
 * the public URL is only this machine's. The secret itself is never printed.
 */
export function linksFromSettings(settings: LinkSettings): {
  readonly links: TrustLinks;
  readonly warnings: string[];
} {
  const resolved = resolveLinkSecret({
    env: process.env[LINK_SECRET_ENV],
    dataDir: settings.dataDir,
    mayGenerate: settings.mayGenerate,
  });
  const warnings: string[] = [];
  if (resolved.origin === "generated") {
    warnings.push(
      `generated a link secret in ${resolved.path}; set ${LINK_SECRET_ENV} to share one across replicas`,
    );
  }
  const publicUrl = settings.publicUrl ?? `http://localhost:${settings.port}`;
  if (settings.publicUrl === undefined) {
    warnings.push(
      `preference and unsubscribe links point at ${publicUrl}; set --public-url (or ${PUBLIC_URL_ENV}) to the https address subjects reach`,
    );
  }
  const unsubscribeMailbox = process.env[UNSUBSCRIBE_MAILBOX_ENV] || undefined;
  const links = createTrustLinks({ secret: resolved.secret, publicUrl, unsubscribeMailbox });
  return { links, warnings };
}

/**
 * The one link signer of `serve` (preference centre, unsubscribe pages, List-Unsubscribe
 * headers): a generated secret only on SQLite (one machine). Warnings go to the log, without
 * the secret.
 */
export function serveLinks(
  settings: Omit<LinkSettings, "mayGenerate">,
  store: Store,
  logger: AppLogger,
): TrustLinks {
  const mayGenerate = store.kind === "sqlite";
  const { links, warnings } = linksFromSettings({ ...settings, mayGenerate });
  for (const warning of warnings) logger.warn({}, warning);
  return links;
}

/** What `serve` wires into the preference centre. */
export interface TrustWiring {
  readonly app: AssentApp;
  readonly store: Store;
  readonly deployment: Deployment;
  readonly targets: readonly DeliveryTarget[];
  readonly logger: AppLogger;
}

/** The preference centre's service for `serve`, issuing links valid for 7 days. */
export function trustService(links: TrustLinks, wiring: TrustWiring): TrustService {
  return createTrustService({ ...wiring, links, newId: uuidv7, clock: Date.now, linkTtl: "7d" });
}

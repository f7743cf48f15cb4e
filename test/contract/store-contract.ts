import { describe } from "node:test";
import type { Store } from "../../src/store/store.ts";
import { backlogContract } from "./contract-backlog.ts";
import { consentContract } from "./contract-consent.ts";
import { erasureContract } from "./contract-erasure.ts";
import { exportContract } from "./contract-export.ts";
import { logContract } from "./contract-log.ts";
import { outboxContract } from "./contract-outbox.ts";
import { profileContract } from "./contract-profile.ts";
import type { ContractHooks, OpenStore } from "./contract-support.ts";
import { timerContract } from "./contract-timers.ts";
import { transactionContract } from "./contract-transactions.ts";
import { workContract } from "./contract-work.ts";

export type { ContractHooks, OpenStore };

/**
 * The rules every Store implementation keeps, as one suite that each store runs against itself.
 * `open` returns a fresh, migrated, empty store each call (a new file, a new schema); each test
 * opens its own and closes it. `hooks` reach under the Store interface for the rules that only
 * raw SQL can challenge (the log refusing UPDATE and DELETE); without them those tests skip.
 *
 * @example describeStoreContract("sqlite", () => openSqliteStore({ path: tempFile() }), hooks)
 */
export function describeStoreContract(
  label: string,
  open: () => Promise<Store>,
  hooks: ContractHooks = {},
): void {
  describe(`store contract: ${label}`, () => {
    describe("events and profile", () => profileContract(open));
    describe("consent ledger", () => consentContract(open));
    describe("decision log", () => logContract(open, hooks));
    describe("transactions", () => transactionContract(open));
    describe("deferrals and reviews", () => workContract(open));
    describe("outbox", () => outboxContract(open));
    describe("timers", () => timerContract(open));
    describe("backlog", () => backlogContract(open));
    describe("subject export reads", () => exportContract(open));
    describe("pending work and erasure", () => erasureContract(open));
  });
}

import type { Store } from "../../src/store/store.ts";

/** Opens a fresh, migrated, empty store. */
export type OpenStore = () => Promise<Store>;

/** Raw access a store's own test file provides; each must try the change under the Store. */
export interface ContractHooks {
  /** Runs a raw UPDATE of one log record's body; the store must refuse it (reject). */
  readonly rawUpdateLog?: (store: Store, partition: number, seq: number) => Promise<void>;
  /** Runs a raw DELETE of one log record; the store must refuse it (reject). */
  readonly rawDeleteLog?: (store: Store, partition: number, seq: number) => Promise<void>;
}

/** Runs `body` on a fresh store and closes it whatever happens. */
export async function withStore(open: OpenStore, body: (store: Store) => Promise<void>) {
  const store = await open();
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

/** Everything an async iterable yields, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

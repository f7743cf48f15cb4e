/**
 * A count with its noun, plural unless the count is 1: the one way messages count things.
 *
 * @example counted(1, "event") // "1 event"
 * @example counted(2, "delivery", "deliveries") // "2 deliveries"
 */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

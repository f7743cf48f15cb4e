import { InvalidArgumentError } from "commander";

/** Parses a whole-number option, naming the option and the range in the error. */
export function wholeNumber(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(
        `${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}, got "${value}"`,
      );
    }
    return parsed;
  };
}

/** Parses an ISO 8601 instant with a zone designator into epoch milliseconds. */
export function isoInstant(name: string) {
  return (value: string): number => {
    const parsed = Date.parse(value);
    if (!/(Z|[+-]\d\d:\d\d)$/.test(value) || Number.isNaN(parsed)) {
      throw new InvalidArgumentError(
        `${name} must be an ISO 8601 instant with a zone, such as 2025-01-06T00:00:00Z`,
      );
    }
    return parsed;
  };
}

/** Parses one of a fixed set of words. */
export function oneOf<T extends string>(name: string, words: readonly T[]) {
  return (value: string): T => {
    const found = words.find((word) => word === value);
    if (found === undefined) {
      throw new InvalidArgumentError(`${name} must be one of ${words.join(", ")}, got "${value}"`);
    }
    return found;
  };
}

/** Parses an http or https URL. */
export function httpUrl(name: string) {
  return (value: string): string => {
    if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
      throw new InvalidArgumentError(`${name} must be an http or https URL, got "${value}"`);
    }
    return value;
  };
}

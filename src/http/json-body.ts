import { AppError } from "../app/errors.ts";

/**
 * Why a body that fastify's JSON parser refused was refused, in words a client can act on:
 * where the syntax breaks (line and column), or that the JSON is well formed but holds a
 * `__proto__` or `constructor.prototype` key, which is refused to keep objects from being
 * poisoned. Never a piece of the body: it may hold personal data.
 *
 * Runs on the error path only; `text` is parsed again to find the place.
 *
 * @example
 * malformedJson('{"id": 1,,}').message
 * // "the body is not valid JSON: expected double-quoted property name at line 1, column 10"
 */
export function malformedJson(text: string): AppError {
  const place = syntaxErrorPlace(text);
  if (place === undefined) {
    const detail =
      "the body is well-formed JSON but has a __proto__ or constructor.prototype key; such keys are refused";
    const expected = "JSON without __proto__ or constructor.prototype keys";
    return new AppError("malformed_json", detail, [{ pointer: "", expected }]);
  }
  const detail = `the body is not valid JSON: ${place}`;
  return new AppError("malformed_json", detail, [
    { pointer: "", expected: `valid JSON (${place})` },
  ]);
}

/**
 * JSON.parse's complaint without the piece of the body V8 quotes in some messages, with its
 * position as line and column; undefined when `text` parses.
 */
function syntaxErrorPlace(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return complaint(error instanceof Error ? error.message : "", text);
  }
}

function complaint(message: string, text: string): string {
  const placed = /^(.+?)(?: in JSON)? at position (\d+)/.exec(message);
  if (placed?.[1] !== undefined && placed[2] !== undefined) {
    return `${lowerFirst(placed[1])} at ${lineAndColumn(text, Number(placed[2]))}`;
  }
  if (message.startsWith("Unexpected end")) return "it ends before the document is complete";
  return "an unexpected token";
}

function lowerFirst(words: string): string {
  return words.charAt(0).toLowerCase() + words.slice(1);
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

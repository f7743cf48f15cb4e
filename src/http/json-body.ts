import type { FastifyInstance, FastifyRequest } from "fastify";
import { type ParseError, parse } from "jsonc-parser";
import { AppError } from "../app/errors.ts";
import { errorCodeOf } from "./problems.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The media types the route reads, in words, as its 415 names them (application/json). */
    readonly accepts?: string;
  }
}

/** What a route reads when its configuration names nothing else. */
export const JSON_MEDIA = "application/json";

type Parsed = (error: Error | null, body?: unknown) => void;

/**
 * The content-type parser of every JSON body, whatever its media type (application/json, and
 * the CloudEvents types on their route), so that each is refused alike: a compressed body is a
 * 415 naming its encoding, an empty body reads as "no body" (a POST to approve needs none),
 * and anything else goes through fastify's JSON parser, which refuses prototype poisoning; a
 * refusal says where the syntax breaks or that a poisoning key was found ({@link malformedJson}).
 *
 * @example
 * server.addContentTypeParser("application/json", { parseAs: "string" }, jsonBodyParser(server));
 */
export function jsonBodyParser(instance: Pick<FastifyInstance, "getDefaultJsonParser">) {
  const parseJson = instance.getDefaultJsonParser("error", "error");
  return (request: FastifyRequest, body: string | Buffer, done: Parsed): void => {
    const encoding = request.headers["content-encoding"];
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
      done(encodedBody(encoding));
      return;
    }
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text === "") {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (error, parsed) => {
      if (errorCodeOf(error) === "FST_ERR_CTP_INVALID_JSON_BODY") done(malformedJson(text));
      else done(error, parsed);
    });
  };
}

/** A compressed body is not read (no decompression bombs); the client is told to send it plain. */
function encodedBody(encoding: string): AppError {
  const named = /^[\w.-]{1,32}$/.test(encoding) ? encoding : "other than identity";
  const detail = `a body with Content-Encoding ${named} is not accepted; send it uncompressed`;
  return new AppError("unsupported_media_type", detail, [
    { pointer: "/headers/content-encoding", expected: "no Content-Encoding, or identity" },
  ]);
}

/**
 * The 415 for a body of a media type the route does not read (or of none), naming the types
 * it does read at the Content-Type header.
 *
 * @example
 * unsupportedMediaType("application/json").message // "send the body as application/json"
 */
export function unsupportedMediaType(accepts: string = JSON_MEDIA): AppError {
  return new AppError("unsupported_media_type", `send the body as ${accepts}`, [
    { pointer: "/headers/content-type", expected: accepts },
  ]);
}

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

/**
 * V8 gives a position for every syntax error but an unexpected token, whose message quotes the
 * body instead (`Unexpected token 'x', "{"a": x}" is not valid JSON`); that one is placed by
 * parsing the text again with jsonc-parser, which reports where the grammar breaks.
 */
function complaint(message: string, text: string): string {
  const placed = /^(.+?)(?: in JSON)? at position (\d+)/.exec(message);
  if (placed?.[1] !== undefined && placed[2] !== undefined) {
    return `${lowerFirst(placed[1])} at ${lineAndColumn(text, Number(placed[2]))}`;
  }
  const offset = message.startsWith("Unexpected end") ? text.length : syntaxErrorOffset(text);
  if (offset === text.length) return "it ends before the document is complete";
  if (offset < 0) return "an unexpected token";
  return `unexpected token at ${lineAndColumn(text, offset)}`;
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

/**
 * The offset of the first character that breaks the JSON grammar (RFC 8259: no comments, no
 * trailing commas), as jsonc-parser's error-tolerant parser finds it; `text.length` when the text
 * ends too early, -1 when it is valid JSON or nested too deep for the parser to walk.
 *
 * @example syntaxErrorOffset('{"a": x}') // 6
 */
export function syntaxErrorOffset(text: string): number {
  const errors: ParseError[] = [];
  try {
    parse(text, errors, { disallowComments: true, allowTrailingComma: false });
  } catch {
    return -1;
  }
  return errors[0]?.offset ?? -1;
}

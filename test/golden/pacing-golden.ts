/**
 * Reads the pacing golden files into the library's types, refusing anything malformed so that
 * a typo in a case fails loudly instead of testing nothing.
 */

import { readFileSync } from "node:fs";
import {
  type Cap,
  CHANNELS,
  LAWFUL_BASES,
  type QuietHours,
  type SendRecord,
} from "../../src/engine/types.ts";
import type { PacingRequest } from "../../src/pacing/caps.ts";

export type Json = Readonly<Record<string, unknown>>;

/** A golden file's cases, after its version is checked. */
export function readGolden(name: string): { readonly file: Json; readonly cases: Json[] } {
  const file = object(JSON.parse(readFileSync(new URL(name, import.meta.url), "utf8")), name);
  if (file.version !== 1) throw new Error(`${name}: unsupported version ${String(file.version)}`);
  if (!Array.isArray(file.cases)) throw new Error(`${name}: cases must be an array`);
  return { file, cases: file.cases.map((entry, index) => object(entry, `${name}#${index}`)) };
}

export function object(value: unknown, where: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where}: expected an object`);
  }
  return Object.fromEntries(Object.entries(value));
}

export function array(value: unknown, where: string): Json[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected an array`);
  return value.map((entry, index) => object(entry, `${where}[${index}]`));
}

export function text(value: unknown, where: string): string {
  if (typeof value !== "string") throw new Error(`${where}: expected a string`);
  return value;
}

export function texts(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected an array`);
  return value.map((entry, index) => text(entry, `${where}[${index}]`));
}

/** An ISO 8601 instant with an explicit zone, as epoch ms. */
export function instant(value: unknown, where: string): number {
  const parsed = Date.parse(text(value, where));
  if (Number.isNaN(parsed)) throw new Error(`${where}: not an ISO instant`);
  return parsed;
}

/** "HH:MM" as minutes after midnight. */
export function minutes(value: unknown, where: string): number {
  const match = /^(\d\d):(\d\d)$/.exec(text(value, where));
  if (match === null) throw new Error(`${where}: expected HH:MM`);
  return Number(match[1]) * 60 + Number(match[2]);
}

const UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/** "7d", "36h", "90m" as ms. */
export function period(value: unknown, where: string): number {
  const match = /^(\d+)([dhm])$/.exec(text(value, where));
  const unit = UNIT_MS[match?.[2] ?? ""];
  if (match === null || unit === undefined) throw new Error(`${where}: expected a period`);
  return Number(match[1]) * unit;
}

export function quietHours(value: Json, where: string): QuietHours {
  return {
    startMinute: minutes(value.start, `${where}.start`),
    endMinute: minutes(value.end, `${where}.end`),
    mode: member(["defer", "drop"], value.mode ?? "defer", `${where}.mode`),
  };
}

export function cap(value: Json, where: string): Cap {
  const max = value.max;
  if (max !== undefined && typeof max !== "number") throw new Error(`${where}: bad max`);
  const base: Cap = {
    id: text(value.id, `${where}.id`),
    scope: member(["node", "channel", "global"], value.scope, `${where}.scope`),
    counts: member(["marketing", "all"], value.counts ?? "marketing", `${where}.counts`),
    max,
    periodMs: period(value.period, `${where}.period`),
  };
  if (value.channel === undefined) return base;
  return { ...base, channel: member(CHANNELS, value.channel, `${where}.channel`) };
}

/** A send or request; missing fields come from the file's `defaults`. */
export function send(value: Json, defaults: Json, where: string): SendRecord & PacingRequest {
  return {
    at: instant(value.at, `${where}.at`),
    channel: member(CHANNELS, value.channel ?? defaults.channel, `${where}.channel`),
    nodeId: text(value.nodeId ?? defaults.nodeId, `${where}.nodeId`),
    basis: member(LAWFUL_BASES, value.basis ?? defaults.basis, `${where}.basis`),
  };
}

/** `value` if it is one of `known`, typed as such. */
function member<T extends string>(known: readonly T[], value: unknown, where: string): T {
  const found = known.find((candidate) => candidate === value);
  if (found === undefined) throw new Error(`${where}: expected one of ${known.join(", ")}`);
  return found;
}

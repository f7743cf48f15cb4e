#!/usr/bin/env python3
"""Generates test/golden/assignment.json: experiment bucketing cases (assent-bucket-v1).

Written independently of src/experiment/assignment.ts so that the two check each other:
the hash walks bytes from Python's own UTF-8 encoder, and the arm rule uses exact rational
arithmetic (fractions.Fraction) on the normalised weights rather than floating point.

assent-bucket-v1:
  1. FNV-1a 32-bit (offset basis 0x811c9dc5, prime 0x01000193) over the UTF-8 bytes of
     f"{salt}:{subject_id}", a lone UTF-16 surrogate encoded as U+FFFD;
  2. the MurmurHash3 fmix32 finaliser;
  3. divided by 2**32, giving a bucket in [0, 1).
Arms: weights normalised to sum 1; arm i owns [c_i, c_i + w_i * traffic) where c_i is the
normalised weight of the arms before it. A bucket outside every such interval gets arm null.

Usage (biome formats the JSON as the linter expects):
  python3 scripts/golden/assignment.py > test/golden/assignment.json
  npx biome format --write test/golden/assignment.json
"""

import json
import re
import sys
from fractions import Fraction

VERSION = 1
MASK = 0xFFFFFFFF


def utf8(text):
    """UTF-8 as TextEncoder gives it: a lone surrogate becomes U+FFFD."""
    units = text.encode("utf-16-le", "surrogatepass")
    return units.decode("utf-16-le", "replace").encode("utf-8")


def fnv1a32(data):
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & MASK
    return h


def fmix32(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK
    h ^= h >> 16
    return h


def arm_for(bucket, arms, traffic):
    """Exact: Fraction of the double values, as a client receives them."""
    total = sum(Fraction(weight) for _, weight in arms)
    start = Fraction(0)
    for name, weight in arms:
        share = Fraction(weight) / total
        if share > 0 and start <= bucket < start + share:
            return name if bucket < start + share * Fraction(traffic) else None
        start += share
    raise AssertionError("a bucket below 1 always lies in some arm's full interval")


TWO_ARMS = [("treatment", 90), ("holdout", 10)]
EVEN = [("treatment", 1), ("holdout", 1)]
THREE = [("a", 1), ("b", 1), ("c", 1)]
THREE_UNEVEN = [("control", 0.2), ("variant-a", 0.5), ("variant-b", 0.3)]
WITH_EMPTY_ARM = [("off", 0), ("treatment", 3), ("holdout", 1)]
SINGLE = [("only", 5)]

# (name, salt, subject id, arms, traffic)
CASES = [
    ("ascii id, 90/10, full traffic", "claim-status-2026q1", "subject-42", TWO_ARMS, 1.0),
    ("ascii id, 90/10, full traffic, holdout", "claim-status-2026q1", "subject-1", TWO_ARMS, 1.0),
    ("ascii id, 90/10, half traffic", "claim-status-2026q1", "subject-42", TWO_ARMS, 0.5),
    ("ascii id, 90/10, half traffic, b", "claim-status-2026q1", "subject-1", TWO_ARMS, 0.5),
    ("ascii id, 90/10, half traffic, c", "claim-status-2026q1", "subject-7", TWO_ARMS, 0.5),
    ("empty subject id", "claim-status-2026q1", "", TWO_ARMS, 1.0),
    ("empty salt", "", "subject-42", TWO_ARMS, 1.0),
    ("empty salt and empty subject id", "", "", EVEN, 1.0),
    ("single space subject id", "s", " ", EVEN, 1.0),
    ("subject id is a colon", "s", ":", EVEN, 1.0),
    ("salt ending in a colon", "s:", "x", EVEN, 1.0),
    ("salt 's' with id ':x' hashes the same bytes as salt 's:' with id 'x'", "s", ":x", EVEN, 1.0),
    ("subject id with NUL", "s", "a\u0000b", EVEN, 1.0),
    ("uuid subject id", "renewal-90d", "0b7e2c3a-5f1d-4d8e-9a61-2f4b8c7d9e01", TWO_ARMS, 1.0),
    ("email-like subject id", "renewal-90d", "ana.lopez@example.com", TWO_ARMS, 1.0),
    ("two-byte UTF-8 (Latin accents)", "winback", "Zoë Ångström", THREE, 1.0),
    ("three-byte UTF-8 (CJK)", "winback", "顧客-日本-0001", THREE, 1.0),
    ("four-byte UTF-8 (emoji)", "winback", "\U0001F600", THREE, 1.0),
    ("ZWJ emoji sequence", "winback", "dev-\U0001F469\u200D\U0001F4BB", THREE, 1.0),
    ("combining mark (decomposed e-acute)", "winback", "Rene\u0301", THREE, 1.0),
    ("precomposed e-acute differs from decomposed", "winback", "Ren\u00e9", THREE, 1.0),
    ("lone high surrogate hashes as U+FFFD", "winback", "a\ud800b", THREE, 1.0),
    ("U+FFFD itself, same bucket as the lone surrogate", "winback", "a\ufffdb", THREE, 1.0),
    ("lone low surrogate at the end", "winback", "z\udc00", THREE, 1.0),
    ("unicode salt", "kampagne-überraschung-☃", "subject-42", TWO_ARMS, 1.0),
    ("right-to-left subject id", "winback", "مشترك-٤٢", THREE, 1.0),
    ("long subject id", "winback", "x" * 300, THREE, 1.0),
    ("three arms, half traffic, a", "winback", "subject-100", THREE, 0.5),
    ("three arms, half traffic, b", "winback", "subject-101", THREE, 0.5),
    ("three arms, half traffic, c", "winback", "subject-102", THREE, 0.5),
    ("three arms, half traffic, d", "winback", "subject-103", THREE, 0.5),
    ("three arms, half traffic, e", "winback", "subject-104", THREE, 0.5),
    ("three arms, half traffic, f", "winback", "subject-107", THREE, 0.5),
    ("three arms, half traffic, g", "winback", "subject-113", THREE, 0.5),
    ("three fractional weights, full traffic, a", "retail-cat", "subject-1", THREE_UNEVEN, 1.0),
    ("three fractional weights, full traffic, b", "retail-cat", "subject-2", THREE_UNEVEN, 1.0),
    ("three fractional weights, full traffic, c", "retail-cat", "subject-3", THREE_UNEVEN, 1.0),
    ("three fractional weights, traffic 0.3", "retail-cat", "subject-3", THREE_UNEVEN, 0.3),
    ("zero-weight arm is never chosen, a", "onboarding", "subject-1", WITH_EMPTY_ARM, 1.0),
    ("zero-weight arm is never chosen, b", "onboarding", "subject-2", WITH_EMPTY_ARM, 1.0),
    ("single arm, full traffic", "solo", "subject-9", SINGLE, 1.0),
    ("single arm, traffic 0.1", "solo", "subject-9", SINGLE, 0.1),
    ("tiny traffic share", "solo", "subject-9", SINGLE, 1e-9),
    ("same subject as traffic grows: 0.25", "claim-status-2026q1", "subject-13", TWO_ARMS, 0.25),
    ("same subject as traffic grows: 0.5", "claim-status-2026q1", "subject-13", TWO_ARMS, 0.5),
    ("same subject as traffic grows: 0.75", "claim-status-2026q1", "subject-13", TWO_ARMS, 0.75),
    ("same subject as traffic grows: 1.0", "claim-status-2026q1", "subject-13", TWO_ARMS, 1.0),
    ("traffic 0.25 inside the treatment slice", "claim-status-2026q1", "subject-5", TWO_ARMS, 0.25),
    ("traffic 0.25 inside the holdout slice", "claim-status-2026q1", "subject-2", TWO_ARMS, 0.25),
]


def case(name, salt, subject_id, arms, traffic):
    fnv = fnv1a32(utf8(salt + ":" + subject_id))
    hashed = fmix32(fnv)
    bucket = Fraction(hashed, 2**32)
    return {
        "name": name,
        "salt": salt,
        "subjectId": subject_id,
        "arms": [{"name": arm, "weight": weight} for arm, weight in arms],
        "traffic": traffic,
        "expected": {
            "fnv1a32": fnv,
            "hash": hashed,
            "bucket": float(bucket),  # exact: hashed / 2**32 fits a double
            "arm": arm_for(bucket, arms, traffic),
        },
    }


def dump(document):
    text = json.dumps(document, ensure_ascii=False, indent=2)
    # A lone surrogate cannot be written as UTF-8; JSON allows it as a \u escape.
    return re.sub("[\ud800-\udfff]", lambda m: "\\u%04x" % ord(m.group()), text) + "\n"


def main():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    document = {
        "version": VERSION,
        "hash": "assent-bucket-v1",
        "description": "Experiment bucketing: generated by scripts/golden/assignment.py",
        "cases": [case(*c) for c in CASES],
    }
    sys.stdout.buffer.write(dump(document).encode("utf-8"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generates test/golden/scoring.json: logistic propensity and uplift scoring cases.

Written independently of src/experiment/scoring.ts: the TypeScript walks the features and
looks up their coefficients; this walks the coefficients and looks up their features.

Rules:
  x for coefficient `name`: the number, or 1/0 for a boolean, under attribute `name`;
  x for coefficient `attr=value`: 1 when attribute `attr` is the string `value` or a list
  holding it (once, however often it repeats), else 0; anything absent: 0.
  p = sigmoid(intercept + sum(w * x)).
  propensity: score p, confidence |2p - 1|.
  uplift: score p_treated - p_control, confidence min(|2p_t - 1|, |2p_c - 1|);
  an uplift model without a control model is an error.

Usage (biome formats the JSON as the linter expects):
  python3 scripts/golden/scoring.py > test/golden/scoring.json
  npx biome format --write test/golden/scoring.json
"""

import json
import math
import sys

VERSION = 1


def feature_value(key, features):
    value = features.get(key)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return one_hot(key, features)


def one_hot(key, features):
    for cut in range(len(key)):
        if key[cut] != "=":
            continue
        value = features.get(key[:cut])
        wanted = key[cut + 1 :]
        if isinstance(value, str) and value == wanted:
            return 1.0
        if isinstance(value, list) and wanted in value:
            return 1.0
    return 0.0


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def probability(logistic, features):
    z = logistic["intercept"]
    z += math.fsum(w * feature_value(k, features) for k, w in logistic["coefficients"].items())
    return sigmoid(z)


def expected(model, features):
    p_t = probability(model["treated"], features)
    if model["kind"] == "propensity":
        return {"score": p_t, "confidence": abs(2 * p_t - 1)}
    p_c = probability(model["control"], features)
    return {"score": p_t - p_c, "confidence": min(abs(2 * p_t - 1), abs(2 * p_c - 1))}


RENEWAL = {
    "id": "renewal-propensity",
    "version": "2026.1",
    "kind": "propensity",
    "treated": {
        "intercept": -1.25,
        "coefficients": {
            "account.seats": 0.03,
            "account.tenure_days": 0.0015,
            "account.is_annual": 0.8,
            "account.plan=gold": 0.6,
            "account.plan=silver": 0.2,
            "account.features=sso": 0.45,
            "account.features=api": 0.3,
            "account.features=audit-log": -0.1,
        },
    },
}

WINBACK = {
    "id": "winback-uplift",
    "version": "7",
    "kind": "uplift",
    "treated": {
        "intercept": -2.0,
        "coefficients": {
            "customer.days_since_visit": -0.01,
            "customer.spend_90d": 0.004,
            "customer.loyalty": 0.5,
            "customer.segment=lapsed": 0.9,
            "customer.categories=garden": 0.35,
            "customer.categories=toys": -0.2,
        },
    },
    "control": {
        "intercept": -2.3,
        "coefficients": {
            "customer.days_since_visit": -0.02,
            "customer.spend_90d": 0.003,
            "customer.loyalty": 0.7,
            "customer.segment=lapsed": 0.1,
            "customer.categories=garden": 0.05,
        },
    },
}

ONLY_INTERCEPT = {
    "id": "flat",
    "version": "1",
    "kind": "propensity",
    "treated": {"intercept": 0.0, "coefficients": {}},
}

EXTREME = {
    "id": "extreme",
    "version": "1",
    "kind": "propensity",
    "treated": {"intercept": 0.0, "coefficients": {"x": 1.0}},
}

UPLIFT_WITHOUT_CONTROL = {k: v for k, v in WINBACK.items() if k != "control"}

PROPENSITY_WITH_CONTROL = dict(RENEWAL, control=WINBACK["control"])

GOLD = {
    "account.seats": 40,
    "account.tenure_days": 400,
    "account.is_annual": True,
    "account.plan": "gold",
    "account.features": ["sso", "api"],
}

# (name, model, features); a model that must be refused carries "throws" instead.
CASES = [
    ("propensity: every feature kind", RENEWAL, GOLD),
    ("propensity: no features gives sigmoid(intercept)", RENEWAL, {}),
    ("propensity: false boolean adds nothing", RENEWAL, dict(GOLD, **{"account.is_annual": False})),
    (
        "propensity: unknown category adds nothing",
        RENEWAL,
        dict(GOLD, **{"account.plan": "bronze"}),
    ),
    ("propensity: other category", RENEWAL, dict(GOLD, **{"account.plan": "silver"})),
    ("propensity: empty list adds nothing", RENEWAL, dict(GOLD, **{"account.features": []})),
    (
        "propensity: repeated list element counts once",
        RENEWAL,
        dict(GOLD, **{"account.features": ["sso", "sso", "audit-log", "unknown"]}),
    ),
    (
        "propensity: attributes the model does not know are ignored",
        RENEWAL,
        dict(GOLD, **{"subject.timezone": "Europe/Paris", "claim.amount": 1e9}),
    ),
    ("propensity: negative and fractional numbers", RENEWAL, {"account.seats": -2.5}),
    ("propensity: only an intercept of 0 gives 0.5 and confidence 0", ONLY_INTERCEPT, GOLD),
    ("propensity: a large predictor saturates to 1", EXTREME, {"x": 800}),
    ("propensity: a very negative predictor goes to 0", EXTREME, {"x": -800}),
    ("propensity: a control model is ignored", PROPENSITY_WITH_CONTROL, GOLD),
    (
        "uplift: lapsed garden shopper",
        WINBACK,
        {
            "customer.days_since_visit": 120,
            "customer.spend_90d": 85.5,
            "customer.loyalty": True,
            "customer.segment": "lapsed",
            "customer.categories": ["garden", "toys"],
        },
    ),
    (
        "uplift: negative uplift",
        WINBACK,
        {"customer.loyalty": True, "customer.categories": ["toys"]},
    ),
    ("uplift: no features", WINBACK, {}),
    ("uplift: without a control model is refused", UPLIFT_WITHOUT_CONTROL, GOLD),
]


def case(name, model, features):
    entry = {"name": name, "model": model, "features": features}
    if model["kind"] == "uplift" and "control" not in model:
        entry["throws"] = True
    else:
        entry["expected"] = expected(model, features)
    return entry


def main():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    document = {
        "version": VERSION,
        "description": "Logistic model scoring: generated by scripts/golden/scoring.py",
        "cases": [case(*c) for c in CASES],
    }
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()

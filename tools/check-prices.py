#!/usr/bin/env python3
"""Validate data/model_prices.json, the gateway's model price and context-window table.

Usage: tools/check-prices.py [PATH]   (default: data/model_prices.json next to this repo)

Checks: the file parses as one JSON object; every entry is an object holding only
the known fields; costs are finite numbers >= 0 and < 0.01 USD per token; token
limits are positive integers; litellm_provider is a gateway provider name; mode is
a known mode; every priced provider has at least one entry; keys are sorted.
Exits 0 when the table is valid, 1 with one line per problem otherwise.
"""

import json
import math
import os
import sys

COST_FIELDS = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "output_cost_per_reasoning_token",
    "input_cost_per_token_above_200k_tokens",
    "output_cost_per_token_above_200k_tokens",
    "cache_read_input_token_cost_above_200k_tokens",
    "input_cost_per_token_batches",
    "output_cost_per_token_batches",
)
TOKEN_FIELDS = ("max_tokens", "max_input_tokens", "max_output_tokens")
BOOL_FIELDS = (
    "supports_function_calling",
    "supports_parallel_function_calling",
    "supports_vision",
    "supports_prompt_caching",
    "supports_reasoning",
    "supports_response_schema",
    "supports_system_messages",
    "supports_tool_choice",
)
ALLOWED_FIELDS = frozenset(("litellm_provider", "mode") + TOKEN_FIELDS + COST_FIELDS + BOOL_FIELDS)

MODES = frozenset((
    "chat", "embedding", "completion", "image_generation", "audio_transcription",
    "audio_speech", "moderation", "rerank",
))

PROVIDERS = frozenset("""
openai text-completion-openai azure azure_ai groq together_ai fireworks_ai deepseek mistral
codestral openrouter perplexity xai deepinfra cerebras sambanova nvidia_nim nebius hyperbolic
lambda_ai moonshot github anyscale friendliai featherless_ai novita nscale galadriel dashscope
volcengine ai21_chat meta_llama hosted_vllm vllm lm_studio ollama ollama_chat llamafile infinity
databricks litellm_proxy custom_openai openai_like anthropic gemini vertex_ai bedrock cohere
cohere_chat routeiq
""".split())

# Providers with public per-token prices: each must have at least one entry.
PRICED_PROVIDERS = (
    "openai", "azure", "azure_ai", "groq", "together_ai", "fireworks_ai", "deepseek", "mistral",
    "codestral", "openrouter", "perplexity", "xai", "deepinfra", "cerebras", "sambanova",
    "nvidia_nim", "moonshot", "dashscope", "ai21_chat", "anthropic", "gemini", "vertex_ai",
    "bedrock", "cohere", "cohere_chat",
)

MAX_COST_PER_TOKEN = 0.01


def _reject_constant(name):
    raise ValueError("non-finite number %s" % name)


def _keys_in_order(pairs):
    """object_pairs_hook: keep the key order and flag duplicates."""
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError("duplicate key %r" % key)
        seen.add(key)
    return dict(pairs)


def check_entry(name, entry):
    errors = []
    if not isinstance(entry, dict):
        return ["%s: entry is %s, not an object" % (name, type(entry).__name__)]
    for field in sorted(set(entry) - ALLOWED_FIELDS):
        errors.append("%s: unknown field %r" % (name, field))
    provider = entry.get("litellm_provider")
    if provider is None:
        errors.append("%s: missing litellm_provider" % name)
    elif provider not in PROVIDERS:
        errors.append("%s: unknown litellm_provider %r" % (name, provider))
    mode = entry.get("mode")
    if mode is None:
        errors.append("%s: missing mode" % name)
    elif mode not in MODES:
        errors.append("%s: unknown mode %r" % (name, mode))
    for field in COST_FIELDS:
        if field not in entry:
            continue
        value = entry[field]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append("%s: %s is %r, not a number" % (name, field, value))
        elif not math.isfinite(value):
            errors.append("%s: %s is not finite" % (name, field))
        elif value < 0:
            errors.append("%s: %s is negative (%r)" % (name, field, value))
        elif value >= MAX_COST_PER_TOKEN:
            errors.append("%s: %s is %r USD per token, not below %r (per-million price entered?)"
                          % (name, field, value, MAX_COST_PER_TOKEN))
    for field in TOKEN_FIELDS:
        if field not in entry:
            continue
        value = entry[field]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            errors.append("%s: %s is %r, not a positive integer" % (name, field, value))
    for field in BOOL_FIELDS:
        if field in entry and not isinstance(entry[field], bool):
            errors.append("%s: %s is %r, not true/false" % (name, field, entry[field]))
    return errors


def check_table(table):
    """Return a list of problems for a parsed table (empty when valid)."""
    if not isinstance(table, dict):
        return ["top level is %s, not an object" % type(table).__name__]
    errors = []
    for name, entry in table.items():
        errors.extend(check_entry(name, entry))
    keys = list(table)
    for previous, current in zip(keys, keys[1:]):
        if current < previous:
            errors.append("%s: key out of order (comes after %s); keys must be sorted"
                          % (current, previous))
    present = {e.get("litellm_provider") for e in table.values() if isinstance(e, dict)}
    for provider in PRICED_PROVIDERS:
        if provider not in present:
            errors.append("provider %s: no entry" % provider)
    return errors


def check_file(path):
    try:
        with open(path, encoding="utf-8") as handle:
            table = json.load(handle, object_pairs_hook=_keys_in_order,
                              parse_constant=_reject_constant)
    except OSError as exc:
        return ["%s: cannot read: %s" % (path, exc)]
    except ValueError as exc:
        return ["%s: does not parse: %s" % (path, exc)]
    return check_table(table)


def main(argv):
    if len(argv) > 2:
        sys.stderr.write("usage: check-prices.py [PATH]\n")
        return 2
    if len(argv) == 2:
        path = argv[1]
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        path = os.path.join(root, "data", "model_prices.json")
    errors = check_file(path)
    if errors:
        for line in errors:
            sys.stderr.write("check-prices: %s\n" % line)
        sys.stderr.write("check-prices: %s: %d problem(s)\n" % (path, len(errors)))
        return 1
    print("check-prices: %s: OK" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

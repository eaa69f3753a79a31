#!/usr/bin/env python3
"""Writes expected.json: token ids from the real tiktoken for the unit tests of tokens/.

    python3 -m venv /tmp/tk && /tmp/tk/bin/pip install tiktoken==0.8.0
    /tmp/tk/bin/python tests/data/tokens/generate.py > tests/data/tokens/expected.json

tiktoken fetches its rank files from a blob store; here its loader is pointed at our
data/tokenizers/*.tiktoken instead (byte-identical to OpenAI's: the sha256s tiktoken
itself checks are in data/tokenizers/SOURCES.md). Everything else is tiktoken's own: its
split patterns, its regex engine (fancy-regex) and its BPE. Special tokens are encoded
as text (disallowed_special=()), as LiteLLM counts.
"""
import base64
import json
import os
import random
import sys

import tiktoken
import tiktoken_ext.openai_public as public

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
ENCODINGS = ("cl100k_base", "o200k_base")

CASES = [
    # ASCII words, punctuation, case
    "hello world", "Hello, World!", "The quick brown fox jumps over the lazy dog.",
    "HTTPServerError in camelCaseIdentifiers and snake_case_names",
    # contractions, both cases, and the long s that case-folds to s
    "I'm sure you'll see they've said we'd won't it's", "I'M SURE YOU'LL SEE THEY'VE", "'s 'S 'ſ 'x",
    # numbers: groups of 1-3 digits
    "1 12 123 1234 12345 1234567890", "3.14159 -42 1e10 0x1F 2024-12-02", "١٢٣٤ Ⅻ ½ ²³",
    # whitespace runs
    "a  b   c    d", "tab\tseparated\t\tvalues", "line\nbreak\r\nwindows\n\n\nparagraph",
    "trailing spaces   ", "   leading spaces", "\n", "  \n  \n  ", "end with newline and spaces\n  ",
    "\u00a0non-breaking\u2003em\u3000ideographic", "",
    # CJK, Korean, Japanese, Arabic, Hebrew, Thai, Devanagari
    "中文分词测试：你好，世界！", "日本語のテキストです。カタカナ", "한국어 텍스트 토큰화",
    "مرحبا بالعالم", "שלום עולם", "สวัสดีชาวโลก", "नमस्ते दुनिया",
    # emoji, including modifiers and ZWJ sequences
    "😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️", "emoji😀inside👍words",
    # accented letters, combining marks, title case
    "café naïve résumé Zürich São Paulo", "e\u0301 a\u0300 combining", "ǅemal ǈubljana Ǳ",
    "ΑΒΓ αβγ Ωmega", "Straße STRASSE",
    # mixed scripts and code
    "Mixed English中文русский日本語 text", "def f(x):\n    return x**2  # square\n",
    '{"key": "value", "n": [1, 2, 3]}', "https://example.com/path?q=1&r=two#frag",
    "<|endoftext|> is text here", "a/b//c///d", "....!!!???", "---\n***\n",
]


def ranks(name):
    with open(os.path.join(ROOT, "data", "tokenizers", name + ".tiktoken"), "rb") as f:
        return {base64.b64decode(t): int(r) for t, r in (line.split() for line in f if line.strip())}


def encoding(name):
    public.load_tiktoken_bpe = lambda url, expected_hash=None: ranks(name)
    return tiktoken.Encoding(**getattr(public, name)())


# Long pieces: past 128 bytes BPE merges through a heap instead of rescanning.
LONG_CASES = ["a" * 3000, "ab" * 1500, "😀" * 300, "!@#$%^&*()" * 200, "x" + "=" * 700, "中文" * 400,
              "".join(random.Random(5).choice("abcdefghij") for _ in range(2000))]

# OpenAI's cookbook "How to count tokens with tiktoken", the accounting LiteLLM's
# token_counter applies: 3 per message, 1 per name, 3 priming the reply.
CHAT_CASES = [
    [{"role": "user", "content": "hello"}],
    [{"role": "system", "content": "You are a helpful, pattern-following assistant."},
     {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
     {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
     {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}],
    [{"role": "user", "content": [{"type": "text", "text": "What is in this image?"},
                                  {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}],
    [{"role": "assistant", "content": None,
      "tool_calls": [{"id": "call_1", "type": "function",
                      "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
     {"role": "tool", "tool_call_id": "call_1", "content": "18°C, sunny"}],
    [],
]
IMAGE_TOKENS = 85


def chat_tokens(enc, messages):
    n = 3
    for m in messages:
        n += 3
        for key, value in m.items():
            if key == "tool_calls":
                n += sum(len(enc.encode(c["function"]["arguments"], disallowed_special=())) for c in value)
            elif isinstance(value, str):
                n += len(enc.encode(value, disallowed_special=())) + (1 if key == "name" else 0)
            elif key == "content" and isinstance(value, list):
                for part in value:
                    n += (len(enc.encode(part["text"], disallowed_special=())) if part["type"] == "text"
                          else IMAGE_TOKENS)
    return n


def random_cases(count, seed):
    alphabet = list("aAbBzZ sS'tTdDmMlLrReEvV\t\n\r  0123456789.,;:!?/-_()[]{}\"<>@#$%^&*+=|\\~`") + [
        "é", "É", "ß", "ſ", "ñ", "Ω", "ω", "ǅ", "ʰ", "中", "文", "日本", "한", "ا", "\u0301", "\u0903",
        "\u20dd", "١", "Ⅻ", "½", "²", "😀", "👍🏽", "\u00a0", "\u2003", "\u3000", "\u2028", "\u0085",
        "\U0001d400", "ⅰ", "\u200b", "\ufeff"]
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(count)]


def main():
    encodings = {name: encoding(name) for name in ENCODINGS}
    cases = CASES + LONG_CASES + random_cases(300, 2026)
    compact = dict(ensure_ascii=False, separators=(",", ":"))
    rows = [json.dumps(dict(text=text, **{n: e.encode(text, disallowed_special=()) for n, e in encodings.items()}),
                       **compact) for text in cases]
    rows += [json.dumps(dict(messages=m, **{n: chat_tokens(e, m) for n, e in encodings.items()}), **compact)
             for m in CHAT_CASES]
    produced_by = json.dumps(f"tests/data/tokens/generate.py with tiktoken {tiktoken.__version__}")
    # One case a line, so a diff shows which changed.
    sys.stdout.write('{"produced_by":' + produced_by + ',"cases":[\n' + ",\n".join(rows) + "\n]}\n")


if __name__ == "__main__":
    main()

"""Tests for tools/check-prices.py: the real table passes, broken copies fail.

Run: python3 -m unittest discover -s tests/tools -p 'test_*.py'
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECKER = os.path.join(ROOT, "tools", "check-prices.py")
TABLE = os.path.join(ROOT, "data", "model_prices.json")


def run_checker(path):
    return subprocess.run([sys.executable, CHECKER, path], capture_output=True, text=True,
                          timeout=60)


class CheckPricesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(TABLE, encoding="utf-8") as handle:
            cls.table = json.load(handle)

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, table, name="model_prices.json", sort=True):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(table, handle, indent=4, sort_keys=sort)
        return path

    def copy(self):
        return json.loads(json.dumps(self.table))

    def assert_fails(self, path, *needles):
        result = run_checker(path)
        self.assertNotEqual(result.returncode, 0, result.stdout + result.stderr)
        for needle in needles:
            self.assertIn(needle, result.stderr)

    def test_real_table_passes(self):
        result = run_checker(TABLE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("OK", result.stdout)

    def test_real_table_is_sorted_and_sizeable(self):
        keys = list(self.table)
        self.assertEqual(keys, sorted(keys))
        self.assertGreaterEqual(len(keys), 150)

    def test_negative_cost_fails(self):
        table = self.copy()
        table["gpt-4o"]["input_cost_per_token"] = -2.5e-06
        self.assert_fails(self.write(table), "gpt-4o", "negative")

    def test_per_million_price_fails(self):
        table = self.copy()
        table["gpt-4o"]["output_cost_per_token"] = 10.0
        self.assert_fails(self.write(table), "gpt-4o", "output_cost_per_token")

    def test_unknown_field_fails(self):
        table = self.copy()
        table["claude-opus-4-5"]["output_cost_per_image"] = 0.04
        self.assert_fails(self.write(table), "claude-opus-4-5", "output_cost_per_image")

    def test_unknown_provider_fails(self):
        table = self.copy()
        table["gpt-4o-mini"]["litellm_provider"] = "vertex_ai-language-models"
        self.assert_fails(self.write(table), "gpt-4o-mini", "vertex_ai-language-models")

    def test_unsorted_keys_fail(self):
        table = self.copy()
        items = sorted(table.items())
        items[0], items[-1] = items[-1], items[0]
        self.assert_fails(self.write(dict(items), sort=False), "out of order")

    def test_bad_token_limit_fails(self):
        table = self.copy()
        table["gpt-4o"]["max_input_tokens"] = 128000.5
        self.assert_fails(self.write(table), "gpt-4o", "max_input_tokens")

    def test_unknown_mode_fails(self):
        table = self.copy()
        table["gpt-4o"]["mode"] = "responses"
        self.assert_fails(self.write(table), "gpt-4o", "mode")

    def test_missing_priced_provider_fails(self):
        table = {k: v for k, v in self.copy().items() if v["litellm_provider"] != "groq"}
        self.assert_fails(self.write(table), "provider groq")

    def test_non_object_entry_fails(self):
        table = self.copy()
        table["gpt-4o"] = [2.5e-06, 1e-05]
        self.assert_fails(self.write(table), "gpt-4o", "not an object")

    def test_unparsable_file_fails(self):
        path = os.path.join(self.tmp.name, "broken.json")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write('{"gpt-4o": {"mode": "chat",}')
        self.assert_fails(path, "does not parse")

    def test_non_finite_cost_fails(self):
        path = os.path.join(self.tmp.name, "nan.json")
        text = json.dumps(self.table, indent=4, sort_keys=True)
        text = text.replace('"input_cost_per_token": 2.5e-06', '"input_cost_per_token": NaN', 1)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        self.assert_fails(path)


if __name__ == "__main__":
    unittest.main()

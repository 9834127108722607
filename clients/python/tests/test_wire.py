"""The Python side of the wire format against the Java side's golden vectors (tests/golden.json)."""

import json
import math
import os
import struct
import unittest

from convexstream import avro
from convexstream.client import TOPICS, key_of
from convexstream.parameters import ParameterAssembler

with open(os.path.join(os.path.dirname(__file__), "golden.json"), encoding="utf-8") as f:
    GOLDEN = json.load(f)


class CanonicalFormAndFingerprint(unittest.TestCase):
    def test_every_schema_has_javas_canonical_form_and_fingerprint(self):
        self.assertEqual(len(GOLDEN["schemas"]), len(avro.schemas()))
        for g in GOLDEN["schemas"]:
            s = avro.schema(g["name"])
            self.assertEqual(s.canonical, g["canonical"], g["name"])
            self.assertEqual(s.fingerprint.hex(), g["fingerprint"], g["name"])

    def test_logical_types_are_dropped_from_the_canonical_form(self):
        # Python's avro 1.11 keeps {"type":"long"} here, which gives a different fingerprint
        self.assertIn('{"name":"eventTime","type":"long"}', avro.schema("Gradient").canonical)

    def test_crc64_avro_of_the_empty_string_is_the_seed(self):
        self.assertEqual(avro.fingerprint(""), struct.pack("<Q", 0xC15D213AA4D7A795))


class Samples(unittest.TestCase):
    def test_every_sample_encodes_to_javas_bytes_and_back(self):
        self.assertGreaterEqual(len(GOLDEN["samples"]), len(GOLDEN["schemas"]))
        for g in GOLDEN["samples"]:
            record = avro.from_json(g["type"], g["json"])
            message = bytes.fromhex(g["hex"])
            self.assertEqual(avro.encode(g["type"], record).hex(), g["hex"], g["type"])
            self.assertEqual(avro.decode(g["type"], message), record, g["type"])
            self.assertEqual(json.loads(avro.to_json(g["type"], record)), g["json"], g["type"])

    def test_fields_left_out_take_their_defaults(self):
        g = {"modelId": "m", "step": 1, "producerId": "w", "gradient": {"dim": 1, "values": [1.0]}, "eventTime": 5}
        record = avro.decode("Gradient", avro.encode("Gradient", g))
        self.assertIsNone(record["loss"])
        self.assertIsNone(record["gradient"]["indices"])

    def test_unions_take_the_branch_the_value_fits(self):
        g = {"modelId": "m", "step": 1, "producerId": "w", "gradient": {"dim": 2, "indices": [1], "values": [2]},
             "loss": 3, "eventTime": 5}
        record = avro.decode("Gradient", avro.encode("Gradient", g))
        self.assertEqual(record["gradient"]["indices"], [1])
        self.assertEqual(record["loss"], 3.0)

    def test_non_finite_numbers_round_trip(self):
        g = {"modelId": "m", "step": 1, "producerId": "w", "gradient": {"dim": 1, "values": [float("nan")]}, "eventTime": 5}
        self.assertTrue(math.isnan(avro.decode("Gradient", avro.encode("Gradient", g))["gradient"]["values"][0]))

    def test_bad_messages_say_why(self):
        good = bytes.fromhex(GOLDEN["samples"][0]["hex"])
        with self.assertRaisesRegex(avro.DecodeError, "fingerprint 00"):
            avro.decode("Gradient", good[:2] + b"\x00" * 8 + good[10:])
        with self.assertRaisesRegex(avro.DecodeError, "not an Avro single-object"):
            avro.decode("Gradient", b'{"modelId": "m"}')
        with self.assertRaisesRegex(avro.DecodeError, "malformed"):
            avro.decode("Gradient", good[:-3])
        with self.assertRaisesRegex(ValueError, "producerId: missing"):
            avro.encode("Gradient", {"modelId": "m", "step": 1})


class Topics(unittest.TestCase):
    def test_the_catalogue_is_javas(self):
        java = {t["name"]: (avro.schema(t["type"]).name, t["key"], t["kind"]) for t in GOLDEN["topics"]}
        mine = {name: (avro.schema(t).name, key, kind) for name, (t, key, kind) in TOPICS.items()}
        self.assertEqual(mine, java)

    def test_keys_join_the_key_fields(self):
        self.assertEqual(key_of("router-loads", {"modelId": "moe", "layer": 3}), "moe/3")
        self.assertEqual(key_of("convexstream.market-bars", {"asset": "AAPL"}), "AAPL")


class Parameters(unittest.TestCase):
    def test_snapshot_then_delta_give_the_whole_vector(self):
        a = ParameterAssembler()
        models = []
        for g in GOLDEN["samples"]:
            if g["type"].endswith("ParameterUpdate"):
                m = a.accept(avro.decode(g["type"], bytes.fromhex(g["hex"])))
                if m is not None:
                    models.append((m.version, list(m.parameters)))
        self.assertEqual(models, [(1, [0.5, -1.0, 0.25]), (2, [0.5, -0.5, 0.25])])

    def test_a_delta_without_its_base_waits_for_a_snapshot(self):
        delta = [avro.decode(g["type"], bytes.fromhex(g["hex"])) for g in GOLDEN["samples"]
                 if g["type"].endswith("ParameterUpdate") and g["json"]["baseVersion"] != 0]
        a = ParameterAssembler()
        self.assertIsNone(a.accept(delta[0]))
        self.assertEqual(a.skipped, 1)


if __name__ == "__main__":
    unittest.main()

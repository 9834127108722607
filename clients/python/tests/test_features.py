import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from convexstream import features  # noqa: E402

GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "golden.json")))


def signed(h):
    return h - (1 << 32) if h >= 1 << 31 else h


class FeatureHashingTest(unittest.TestCase):
    def test_reference_vectors_of_murmur3(self):
        self.assertEqual(features.murmur3_32(b"", 0), 0)
        self.assertEqual(features.murmur3_32(b"", 1), 0x514E28B7)
        self.assertEqual(features.murmur3_32(b"hello", 0), 0x248BFA47)
        self.assertEqual(signed(features.murmur3_32(b"foo", 0)), -156908512)
        self.assertEqual(signed(features.murmur3_32(b"foo", 42)), -1322301282)
        self.assertEqual(features.murmur3_32(b"The quick brown fox jumps over the lazy dog", 0), 0x2E4FF723)

    def test_the_java_sides_coordinates(self):
        self.assertGreater(len(GOLDEN["featureHashes"]), 5)
        for g in GOLDEN["featureHashes"]:
            self.assertEqual(features.index(g["name"], g["dim"]), g["index"], g)

    def test_collisions_add_in_name_order(self):
        self.assertEqual(features.hash_features({"a": 1, "b": 2, "c": 4}, 1), {0: 7.0})


if __name__ == "__main__":
    unittest.main()

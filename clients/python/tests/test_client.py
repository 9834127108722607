"""The Kafka helpers over a stand-in for confluent_kafka: what they send, and what readers keep."""

import os
import sys
import types
import unittest

from convexstream import avro


class _Message:
    def __init__(self, value):
        self._value = value

    def error(self):
        return None

    def value(self):
        return self._value


class _FakeKafka:
    """The parts of confluent_kafka the helpers use: a producer that keeps what it is given, a consumer fed by the test."""

    def __init__(self):
        self.sent = []
        self.feed = []
        self.configs = []
        kafka = self

        class Producer:
            def __init__(self, conf):
                kafka.configs.append(conf)

            def produce(self, topic, key, value, on_delivery):
                kafka.sent.append((topic, key, value))
                on_delivery(None, None)

            def poll(self, timeout):
                return 0

            def flush(self, timeout):
                return 0

        class Consumer:
            def __init__(self, conf):
                kafka.configs.append(conf)

            def list_topics(self, topic, timeout):
                meta = types.SimpleNamespace(partitions={0: None, 1: None})
                return types.SimpleNamespace(topics={topic: meta})

            def assign(self, partitions):
                self.assigned = partitions

            def poll(self, timeout):
                if not kafka.feed:
                    return None
                return _Message(kafka.feed.pop(0))

            def consume(self, num_messages, timeout):
                out, kafka.feed = kafka.feed[:num_messages], kafka.feed[num_messages:]
                return [_Message(v) for v in out]

            def close(self):
                pass

        self.module = types.ModuleType("confluent_kafka")
        self.module.Producer = Producer
        self.module.Consumer = Consumer
        self.module.TopicPartition = lambda topic, partition, offset: (topic, partition, offset)
        self.module.OFFSET_BEGINNING = -2
        self.module.OFFSET_END = -1


class Helpers(unittest.TestCase):
    def setUp(self):
        self.kafka = _FakeKafka()
        self._saved = sys.modules.get("confluent_kafka")
        sys.modules["confluent_kafka"] = self.kafka.module
        from convexstream import client
        self.client = client

    def tearDown(self):
        if self._saved is None:
            del sys.modules["confluent_kafka"]
        else:
            sys.modules["confluent_kafka"] = self._saved

    def test_loads_go_to_router_loads_keyed_by_model_and_layer(self):
        p = self.client.Producer("broker:9092")
        p.loads("moe", 3, 41, rank=1, ranks=2, tokens_per_expert=[5, 0, 7], bias_version=40, event_time=1000)
        p.flush()
        (topic, key, value), = self.kafka.sent
        self.assertEqual((topic, key), ("convexstream.router-loads", b"moe/3"))
        self.assertEqual(avro.decode("RouterLoadReport", value),
                         {"modelId": "moe", "layer": 3, "globalStep": 41, "rank": 1, "expectedRanks": 2,
                          "tokensPerExpert": [5, 0, 7], "biasVersion": 40, "eventTime": 1000})

    def test_a_secured_brokers_user_file_becomes_the_client_configuration(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".properties", delete=False) as f:
            f.write("# librdkafka client properties\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
                    "sasl.username=convexstream-clients\nsasl.password=a=b-c\nssl.ca.location=/users/ca.crt\n")
        try:
            self.client.Producer("broker:9093", **self.client.load_config(f.name))
        finally:
            os.unlink(f.name)
        conf = self.kafka.configs[-1]
        self.assertEqual(conf["security.protocol"], "SASL_SSL")
        self.assertEqual(conf["sasl.password"], "a=b-c")  # split at the first '=' only
        self.assertEqual((conf["sasl.username"], conf["ssl.ca.location"]), ("convexstream-clients", "/users/ca.crt"))

    def test_events_with_named_features_and_their_feedback_go_to_the_loops_topics(self):
        p = self.client.Producer("b")
        p.event("ctr", "ev-1", {"country=FR": 1, "hour": 0.5}, event_time=1000)
        p.event("ctr", "ev-2", {7: 1.0, 2: -1.0}, dim=16, event_time=1001)
        p.feedback("ctr", "ev-1", 1, event_time=31000)
        p.flush()
        (t1, k1, v1), (t2, _, v2), (t3, k3, v3) = self.kafka.sent
        self.assertEqual((t1, k1, t2, t3, k3), ("convexstream.events", b"ctr", "convexstream.events", "convexstream.feedback", b"ctr"))
        self.assertEqual(avro.decode("LearningEvent", v1),
                         {"modelId": "ctr", "eventId": "ev-1", "features": None, "namedFeatures": {"country=FR": 1.0, "hour": 0.5},
                          "eventTime": 1000})
        self.assertEqual(avro.decode("LearningEvent", v2)["features"], {"dim": 16, "indices": [2, 7], "values": [-1.0, 1.0]})
        self.assertEqual(avro.decode("Feedback", v3), {"modelId": "ctr", "eventId": "ev-1", "label": 1.0, "weight": 1.0, "eventTime": 31000})

    def test_sparse_gradients_sort_their_indices(self):
        self.client.Producer("b").gradient("m", 7, {9: 1.0, 2: -1.0}, dim=10, event_time=5)
        g = avro.decode("Gradient", self.kafka.sent[0][2])
        self.assertEqual(g["gradient"], {"dim": 10, "indices": [2, 9], "values": [-1.0, 1.0]})

    def test_bias_reader_keeps_the_newest_version_of_its_model(self):
        def update(model, layer, step, epoch=1):
            return avro.encode("ExpertBiasUpdate", {"modelId": model, "layer": layer, "step": step, "biases": [float(step)],
                                                    "maxViolation": step / 10.0, "metrics": {"maxVioGlobal": 0.5}, "eventTime": 7,
                                                    "runEpoch": epoch})
        r = self.client.BiasReader("b", "moe", read_committed=False)
        conf = self.kafka.configs[-1]
        self.assertEqual(conf["isolation.level"], "read_uncommitted")
        self.assertEqual((conf["fetch.wait.max.ms"], conf["fetch.min.bytes"]), (500, 1))  # long-poll: idle readers cost the broker little
        self.kafka.feed = [update("moe", 0, 5), update("other", 0, 9), update("moe", 0, 4), b"junk", update("moe", 1, 2)]
        u = r.wait_for(0, 5, timeout=1)
        self.assertEqual((u.biases, u.step, u.run_epoch, u.max_violation, u.metrics, u.event_time),
                         ([5.0], 5, 1, 0.5, {"maxVioGlobal": 0.5}, 7))
        self.assertEqual((r.latest(1).biases, r.latest(1).step), ([2.0], 2))
        self.assertIsNone(r.latest(2))
        self.assertEqual(r.max_violation_over_layers(), ((0.5 + 0.2) / 2, 0.5))  # layer 0 at step 5, layer 1 at step 2
        self.assertEqual(r._reader.undecodable, 1)
        self.kafka.feed = [update("moe", 0, 5)]  # a duplicate (at-least-once) changes nothing
        self.assertEqual(r.latest(0).step, 5)
        with self.assertRaises(TimeoutError):
            r.wait_for(0, 6, timeout=0.1)
        self.kafka.feed = [update("moe", 0, 1, epoch=2)]  # a new run epoch (a fresh start) wins
        self.assertEqual((r.latest(0).biases, r.latest(0).run_epoch), ([1.0], 2))


if __name__ == "__main__":
    unittest.main()

"""Kafka helpers for convexstream's topics, on confluent-kafka (imported when a helper is built).

Producers key records as the jobs expect (TOPICS); readers decode records and skip what is not
theirs. Two ways to read outputs, as the job writing them runs:
  read_committed=True  with exactly-once jobs (the default `run`): outputs appear when a checkpoint
                       completes (up to the checkpoint interval, 2 s by default, after the input).
  read_committed=False with `run --delivery AT_LEAST_ONCE`: outputs appear at once; after a failure
                       some may repeat, so keep the one with the highest version (the helpers do).
"""

import collections
import time
import uuid

from . import avro
from .parameters import ParameterAssembler

# topic -> (record type, what the key holds, kind): the Java catalogue (Topic.java), checked by the tests
TOPICS = {
    "convexstream.gradients": ("Gradient", "modelId", "input"),
    "convexstream.examples": ("LabelledExample", "modelId", "input"),
    "convexstream.events": ("LearningEvent", "modelId", "input"),
    "convexstream.feedback": ("Feedback", "modelId", "input"),
    "convexstream.parameters": ("ParameterUpdate", "modelId", "output"),
    "convexstream.predictions": ("Prediction", "modelId", "output"),
    "convexstream.champions": ("ChampionDecision", "modelId", "output"),
    "convexstream.router-loads": ("RouterLoadReport", "modelId/layer", "input"),
    "convexstream.router-scores": ("RouterScoreBatch", "modelId/layer", "input"),
    "convexstream.expert-biases": ("ExpertBiasUpdate", "modelId/layer", "output"),
    "convexstream.placement-plans": ("PlacementPlan", "modelId/layer", "output"),
    "convexstream.market-ticks": ("MarketTick", "asset", "input"),
    "convexstream.market-bars": ("MarketBar", "asset", "input"),
    "convexstream.portfolio-decisions": ("PortfolioDecision", "portfolioId", "output"),
    "convexstream.dead-letters": ("DeadLetter", "sourceTopic", "dead_letter"),
}
MAX_MESSAGE_BYTES = 8 * 1024 * 1024  # every topic's max.message.bytes


def topic_name(topic):
    """The full topic name of "gradients" or "convexstream.gradients"."""
    name = topic if topic in TOPICS else "convexstream." + topic
    if name not in TOPICS:
        raise KeyError("unknown topic %s; the topics are %s" % (topic, sorted(TOPICS)))
    return name


def key_of(topic, record):
    """The Kafka key of a record on a topic: its key fields joined by '/' (e.g. "moe/3")."""
    return "/".join(str(record[f]) for f in TOPICS[topic_name(topic)][1].split("/"))


def now_ms():
    return int(time.time() * 1000)


def load_config(path):
    """librdkafka client properties from a file of key=value lines ('#' comments), such as the
    USER.librdkafka.properties that `convexstream broker --secure` writes (SASL/PLAIN inside TLS):
    Producer(bootstrap, **load_config(path))."""
    conf = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                conf[key.strip()] = value.strip()
    return conf


def _vector(values, dim=None):
    """A NumericVector: a list (dense) or an {index: value} dict (sparse, with `dim`), indices sorted."""
    if isinstance(values, dict):
        indices = sorted(values)
        return {"dim": dim, "indices": indices, "values": [float(values[i]) for i in indices]}
    return {"dim": len(values) if dim is None else dim, "indices": None, "values": [float(v) for v in values]}


class Producer:
    """Sends records (dicts) to convexstream topics in the wire format, keyed as the jobs expect."""

    def __init__(self, bootstrap, **config):
        from confluent_kafka import Producer as KafkaProducer
        conf = {"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 0,
                "message.max.bytes": MAX_MESSAGE_BYTES + 1024}
        conf.update(config)
        self._producer = KafkaProducer(conf)
        self._errors = []

    def send(self, topic, record):
        name = topic_name(topic)
        value = avro.encode(TOPICS[name][0], record)
        self._producer.produce(name, key=key_of(name, record).encode("utf-8"), value=value, on_delivery=self._delivered)
        self._producer.poll(0)

    def _delivered(self, err, msg):
        if err is not None:
            self._errors.append(err)

    def flush(self, timeout=30.0):
        """Waits until every record sent is acknowledged; raises if any failed."""
        left = self._producer.flush(timeout)
        if left or self._errors:
            raise RuntimeError("%d records not delivered: %s" % (left, self._errors[:3]))

    # -- one call per kind of input

    def gradient(self, model_id, step, values, dim=None, producer_id="python", loss=None, event_time=None):
        """A gradient: `values` a list (dense) or a {index: value} dict (sparse, with `dim`)."""
        vector = _vector(values, dim)
        self.send("gradients", {"modelId": model_id, "step": step, "producerId": producer_id, "gradient": vector,
                                "loss": loss, "eventTime": now_ms() if event_time is None else avro.millis(event_time)})

    def event(self, model_id, event_id, features, dim=None, event_time=None):
        """An event for the learning loop (job `events`) to score now and learn from when its feedback comes: `features`
        a {name: value} dict (hashed by the job into its features.dim, as convexstream.features does), a {index: value}
        dict (sparse, with `dim`) or a list (dense)."""
        named = None
        vector = None
        if isinstance(features, dict) and all(isinstance(k, str) for k in features):
            named = {k: float(v) for k, v in features.items()}
        else:
            vector = _vector(features, dim)
        self.send("events", {"modelId": model_id, "eventId": event_id, "features": vector, "namedFeatures": named,
                             "eventTime": now_ms() if event_time is None else avro.millis(event_time)})

    def feedback(self, model_id, event_id, label, weight=1.0, event_time=None):
        """The outcome of event `event_id`: label -1/+1 (logistic, hinge) or a real value (squared, Huber)."""
        self.send("feedback", {"modelId": model_id, "eventId": event_id, "label": float(label), "weight": float(weight),
                               "eventTime": now_ms() if event_time is None else avro.millis(event_time)})

    def loads(self, model_id, layer, step, rank, ranks, tokens_per_expert, bias_version=-1, event_time=None):
        """This rank's tokens per expert of one MoE layer at one global step, and the bias version it routed with."""
        self.send("router-loads", {"modelId": model_id, "layer": layer, "globalStep": step, "rank": rank, "expectedRanks": ranks,
                                   "tokensPerExpert": [int(c) for c in tokens_per_expert], "biasVersion": bias_version,
                                   "eventTime": now_ms() if event_time is None else avro.millis(event_time)})

    def bar(self, asset, start, end, open, high, low, close, volume=0.0):
        """One OHLC bar; `start`/`end` in epoch ms or datetimes."""
        self.send("market-bars", {"asset": asset, "eventTime": avro.millis(start), "endTime": avro.millis(end), "open": open,
                                  "high": high, "low": low, "close": close, "volume": volume})

    def tick(self, asset, time_ms, price, volume=0.0):
        self.send("market-ticks", {"asset": asset, "eventTime": avro.millis(time_ms), "price": price, "volume": volume})

    def close(self):
        self.flush()


class Reader:
    """Reads one topic's records, decoded: from the end (new records only) or from the beginning."""

    def __init__(self, bootstrap, topic, from_beginning=False, read_committed=True, **config):
        from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING, OFFSET_END
        self.topic = topic_name(topic)
        self.type = TOPICS[self.topic][0]
        conf = {"bootstrap.servers": bootstrap, "group.id": "convexstream-python-" + uuid.uuid4().hex,
                "enable.auto.commit": False, "isolation.level": "read_committed" if read_committed else "read_uncommitted",
                "fetch.wait.max.ms": 5, "fetch.message.max.bytes": MAX_MESSAGE_BYTES}
        conf.update(config)
        self._consumer = Consumer(conf)
        partitions = self._consumer.list_topics(self.topic, timeout=10).topics[self.topic].partitions
        start = OFFSET_BEGINNING if from_beginning else OFFSET_END
        self._consumer.assign([TopicPartition(self.topic, p, start) for p in partitions])
        self.undecodable = 0

    def poll(self, timeout=0.1):
        """The records that arrived within `timeout` seconds (a list of dicts, maybe empty)."""
        out = []
        # poll returns at the first record; consume waits for a full batch or the timeout, so it only drains
        first = self._consumer.poll(timeout)
        for msg in ([first] + self._consumer.consume(num_messages=1000, timeout=0)) if first is not None else []:
            if msg.error():
                continue  # e.g. partition EOF events
            try:
                out.append(avro.decode(self.type, msg.value()))
            except avro.DecodeError:
                self.undecodable += 1
        return out

    def close(self):
        self._consumer.close()


class BiasUpdate(collections.namedtuple("BiasUpdate", "biases step run_epoch max_violation metrics event_time")):
    """One step's expert biases of a (model, layer) as the balancer published them.

    `biases`: float per expert (float32 values); `step`: the global step whose loads made them, the
    biases' version within a run; `run_epoch`: which run of the layer made them (a fresh start has a
    larger one); `max_violation`: MaxVio of that step's loads, (max load - mean) / mean; `metrics`:
    the other balance figures by name (e.g. maxVioGlobal over the job's window, idleExperts).
    """

    @staticmethod
    def of(record):
        return BiasUpdate(record["biases"], record["step"], record["runEpoch"], record["maxViolation"], dict(record.get("metrics") or {}),
                          record["eventTime"])


class BiasReader:
    """The MoE trainer's side of the balancer: the latest expert biases per (model, layer), by version.

    Keeps, per layer, the update with the largest (runEpoch, step): duplicates and stale updates
    (at-least-once mode, restarts) are harmless. Call `wait_for` before routing step s+1 with the
    biases of step s, or `latest` to route with whatever arrived (and report its `step` as the
    version). Both return a `BiasUpdate`.

    Fetches long-poll (`fetch.wait.max.ms` 500 with `fetch.min.bytes` 1): the broker answers a
    fetch as soon as a record is there, so waiting costs no latency, and an idle reader asks about
    twice a second instead of hundreds of times.
    """

    def __init__(self, bootstrap, model_id, read_committed=True, from_beginning=False, **config):
        self.model_id = model_id
        config = dict(config)
        config.setdefault("fetch.wait.max.ms", 500)
        config.setdefault("fetch.min.bytes", 1)
        self._reader = Reader(bootstrap, "expert-biases", from_beginning=from_beginning, read_committed=read_committed, **config)
        self._latest = {}

    def _take(self, updates):
        for u in updates:
            if u["modelId"] != self.model_id:
                continue
            held = self._latest.get(u["layer"])
            if held is None or (u["runEpoch"], u["step"]) > (held.run_epoch, held.step):
                self._latest[u["layer"]] = BiasUpdate.of(u)

    def latest(self, layer, poll_timeout=0.0):
        """The layer's newest `BiasUpdate` after reading what has arrived; None before any."""
        self._take(self._reader.poll(poll_timeout))
        return self._latest.get(layer)

    def wait_for(self, layer, step, timeout=10.0):
        """The layer's `BiasUpdate` once the update of `step` (or later) arrived; raises TimeoutError after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            u = self._latest.get(layer)
            if u is not None and u.step >= step:
                return u
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no biases for %s layer %d at step %d within %.1f s" % (self.model_id, layer, step, timeout))
            self._take(self._reader.poll(min(left, 0.05)))

    def max_violation_over_layers(self):
        """(mean, max) of MaxVio over the layers' newest updates, the two per-model figures trainers log; None before any.

        Call it once every layer has the step (after `wait_for` on each): then both are the step's.
        """
        vios = [u.max_violation for u in self._latest.values()]
        return (sum(vios) / len(vios), max(vios)) if vios else None

    def close(self):
        self._reader.close()


class ParameterReader:
    """Whole parameter vectors from the parameters topic (snapshots, deltas and chunks assembled)."""

    def __init__(self, bootstrap, from_beginning=True, read_committed=True, **config):
        self._reader = Reader(bootstrap, "parameters", from_beginning=from_beginning, read_committed=read_committed, **config)
        self.assembler = ParameterAssembler()

    def poll(self, timeout=0.1):
        """Models completed by the records that arrived (parameters.Model, newest versions)."""
        return [m for m in (self.assembler.accept(u) for u in self._reader.poll(timeout)) if m is not None]

    def latest(self, model_id):
        return self.assembler.latest(model_id)

    def close(self):
        self._reader.close()

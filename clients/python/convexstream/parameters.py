"""Whole parameter vectors from the parameters topic: snapshots, deltas and chunks put back together.

The same protocol as the Java ParameterAssembler (docs/ARCHITECTURE.md, parameter publication):
a publication is `chunks` records of one (runEpoch, version); baseVersion 0 is a snapshot (start from
zeros), otherwise a delta on top of exactly that version. Feed records of a model in topic order.
"""

import array
import struct
import sys


def entries(packed):
    """(index, value) pairs of a PackedVector dict: little-endian int32 indices and float64 values."""
    values = array.array("d")
    values.frombytes(packed["values"])
    indices = array.array("i")
    indices.frombytes(packed["indices"])
    if sys.byteorder == "big":
        values.byteswap()
        indices.byteswap()
    if indices:
        if len(indices) != len(values):
            raise ValueError("%d indices for %d values" % (len(indices), len(values)))
        return zip(indices, values)
    return zip(range(packed["offset"], packed["offset"] + len(values)), values)


class Model:
    """A model's parameters at one complete version; `parameters` is a list of floats (the assembler's own, changed by later deltas)."""

    def __init__(self, model_id, run_epoch, version, step, event_time, parameters, metrics):
        self.model_id = model_id
        self.run_epoch = run_epoch
        self.version = version
        self.step = step
        self.event_time = event_time
        self.parameters = parameters
        self.metrics = metrics

    def __repr__(self):
        return "Model(%s, version %d, step %d, dim %d)" % (self.model_id, self.version, self.step, len(self.parameters))


class ParameterAssembler:
    """Reads ParameterUpdate records (dicts) back into whole vectors; accept() returns a Model when a publication completes."""

    def __init__(self):
        self.models = {}
        self.pending = {}
        self.skipped = 0

    def accept(self, u):
        model_id = u["modelId"]
        current = self.models.get(model_id)
        if current is not None and (u["runEpoch"], u["version"]) <= (current.run_epoch, current.version):
            return None  # a duplicate or an older version
        packed = u["values"]
        if packed is None and u.get("parameters") is not None:  # schema versions 1 and 2: boxed, one chunk
            v = u["parameters"]
            packed = {"dim": v["dim"], "offset": 0, "indices": b"", "values": b""}
            x = [0.0] * v["dim"]
            for k, value in enumerate(v["values"]):
                x[k if v["indices"] is None else v["indices"][k]] = value
            packed["values"] = struct.pack("<%dd" % len(x), *x)
        if packed is None:
            self.skipped += 1
            return None
        chunks = self.pending.get(model_id)
        if u["chunk"] == 0:
            chunks = []
            self.pending[model_id] = chunks
        elif not chunks or (chunks[0][0]["runEpoch"], chunks[0][0]["version"]) != (u["runEpoch"], u["version"]) \
                or len(chunks) != u["chunk"]:
            self.skipped += 1  # a chunk whose predecessors were not read
            return None
        chunks.append((u, packed))
        if u["chunk"] < u["chunks"] - 1:
            return None
        del self.pending[model_id]
        dim = packed["dim"]
        if u["baseVersion"] == 0:
            x = [0.0] * dim
        elif current is not None and current.run_epoch == u["runEpoch"] and current.version == u["baseVersion"] \
                and len(current.parameters) == dim:
            x = current.parameters
        else:
            self.skipped += len(chunks)
            return None  # a delta without its base: wait for the next snapshot
        for _, p in chunks:
            for i, v in entries(p):
                x[i] = v
        m = Model(model_id, u["runEpoch"], u["version"], u["step"], u["eventTime"], x, dict(u["metrics"]))
        self.models[model_id] = m
        return m

    def latest(self, model_id):
        return self.models.get(model_id)

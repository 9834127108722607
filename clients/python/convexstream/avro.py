"""convexstream's wire format in the standard library alone.

Every message is Avro single-object encoding: the marker bytes C3 01, the writer schema's
fingerprint (CRC-64-AVRO of its parsing canonical form, 8 bytes little-endian), then the Avro
binary body. Records are plain Python values: dicts for records, lists, str, int, float, bytes,
None; timestamps are int epoch milliseconds (a datetime is accepted when encoding). A union takes
the first branch the value fits; fields left out of a dict take their schema defaults.

The schemas are the Java side's, checked in under schemas/ and kept equal to it by the Java build
(GoldenVectorsTest); docs/WIRE-FORMAT.md explains the format with worked bytes.
"""

import datetime
import json
import os
import struct

MARKER = b"\xc3\x01"
_SCHEMA_DIR = os.path.join(os.path.dirname(__file__), "schemas")
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


class DecodeError(ValueError):
    """A message that is not a record of the expected type, with the reason."""


# ---------------------------------------------------------------- canonical form and fingerprint

def canonical_form(schema):
    """The Parsing Canonical Form of a schema (a parsed JSON value), as Avro's specification defines it.

    Only name, type, fields, symbols, items, values and size are kept (logical types, docs and defaults go),
    names become full names, and named types are written in full once, then by name.
    """
    return _canonical(schema, None, set())


def _canonical(s, namespace, seen):
    if isinstance(s, str):
        if s in _PRIMITIVES:
            return json.dumps(s)
        full = _full_name(s, namespace)
        return json.dumps(full)
    if isinstance(s, list):
        return "[" + ",".join(_canonical(b, namespace, seen) for b in s) + "]"
    t = s["type"]
    if t in ("record", "error", "enum", "fixed"):
        full = _full_name(s["name"], s.get("namespace", namespace))
        if full in seen:
            return json.dumps(full)
        seen.add(full)
        inner = full.rsplit(".", 1)[0] if "." in full else None
        out = '{"name":' + json.dumps(full) + ',"type":' + json.dumps("record" if t == "error" else t)
        if t in ("record", "error"):
            fields = ",".join('{"name":' + json.dumps(f["name"]) + ',"type":' + _canonical(f["type"], inner, seen) + "}"
                              for f in s["fields"])
            out += ',"fields":[' + fields + "]"
        elif t == "enum":
            out += ',"symbols":[' + ",".join(json.dumps(x) for x in s["symbols"]) + "]"
        else:
            out += ',"size":' + str(int(s["size"]))
        return out + "}"
    if t == "array":
        return '{"type":"array","items":' + _canonical(s["items"], namespace, seen) + "}"
    if t == "map":
        return '{"type":"map","values":' + _canonical(s["values"], namespace, seen) + "}"
    return _canonical(t, namespace, seen)  # {"type": "long", "logicalType": ...} and the like


def _full_name(name, namespace):
    return name if "." in name or not namespace else namespace + "." + name


_EMPTY = 0xC15D213AA4D7A795
_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_EMPTY & -(_fp & 1))
    _TABLE.append(_fp & 0xFFFFFFFFFFFFFFFF)


def fingerprint(canonical):
    """CRC-64-AVRO of a canonical form (str), as the 8 bytes that follow C3 01 on the wire."""
    fp = _EMPTY
    for b in canonical.encode("utf-8"):
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return struct.pack("<Q", fp)


# ---------------------------------------------------------------- schemas

class Schema:
    """One record type: its JSON schema, canonical form and fingerprint, with named types resolved."""

    def __init__(self, schema):
        self.json = schema
        self.name = _full_name(schema["name"], schema.get("namespace"))
        self.canonical = canonical_form(schema)
        self.fingerprint = fingerprint(self.canonical)
        self.named = {}
        _collect_named(schema, schema.get("namespace"), self.named)

    def resolve(self, s, namespace=None):
        """The definition of a type reference (a named type's name gives its definition)."""
        if isinstance(s, str) and s not in _PRIMITIVES:
            return self.named[_full_name(s, namespace)] if _full_name(s, namespace) in self.named else self.named[s]
        return s


def _collect_named(s, namespace, named):
    if isinstance(s, list):
        for b in s:
            _collect_named(b, namespace, named)
    elif isinstance(s, dict):
        t = s["type"]
        if t in ("record", "error", "enum", "fixed"):
            full = _full_name(s["name"], s.get("namespace", namespace))
            named[full] = s
            named.setdefault(s["name"], s)
            inner = full.rsplit(".", 1)[0] if "." in full else None
            for f in s.get("fields", []):
                _collect_named(f["type"], inner, named)
        elif t == "array":
            _collect_named(s["items"], namespace, named)
        elif t == "map":
            _collect_named(s["values"], namespace, named)


def _load():
    loaded = {}
    for f in sorted(os.listdir(_SCHEMA_DIR)):
        if f.endswith(".avsc"):
            with open(os.path.join(_SCHEMA_DIR, f), encoding="utf-8") as fh:
                s = Schema(json.load(fh))
            loaded[s.name] = s
    return loaded


_SCHEMAS = _load()  # at import: threads then only read it


def schema(name):
    """The Schema of a record type by full or short name (e.g. "Gradient")."""
    full = name if name in _SCHEMAS else "io.convexstream.schemas." + name
    if full not in _SCHEMAS:
        raise KeyError("unknown record type %s; known: %s" % (name, sorted(_SCHEMAS)))
    return _SCHEMAS[full]


def schemas():
    """Every record type's Schema, by full name."""
    return dict(_SCHEMAS)


# ---------------------------------------------------------------- binary encoding

def encode(type_name, record):
    """The message bytes of a record (a dict) of the named type: C3 01, fingerprint, Avro binary body."""
    s = schema(type_name)
    out = bytearray(MARKER + s.fingerprint)
    _write(s, s.json, record, out, None, s.name)
    return bytes(out)


def decode(type_name, message):
    """The record (a dict) in a message of the named type; DecodeError says why not."""
    s = schema(type_name)
    if len(message) < 10 or message[:2] != MARKER:
        raise DecodeError("not an Avro single-object message (it starts %s, not c3 01)" % message[:2].hex())
    if message[2:10] != s.fingerprint:
        raise DecodeError("schema fingerprint %s is not %s's current %s (see `convexstream schemas`)"
                          % (message[2:10].hex(), s.name, s.fingerprint.hex()))
    reader = _Reader(message, 10)
    try:
        value = _read(s, s.json, reader, None)
    except (IndexError, struct.error, UnicodeDecodeError) as e:
        raise DecodeError("malformed %s body: %s" % (s.name, e)) from e
    if reader.pos != len(message):
        raise DecodeError("malformed %s body: %d bytes left over" % (s.name, len(message) - reader.pos))
    return value


def _zigzag(n, out):
    n = (n << 1) ^ (n >> 63)
    n &= 0xFFFFFFFFFFFFFFFF
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _write(s, t, v, out, ns, path):
    t = s.resolve(t, ns)
    if isinstance(t, list):
        for i, branch in enumerate(t):
            if _fits(s, branch, v, ns):
                _zigzag(i, out)
                _write(s, branch, v, out, ns, path)
                return
        raise ValueError("%s: %r fits no branch of %s" % (path, v, t))
    kind = t if isinstance(t, str) else t["type"]
    if isinstance(t, dict) and kind not in ("record", "error", "enum", "fixed", "array", "map"):
        _write(s, kind, v, out, ns, path)  # a primitive with a logical type
        return
    if kind == "null":
        if v is not None:
            raise ValueError("%s: expected None, got %r" % (path, v))
    elif kind == "boolean":
        out.append(1 if v else 0)
    elif kind in ("int", "long"):
        if isinstance(v, datetime.datetime):
            v = millis(v)
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError("%s: expected an integer, got %r" % (path, v))
        _zigzag(v, out)
    elif kind == "float":
        out += struct.pack("<f", v)
    elif kind == "double":
        out += struct.pack("<d", v)
    elif kind in ("bytes", "string"):
        b = v.encode("utf-8") if kind == "string" else bytes(v)
        _zigzag(len(b), out)
        out += b
    elif kind == "fixed":
        out += bytes(v)
    elif kind == "enum":
        _zigzag(t["symbols"].index(v), out)
    elif kind == "array":
        v = list(v)
        if v:
            _zigzag(len(v), out)
            for i, item in enumerate(v):
                _write(s, t["items"], item, out, ns, "%s[%d]" % (path, i))
        out.append(0)
    elif kind == "map":
        if v:
            _zigzag(len(v), out)
            for k, item in v.items():
                _write(s, "string", k, out, ns, path)
                _write(s, t["values"], item, out, ns, "%s.%s" % (path, k))
        out.append(0)
    else:  # record
        inner = _namespace_of(t, ns)
        for f in t["fields"]:
            if f["name"] in v:
                value = v[f["name"]]
            elif "default" in f:
                value = _default(s, f["type"], f["default"], inner)
            else:
                raise ValueError("%s.%s: missing (the field has no default)" % (path, f["name"]))
            _write(s, f["type"], value, out, inner, "%s.%s" % (path, f["name"]))


def _namespace_of(t, ns):
    full = _full_name(t["name"], t.get("namespace", ns))
    return full.rsplit(".", 1)[0] if "." in full else None


def _default(s, t, d, ns):
    """A field default as a value: a union's default belongs to its first branch; bytes defaults are text."""
    t = s.resolve(t, ns)
    first = t[0] if isinstance(t, list) else t
    kind = first if isinstance(first, str) else first.get("type")
    if kind in ("bytes", "fixed") and isinstance(d, str):
        return d.encode("latin-1")
    return d


def _fits(s, t, v, ns):
    t = s.resolve(t, ns)
    kind = t if isinstance(t, str) else t["type"]
    if isinstance(t, dict) and kind not in ("record", "error", "enum", "fixed", "array", "map"):
        kind = kind if isinstance(kind, str) else "record"
    return {
        "null": lambda: v is None,
        "boolean": lambda: isinstance(v, bool),
        "int": lambda: isinstance(v, int) and not isinstance(v, bool) and -2 ** 31 <= v < 2 ** 31,
        "long": lambda: (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, datetime.datetime),
        "float": lambda: isinstance(v, (int, float)) and not isinstance(v, bool),
        "double": lambda: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bytes": lambda: isinstance(v, (bytes, bytearray)),
        "fixed": lambda: isinstance(v, (bytes, bytearray)) and len(v) == t["size"],
        "string": lambda: isinstance(v, str),
        "enum": lambda: isinstance(v, str) and v in t["symbols"],
        "array": lambda: isinstance(v, (list, tuple)),
        "map": lambda: isinstance(v, dict),
        "record": lambda: isinstance(v, dict),
        "error": lambda: isinstance(v, dict),
    }[kind]()


class _Reader:
    def __init__(self, data, pos):
        self.data = memoryview(data)
        self.pos = pos

    def long(self):
        shift = 0
        n = 0
        while True:
            b = self.data[self.pos]
            self.pos += 1
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return (n >> 1) ^ -(n & 1)
            shift += 7
            if shift > 63:
                raise IndexError("varint longer than 10 bytes")

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise IndexError("%d bytes wanted at %d of %d" % (n, self.pos, len(self.data)))
        b = self.data[self.pos:self.pos + n].tobytes()
        self.pos += n
        return b


def _read(s, t, r, ns):
    t = s.resolve(t, ns)
    if isinstance(t, list):
        i = r.long()
        if not 0 <= i < len(t):
            raise IndexError("union index %d of %d branches" % (i, len(t)))
        return _read(s, t[i], r, ns)
    kind = t if isinstance(t, str) else t["type"]
    if isinstance(t, dict) and kind not in ("record", "error", "enum", "fixed", "array", "map"):
        return _read(s, kind, r, ns)
    if kind == "null":
        return None
    if kind == "boolean":
        return r.take(1) != b"\x00"
    if kind in ("int", "long"):
        return r.long()
    if kind == "float":
        return struct.unpack("<f", r.take(4))[0]
    if kind == "double":
        return struct.unpack("<d", r.take(8))[0]
    if kind == "bytes":
        return r.take(r.long())
    if kind == "string":
        return r.take(r.long()).decode("utf-8")
    if kind == "fixed":
        return r.take(t["size"])
    if kind == "enum":
        return t["symbols"][r.long()]
    if kind in ("array", "map"):
        out = [] if kind == "array" else {}
        while True:
            n = r.long()
            if n == 0:
                return out
            if n < 0:  # a block with its byte size
                n = -n
                r.long()
            for _ in range(n):
                if kind == "array":
                    out.append(_read(s, t["items"], r, ns))
                else:
                    k = _read(s, "string", r, ns)
                    out[k] = _read(s, t["values"], r, ns)
    inner = _namespace_of(t, ns)
    return {f["name"]: _read(s, f["type"], r, inner) for f in t["fields"]}


# ---------------------------------------------------------------- Avro's JSON encoding (what `convexstream consume` prints)

def from_json(type_name, obj):
    """A record from Avro's JSON encoding (a parsed dict or a str): unions {"double": 1.5} unwrapped, bytes from text."""
    s = schema(type_name)
    if isinstance(obj, (str, bytes)):
        obj = json.loads(obj)
    return _from_json(s, s.json, obj, None)


def to_json(type_name, record):
    """Avro's JSON encoding of a record, as one line: what `convexstream produce` and kcat -P send."""
    s = schema(type_name)
    return json.dumps(_to_json(s, s.json, record, None), separators=(",", ":"), allow_nan=True)


def _from_json(s, t, v, ns):
    t = s.resolve(t, ns)
    if isinstance(t, list):
        if v is None:
            return None
        (name, inner), = v.items()
        for branch in t:
            bname = _branch_name(s, branch, ns)
            if name in (bname, bname.rsplit(".", 1)[-1]):
                return _from_json(s, branch, inner, ns)
        raise ValueError("no union branch %s in %s" % (name, t))
    kind = t if isinstance(t, str) else t["type"]
    if isinstance(t, dict) and kind not in ("record", "error", "enum", "fixed", "array", "map"):
        return _from_json(s, kind, v, ns)
    if kind in ("bytes", "fixed"):
        return v.encode("latin-1")
    if kind in ("float", "double") and isinstance(v, str):
        return float(v)  # "NaN", "Infinity", "-Infinity"
    if kind == "array":
        return [_from_json(s, t["items"], x, ns) for x in v]
    if kind == "map":
        return {k: _from_json(s, t["values"], x, ns) for k, x in v.items()}
    if kind in ("record", "error"):
        inner = _namespace_of(t, ns)
        return {f["name"]: (_from_json(s, f["type"], v[f["name"]], inner) if f["name"] in v
                            else _default(s, f["type"], f["default"], inner)) for f in t["fields"]}
    return v


def _branch_name(s, branch, ns):
    """A union branch's name in Avro's JSON encoding: a named type's full name, else its type ("double", "array")."""
    b = s.resolve(branch, ns)
    if isinstance(b, str):
        return b
    return _full_name(b["name"], b.get("namespace", ns)) if "name" in b else b["type"]


def _to_json(s, t, v, ns):
    t = s.resolve(t, ns)
    if isinstance(t, list):
        if v is None:
            return None
        for branch in t:
            if _fits(s, branch, v, ns):
                return {_branch_name(s, branch, ns): _to_json(s, branch, v, ns)}
        raise ValueError("%r fits no branch of %s" % (v, t))
    kind = t if isinstance(t, str) else t["type"]
    if isinstance(t, dict) and kind not in ("record", "error", "enum", "fixed", "array", "map"):
        return _to_json(s, kind, v, ns)
    if kind in ("bytes", "fixed"):
        return bytes(v).decode("latin-1")
    if kind in ("int", "long") and isinstance(v, datetime.datetime):
        return millis(v)
    if kind in ("float", "double"):
        return float(v)
    if kind == "array":
        return [_to_json(s, t["items"], x, ns) for x in v]
    if kind == "map":
        return {k: _to_json(s, t["values"], x, ns) for k, x in v.items()}
    if kind in ("record", "error"):
        inner = _namespace_of(t, ns)
        return {f["name"]: _to_json(s, f["type"], v[f["name"]] if f["name"] in v else _default(s, f["type"], f["default"], inner), inner)
                for f in t["fields"]}
    return v


def millis(t):
    """Epoch milliseconds of a datetime (naive ones are taken as UTC), or of an int already in ms."""
    if isinstance(t, datetime.datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=datetime.timezone.utc)
        return int(round(t.timestamp() * 1000))
    return int(t)

"""convexstream's Python client: the wire format (standard library only) and Kafka helpers (confluent-kafka).

    from convexstream import avro                # encode/decode, canonical form, fingerprint
    from convexstream.client import Producer, BiasReader, ParameterReader, Reader
"""

from .avro import DecodeError, decode, encode, fingerprint, from_json, schema, to_json  # noqa: F401

"""Named features into a model's dimension, as the Java side does it (io.convexstream.schemas.features.FeatureHashing).

A feature named n goes to coordinate MurmurHash3_x86_32(UTF-8 bytes of n, seed 0), read as unsigned, modulo the
dimension; values of names that collide add up, in name order. Standard library only.
"""

SEED = 0


def murmur3_32(data, seed=SEED):
    """MurmurHash3 x86_32 of `data` (bytes), as an unsigned 32-bit int."""
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
    h = seed & mask
    n = len(data)
    blocks = n // 4
    for i in range(blocks):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    tail = data[4 * blocks:]
    k = 0
    if len(tail) >= 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if len(tail) >= 1:
        k ^= tail[0]
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
    h ^= n
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    h ^= h >> 16
    return h


def index(name, dim):
    """The coordinate of feature `name` in dimension `dim`."""
    if dim < 1:
        raise ValueError("dimension must be positive: %r" % dim)
    return murmur3_32(name.encode("utf-8")) % dim


def hash_features(features, dim):
    """{name: value} as {coordinate: summed value}, coordinates in increasing order."""
    out = {}
    for name in sorted(features):
        i = index(name, dim)
        out[i] = out.get(i, 0.0) + float(features[name])
    return dict(sorted(out.items()))

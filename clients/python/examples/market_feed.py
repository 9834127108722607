"""A market-data feed in Python: one-second bars of a few assets in, portfolio decisions out.

    ./convexstream run --flink local --job portfolio --bootstrap localhost:9092 \\
        --set portfolio.id=py --set portfolio.assets=AAA,BBB,CCC --set period.ms=1000 \\
        --set portfolio.strategies=ucrp,olmar1,eg --set idleTimeout=1s --set endOfFeed=3s
    python3 examples/market_feed.py --bootstrap localhost:9092 --assets AAA,BBB,CCC

Bars are stamped with their start (eventTime) and end (endTime); decisions are exactly-once outputs,
read read_committed. Three assets leave at least one of the topic's four partitions empty, which
would hold every period open: idleTimeout lets the job go on without it, endOfFeed closes the
last period when the feed stops.
"""

import argparse
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from convexstream.client import Producer, Reader  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", default="localhost:9092")
    ap.add_argument("--assets", default="AAA,BBB,CCC")
    ap.add_argument("--portfolio", default="py")
    ap.add_argument("--periods", type=int, default=20)
    args = ap.parse_args()
    assets = args.assets.split(",")
    rng = random.Random(7)
    price = {a: 100.0 for a in assets}
    producer = Producer(args.bootstrap)
    decisions = Reader(args.bootstrap, "portfolio-decisions")
    start = (int(time.time()) + 1) * 1000
    for k in range(args.periods + 1):
        for a in assets:
            o = price[a]
            c = o * math.exp(rng.gauss(0, 0.01))
            producer.bar(a, start + 1000 * k, start + 1000 * (k + 1), o, max(o, c), min(o, c), c, 1000.0)
            price[a] = c
        producer.flush()
        time.sleep(0.2)
    seen = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not seen or min(d["period"] for d in seen.values()) < args.periods - 1):
        for d in decisions.poll(0.2):
            if d["portfolioId"] == args.portfolio:
                seen[d["strategy"]] = d
    if not seen:
        sys.exit("no decisions of portfolio %s read: is the portfolio job running with portfolio.id=%s?" % (args.portfolio, args.portfolio))
    for s, d in sorted(seen.items()):
        print("%-12s period %3d  wealth %.6f  weights %s" % (s, d["period"], d["wealth"],
                                                             dict(zip(d["assets"], (round(w, 3) for w in d["weights"])))))


if __name__ == "__main__":
    main()

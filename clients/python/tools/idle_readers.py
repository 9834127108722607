"""Broker CPU spent on idle BiasReaders: N readers of convexstream.expert-biases that receive nothing.

Starts N readers in this process (each its own librdkafka consumer, as each rank of a trainer has),
lets them settle, then samples the broker's process CPU time (/proc/PID/stat) over --seconds, and
this process's own. Run against a broker on this machine:

    ./convexstream broker --port 9092 &   # note its PID
    /usr/bin/python3 clients/python/tools/idle_readers.py --broker-pid PID --readers 4,64,256
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from convexstream.client import BiasReader  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", default="localhost:9092")
    ap.add_argument("--broker-pid", type=int, required=True)
    ap.add_argument("--readers", default="4,64,256")
    ap.add_argument("--fetch-wait-ms", default="5,500", help="fetch.wait.max.ms values to compare")
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    print("readers  fetch.wait.max.ms  broker CPU-s/s  readers' process CPU-s/s  (over %.0f s, after 5 s to settle)" % args.seconds)
    for wait in [int(w) for w in args.fetch_wait_ms.split(",")]:
        for n in [int(r) for r in args.readers.split(",")]:
            readers = [BiasReader(args.bootstrap, "idle", **{"fetch.wait.max.ms": wait}) for _ in range(n)]
            time.sleep(5)
            b0, p0, t0 = cpu_seconds(args.broker_pid), time.process_time(), time.monotonic()
            end = t0 + args.seconds
            while time.monotonic() < end:
                for r in readers:
                    r.latest(0)  # what a trainer does between steps: take what arrived, without waiting
                time.sleep(0.1)
            took = time.monotonic() - t0
            print("%7d  %17d  %14.3f  %24.3f" % (n, wait, (cpu_seconds(args.broker_pid) - b0) / took, (time.process_time() - p0) / took),
                  flush=True)
            for r in readers:
                r.close()
            time.sleep(2)


if __name__ == "__main__":
    main()

"""A worker that computes gradients in Python and plays the parameters the job publishes.

Online least squares: at step t the worker sees (a_t, b_t), plays the model's parameters x after
step t-1-lag, and sends the gradient (a_t.x - b_t) a_t. Gradients computed at parameters many steps
old all push the same way and make the learner overshoot, so the worker waits for the parameters it
needs: run the job with at-least-once outputs (visible at once; versions make duplicates harmless):

    ./convexstream run --flink local --job gradients --bootstrap localhost:9092 --set learner=ogd \\
        --delivery AT_LEAST_ONCE --set execution.buffer-timeout.interval=5ms
    python3 examples/gradients_and_parameters.py --bootstrap localhost:9092

With the default exactly-once job add --read-committed and a --lag of a checkpoint's worth of steps.
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from convexstream.client import ParameterReader, Producer  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", default="localhost:9092")
    ap.add_argument("--model", default="py-ls-%d" % int(time.time()))
    ap.add_argument("--dim", type=int, default=4)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lag", type=int, default=0, help="play parameters up to this many steps old")
    ap.add_argument("--read-committed", action="store_true", help="for an exactly-once job")
    args = ap.parse_args()
    rng = random.Random(1)
    truth = [rng.uniform(-0.4, 0.4) for _ in range(args.dim)]  # inside the default domain (a ball of radius 1)
    producer = Producer(args.bootstrap)
    reader = ParameterReader(args.bootstrap, from_beginning=False, read_committed=args.read_committed)
    start = time.monotonic()
    for step in range(1, args.steps + 1):
        deadline = time.monotonic() + 30
        while step > 1 + args.lag and (reader.latest(args.model) is None or reader.latest(args.model).step < step - 1 - args.lag):
            if time.monotonic() > deadline:
                sys.exit("no parameters of %s after step %d within 30 s: is the gradients job running on %s?"
                         % (args.model, step - 1 - args.lag, args.bootstrap))
            reader.poll(0.05)
        m = reader.latest(args.model)
        x = list(m.parameters) if m is not None else [0.0] * args.dim
        a = [rng.gauss(0, 1) for _ in range(args.dim)]
        b = sum(ai * ti for ai, ti in zip(a, truth)) + rng.gauss(0, 0.01)
        residual = sum(ai * xi for ai, xi in zip(a, x)) - b
        producer.gradient(args.model, step, [residual * ai for ai in a], loss=0.5 * residual * residual)
        producer.flush()
    while reader.latest(args.model) is None or reader.latest(args.model).step < args.steps:
        reader.poll(0.05)
    m = reader.latest(args.model)
    err = max(abs(p - t) for p, t in zip(m.parameters, truth))
    print("model %s: %d steps in %.1f s; version %d: parameters %s, truth %s, max distance %.3f"
          % (args.model, args.steps, time.monotonic() - start, m.version, [round(p, 3) for p in m.parameters],
             [round(t, 3) for t in truth], err))


if __name__ == "__main__":
    main()

"""An MoE trainer's side of auxiliary-loss-free load balancing, and its latency from the trainer's side.

Each of --ranks threads plays one data-parallel rank: at every global step it routes --tokens tokens
to top-k of --experts experts by router score + the layer's current expert biases, reports its
tokens per expert (and the bias version it routed with), then waits for the biases of that step
before routing the next one. In a PyTorch trainer the same three calls sit around the forward pass:

    update = bias_reader.latest(layer)                        # or wait_for(layer, step - 1)
    topk = torch.topk(scores + torch.tensor(update.biases), k) # biases select experts, gates use raw scores
    producer.loads(model, layer, step, rank, world, torch.bincount(topk.indices.flatten(), minlength=E).tolist(), update.step)

Latency is measured from the step's last report to the moment this rank can read the step's
biases (the balancer closes a step when every rank reported). Run it against the router-loads job:

    ./convexstream broker &                                   # or any Kafka cluster
    ./convexstream run --bootstrap localhost:9092 --flink local --job router-loads --delivery AT_LEAST_ONCE \\
        --set execution.buffer-timeout.interval=5ms           # low-latency mode
    python3 examples/moe_control_loop.py --bootstrap localhost:9092 --ranks 4 --steps 300

With the default exactly-once job, add --read-committed: biases become readable when a checkpoint
completes, so the latency is about the checkpoint interval.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from convexstream.client import BiasReader, Producer  # noqa: E402


def route(rng, skew, biases, tokens, k):
    """Tokens per expert when each token takes the top-k experts by score + bias."""
    counts = [0] * len(skew)
    for _ in range(tokens):
        scores = [s + rng.gauss(0.0, 1.0) + (biases[i] if biases else 0.0) for i, s in enumerate(skew)]
        for i in sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:k]:
            counts[i] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", default="localhost:9092")
    ap.add_argument("--model", default="moe-py-%d" % int(time.time()))
    ap.add_argument("--layer", type=int, default=0)
    ap.add_argument("--ranks", type=int, default=4)
    ap.add_argument("--experts", type=int, default=16)
    ap.add_argument("--top-k", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=64, help="tokens per rank per step")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20, help="steps left out of the latency figures")
    ap.add_argument("--read-committed", action="store_true", help="for an exactly-once job")
    ap.add_argument("--fetch-wait-ms", type=int, default=500, help="the readers' fetch.wait.max.ms (long-poll; the client's default)")
    args = ap.parse_args()

    skew = [1.5 * (1.0 - i / args.experts) for i in range(args.experts)]  # expert 0 is preferred by the router
    last_report = {}  # step -> time of the step's last report
    lock = threading.Lock()
    latencies = []
    max_vio = []

    def rank(r):
        rng = random.Random(r)
        producer = Producer(args.bootstrap)
        reader = BiasReader(args.bootstrap, args.model, read_committed=args.read_committed, **{"fetch.wait.max.ms": args.fetch_wait_ms})
        biases, version = None, -1
        try:
            for step in range(args.steps):
                counts = route(rng, skew, biases, args.tokens, args.top_k)
                producer.loads(args.model, args.layer, step, r, args.ranks, counts, bias_version=version)
                producer.flush()
                sent = time.monotonic()
                with lock:
                    last_report[step] = max(last_report.get(step, 0.0), sent)
                update = reader.wait_for(args.layer, step, timeout=30)
                biases, version = update.biases, update.step
                readable = time.monotonic()
                if step >= args.warmup:
                    with lock:
                        latencies.append(readable - last_report[step])
                        if r == 0:
                            mean = sum(counts) / len(counts)
                            max_vio.append((max(counts) - mean) / mean)
        finally:
            reader.close()

    threads = [threading.Thread(target=rank, args=(r,)) for r in range(args.ranks)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    if not latencies:
        sys.exit("no latencies measured")
    ms = sorted(1000 * x for x in latencies)
    p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    print("%d ranks x %d steps in %.1f s (%.1f steps/s); last report -> biases readable: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
          "(%d samples after %d warm-up steps); rank 0 MaxVio first 20 steps %.2f, last 20 steps %.2f"
          % (args.ranks, args.steps, took, args.steps / took, p(0.5), p(0.99), ms[-1], len(ms), args.warmup,
             statistics.mean(max_vio[:20]), statistics.mean(max_vio[-20:])))


if __name__ == "__main__":
    main()

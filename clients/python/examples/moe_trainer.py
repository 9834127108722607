"""A small PyTorch MoE language model trained three ways from the same seed: no balancing, ALF-LB in process, ALF-LB through convexstream.

The model: token embedding -> 2 MoE layers (16 experts each, top-2, experts are 2-layer MLPs) -> next-token head,
trained on sequences of a skewed Markov chain (so the router, left alone, overloads a few experts). Routing follows
DeepSeek-V3: sigmoid scores, the per-expert bias added for the top-k *selection only*, gates from the raw scores of the
selected experts. --ranks data-parallel ranks (played in turn by this process) each run their shard of the batch,
gradients are averaged, one optimizer step per global step.

  none       the router alone
  local      ALF-LB in torch: after each step b_i += u * sign(mean - c_i), float32, counts summed over ranks
  service    each rank reports its tokens per expert per layer (`Producer.loads`), and before the next step the
             biases are read back (`BiasReader.wait_for`: staleness 0; with --no-wait, `latest`: whatever arrived).
             An in-process balancer fed the same counts shadows the service, and every step's biases are compared
             with it bit for bit (float32).

Run the router-loads job first, in low-latency mode (rate 1e-3 and the sign rule are its defaults):

    ./convexstream broker --port 9092 &
    ./convexstream run --bootstrap localhost:9092 --flink local --job router-loads --delivery AT_LEAST_ONCE \\
        --set execution.buffer-timeout.interval=5ms --state-dir /tmp/moe-state --fresh &
    /usr/bin/python3 examples/moe_trainer.py --bootstrap localhost:9092 --steps 300 --out moe-trainer

Writes moe-trainer.png (MaxVio and training loss per step, the three runs) and moe-trainer.json (the figures).
Needs torch (Debian: python3-torch) and confluent-kafka (python3-confluent-kafka); matplotlib for the plot.
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


class MoELayer(torch.nn.Module):
    def __init__(self, d, hidden, experts, k):
        super().__init__()
        self.experts, self.k = experts, k
        self.router = torch.nn.Linear(d, experts, bias=False)
        self.w1 = torch.nn.Parameter(torch.randn(experts, d, hidden) * d ** -0.5)
        self.w2 = torch.nn.Parameter(torch.randn(experts, hidden, d) * hidden ** -0.5)

    def forward(self, x, bias):
        """x: (tokens, d); bias: float32 (experts,). Returns the output and the tokens per expert (int64)."""
        scores = torch.sigmoid(self.router(x))
        chosen = torch.topk(scores.detach() + bias, self.k, dim=-1).indices  # the bias picks experts only
        gates = scores.gather(1, chosen)
        gates = gates / gates.sum(-1, keepdim=True)
        out = torch.zeros_like(x)
        for e in range(self.experts):
            token, slot = (chosen == e).nonzero(as_tuple=True)
            if token.numel():
                h = F.gelu(x[token] @ self.w1[e]) @ self.w2[e]
                out.index_add_(0, token, h * gates[token, slot].unsqueeze(-1))
        return x + out, torch.bincount(chosen.flatten(), minlength=self.experts)


class Model(torch.nn.Module):
    def __init__(self, vocab, d, hidden, layers, experts, k):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, d)
        self.moe = torch.nn.ModuleList(MoELayer(d, hidden, experts, k) for _ in range(layers))
        self.norm = torch.nn.LayerNorm(d)
        self.head = torch.nn.Linear(d, vocab)

    def forward(self, tokens, biases):
        x = self.embed(tokens)
        counts = []
        for layer, moe in enumerate(self.moe):
            x, c = moe(x, biases[layer])
            counts.append(c)
        return self.head(self.norm(x)), counts


def alf_lb(biases, counts, rate):
    """One ALF-LB step in float32, the sign rule: b_i += u * sign(mean - c_i), mean of the exact integer counts."""
    mean = counts.sum().item() / counts.numel()
    return biases + torch.tensor(rate, dtype=torch.float32) * torch.sign(mean - counts.double()).float()


def max_vio(counts):
    mean = counts.double().mean().item()
    return (counts.max().item() - mean) / mean


def batches(args):
    """The same token sequences for every mode: a Markov chain whose rows favour a few next tokens."""
    g = torch.Generator().manual_seed(args.seed)
    transitions = torch.softmax(2.5 * torch.randn(args.vocab, args.vocab, generator=g), dim=-1)
    for _ in range(args.steps):
        seq = torch.empty(args.ranks * args.batch, args.length + 1, dtype=torch.long)
        seq[:, 0] = torch.randint(args.vocab, (seq.shape[0],), generator=g)
        for t in range(args.length):
            seq[:, t + 1] = torch.multinomial(transitions[seq[:, t]], 1, generator=g).squeeze(1)
        yield seq


def train(mode, args, kafka=None):
    torch.manual_seed(args.seed)
    model = Model(args.vocab, args.dim, args.hidden, args.layers, args.experts, args.top_k)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    biases = [torch.zeros(args.experts, dtype=torch.float32) for _ in range(args.layers)]
    shadow = [b.clone() for b in biases]
    version = [-1] * args.layers
    figures = {"loss": [], "maxVio": [], "maxVioMax": [], "staleness": [], "mismatches": 0, "compared": 0}
    model_id = "%s-%d" % (args.model, int(time.time() * 1000))  # a fresh balancer state per run
    if kafka is not None:
        kafka[1].model_id = model_id
    for step, seq in enumerate(batches(args), start=1):
        opt.zero_grad()
        per_rank = []
        loss_sum = 0.0
        for rank, shard in enumerate(seq.chunk(args.ranks)):
            logits, counts = model(shard[:, :-1].reshape(-1), biases)
            loss = F.cross_entropy(logits, shard[:, 1:].reshape(-1))
            (loss / args.ranks).backward()
            loss_sum += loss.item() / args.ranks
            per_rank.append(counts)
        opt.step()
        totals = [sum(per_rank[r][layer] for r in range(args.ranks)) for layer in range(args.layers)]  # fixed order
        vios = [max_vio(t) for t in totals]
        figures["loss"].append(loss_sum)
        figures["maxVio"].append(sum(vios) / len(vios))
        figures["maxVioMax"].append(max(vios))
        if mode == "local":
            biases = [alf_lb(biases[layer], totals[layer], args.rate) for layer in range(args.layers)]
        elif mode == "service":
            producer, reader = kafka
            for rank in range(args.ranks):
                for layer in range(args.layers):
                    producer.loads(model_id, layer, step, rank, args.ranks, per_rank[rank][layer].tolist(), bias_version=version[layer])
            producer.flush()
            shadow = [alf_lb(shadow[layer], totals[layer], args.rate) for layer in range(args.layers)]
            for layer in range(args.layers):
                if args.wait:
                    update = reader.wait_for(layer, step, timeout=30)
                else:
                    update = reader.latest(layer)
                if update is None:
                    continue
                biases[layer] = torch.tensor(update.biases, dtype=torch.float32)
                version[layer] = update.step
                figures["staleness"].append(step - update.step)  # 0: the next step routes with this step's biases
                if update.step == step:
                    figures["compared"] += 1
                    figures["mismatches"] += 0 if torch.equal(biases[layer], shadow[layer]) else 1
        if step % 50 == 0 or step == args.steps:
            print("  %-7s step %4d  loss %.3f  MaxVio (mean over layers) %.2f" % (mode, step, loss_sum, figures["maxVio"][-1]),
                  flush=True)
    figures["biases"] = [b.tolist() for b in biases]
    return figures


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    style = {"none": dict(linewidth=1), "local": dict(linewidth=3, alpha=0.5), "service": dict(linewidth=1, linestyle="--")}
    for mode, f in results.items():  # service on top of local, dashed: where they agree, one line shows through the other
        top.plot(range(1, len(f["maxVio"]) + 1), f["maxVio"], label=mode, **style.get(mode, {}))
        bottom.plot(range(1, len(f["loss"]) + 1), f["loss"], label=mode, **style.get(mode, {}))
    top.set_ylabel("MaxVio (global batch, mean over layers)")
    top.set_yscale("log")
    top.legend()
    bottom.set_ylabel("training loss")
    bottom.set_xlabel("step")
    bottom.legend()
    top.set_title("MoE, 16 experts x 2 layers, top-2: no balancing, ALF-LB in torch, ALF-LB through convexstream")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", default="localhost:9092")
    ap.add_argument("--model", default="moe-trainer")
    ap.add_argument("--modes", default="none,local,service")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--ranks", type=int, default=4)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--experts", type=int, default=16)
    ap.add_argument("--top-k", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=64)
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16, help="sequences per rank per step")
    ap.add_argument("--length", type=int, default=32)
    ap.add_argument("--rate", type=float, default=1e-3, help="the job's `rate` (u)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-wait", dest="wait", action="store_false", help="service: route with the newest biases that arrived")
    ap.add_argument("--out", default="moe-trainer", help="writes OUT.json and OUT.png")
    args = ap.parse_args()
    torch.set_num_threads(1)  # the same arithmetic in every run, and the broker and job keep their cores

    results = {}
    for mode in args.modes.split(","):
        kafka = None
        if mode == "service":
            from convexstream.client import BiasReader, Producer
            # one reader for the ranks of this host: each step's biases are read once, not once per rank
            kafka = (Producer(args.bootstrap), BiasReader(args.bootstrap, args.model, read_committed=False))
        started = time.monotonic()
        results[mode] = train(mode, args, kafka)
        results[mode]["seconds"] = time.monotonic() - started
        if kafka is not None:
            kafka[1].close()
    summary = {m: {"finalLoss": sum(f["loss"][-20:]) / 20, "maxVioFirst20": sum(f["maxVio"][:20]) / 20,
                   "maxVioLast100": sum(f["maxVio"][-100:]) / len(f["maxVio"][-100:]), "seconds": round(f["seconds"], 1)}
               for m, f in results.items()}
    if "service" in results:
        s = results["service"]
        summary["service"].update({"stalenessMax": max(s["staleness"], default=None),
                                   "stalenessMean": sum(s["staleness"]) / max(1, len(s["staleness"])), "biasesCompared": s["compared"],
                                   "biasMismatches": s["mismatches"]})
    if "local" in results and "service" in results and args.wait:
        summary["serviceEqualsLocal"] = results["local"]["biases"] == results["service"]["biases"] and \
            results["local"]["loss"] == results["service"]["loss"]
    print(json.dumps(summary, indent=2))
    with open(args.out + ".json", "w") as f:
        json.dump({"summary": summary, "runs": {m: {k: v for k, v in f.items() if k != "biases"} for m, f in results.items()}}, f)
    try:
        plot(results, args.out + ".png")
        print("plot: " + args.out + ".png")
    except ImportError:
        print("no plot: matplotlib is not installed")


if __name__ == "__main__":
    main()

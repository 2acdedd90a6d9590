#!/usr/bin/python3
"""torch_trainer.py: a small real PyTorch trainer that checkpoints through
libckpt: a two-layer classifier on generated data, trained with Adam,
dropout and noisy inputs (so torch's, Python's and NumPy's generators all
matter), saved each epoch by ckpt.torch.CandleCkptPyTorch and resumed from
`last`. A run killed at any moment and started again ends with the same
weights, bit for bit, as one never interrupted. With --distributed it is
one rank of a torch.distributed (gloo) job: every rank trains, rank 0
writes the checkpoints.

    PYTHONPATH=python CKPT_LIBRARY=build/libckpt/libckpt.so.0 \\
        python3 examples/torch_trainer.py /tmp/run --epochs 12
"""

import argparse
import json
import os
import random
import sys

import numpy
import torch

import ckpt.torch


def make_data(seed: int, n: int = 512, dims: int = 10):
    """Generated once from its own generator: the same on every run."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dims, generator=g)
    truth = torch.randn(dims, 3, generator=g)
    y = torch.argmax(x @ truth + 0.5 * torch.randn(n, 3, generator=g), dim=1)
    cut = n * 3 // 4
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def make_model(dims: int = 10):
    return torch.nn.Sequential(torch.nn.Linear(dims, 32), torch.nn.ReLU(),
                               torch.nn.Dropout(0.2), torch.nn.Linear(32, 3))


def weights_text(model) -> str:
    """Every parameter as exact hex floats: equal text, equal bits."""
    return json.dumps({name: [float(v).hex() for v in p.detach().flatten().tolist()]
                       for name, p in model.state_dict().items()}, sort_keys=True)


def train_epoch(model, opt, train, batch, on_batch=None, epoch=0, world=1, rank=0):
    """One pass in a random order (torch's generator) with input noise
    (NumPy's) and a random learning-rate jitter (Python's)."""
    x, y = train
    model.train()
    order = torch.randperm(len(x))
    shard = order[rank::world]
    for b, start in enumerate(range(0, len(shard), batch)):
        idx = shard[start:start + batch]
        noise = torch.from_numpy(numpy.random.normal(0, 0.05, size=tuple(x[idx].shape)))
        for group in opt.param_groups:
            group["lr"] = 0.01 * (0.9 + 0.2 * random.random())
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[idx] + noise.float()), y[idx])
        loss.backward()
        if world > 1:  # average the gradients over the ranks (what DDP does)
            for p in model.parameters():
                torch.distributed.all_reduce(p.grad)
                p.grad /= world
        opt.step()
        if on_batch:
            on_batch(epoch, b)


def evaluate(model, val):
    model.eval()
    with torch.no_grad():
        out = model(val[0])
        loss = torch.nn.functional.cross_entropy(out, val[1]).item()
        acc = (out.argmax(dim=1) == val[1]).float().mean().item()
    return loss, acc


def train(params, seed=1, batch=32, on_batch=None, checkpointer=ckpt.torch.CandleCkptPyTorch):
    """Trains params["epochs"] epochs, resuming from the checkpoint; returns the model."""
    torch.set_num_threads(1)  # the same arithmetic order on every run
    torch.manual_seed(seed)
    random.seed(seed)
    numpy.random.seed(seed)
    world = torch.distributed.get_world_size() if torch.distributed.is_initialized() else 1
    rank = torch.distributed.get_rank() if world > 1 else 0
    train_set, val = make_data(seed)
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    with checkpointer(params, logger=None) as c:
        c.set_model({"model": model, "optimizer": opt})
        info = c.restart()
        start = info["epoch"] if info else 0
        if info:
            print("rank %d resumed after epoch %d" % (rank, start), flush=True)
        for epoch in range(start, params["epochs"]):
            train_epoch(model, opt, train_set, batch, on_batch, epoch, world, rank)
            loss, acc = evaluate(model, val)
            r = c.ckpt_epoch(epoch, loss, val_accuracy=acc)
            print("rank %d epoch %d/%d val_loss=%.6f%s%s" % (
                rank, r.epoch, params["epochs"], loss, " saved" if r.saved else "",
                " best" if r.became_best else ""), flush=True)
        c.report_final()
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", help="the run folder (checkpoints in DIR/ckpts)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=int, default=3, help="ckpt_keep_limit")
    ap.add_argument("--out", help="write the final weights (hex floats, JSON) here")
    ap.add_argument("--distributed", action="store_true",
                    help="one rank of a gloo job (RANK, WORLD_SIZE, MASTER_ADDR/PORT)")
    args = ap.parse_args(argv)
    if args.distributed:
        torch.distributed.init_process_group("gloo")
    params = {"epochs": args.epochs, "ckpt_directory": os.path.join(args.dir, "ckpts"),
              "ckpt_keep_limit": args.keep, "ckpt_checksum": True,
              "ckpt_save_best_metric": "val_loss", "seed": args.seed}
    model = train(params, seed=args.seed)
    if args.out:
        with open(args.out, "w") as f:
            f.write(weights_text(model))
    if args.distributed:
        torch.distributed.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())

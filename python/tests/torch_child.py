#!/usr/bin/python3
"""torch_child.py: examples/torch_trainer.py with kill points for the
kill-and-resume tests. KILL_AT (1-based epochs) is one of
  batch:E:B   SIGKILL itself at batch B of epoch E
  save:E      SIGKILL itself halfway through writing epoch E's model.h5
  saved:E     SIGKILL itself after writing epoch E's model, before libckpt publishes it
DROP_UID=N runs as that user (to prove a follower rank writes nothing).
Arguments are the trainer's."""

import io
import os
import signal
import sys

if os.environ.get("DROP_UID"):
    uid = int(os.environ["DROP_UID"])
    os.setgid(uid)
    os.setuid(uid)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "examples"))
import torch  # noqa: E402
import torch_trainer  # noqa: E402
import ckpt.torch  # noqa: E402

KILL_AT = os.environ.get("KILL_AT", "")


def die():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class KillingCkpt(ckpt.torch.CandleCkptPyTorch):
    def write_model_backend(self, model, epoch):
        if KILL_AT == "save:%d" % epoch:
            buf = io.BytesIO()
            torch.save({"model_state_dict": self.model["model"].state_dict()}, buf)
            with open(self.model_file, "wb") as f:
                f.write(buf.getvalue()[: len(buf.getvalue()) // 2])
                f.flush()
                die()
        super().write_model_backend(model, epoch)
        if KILL_AT == "saved:%d" % epoch:
            die()


def on_batch(epoch0, batch):
    if KILL_AT == "batch:%d:%d" % (epoch0 + 1, batch):
        die()


torch_trainer.train_orig = torch_trainer.train


def train(params, seed=1, batch=32, on_batch_=None, checkpointer=None):
    return torch_trainer.train_orig(params, seed, batch, on_batch, KillingCkpt)


torch_trainer.train = train
sys.exit(torch_trainer.main(sys.argv[1:]))

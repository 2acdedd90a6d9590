"""A real PyTorch training loop (examples/torch_trainer.py, CPU), SIGKILLed
at several points (mid-epoch, halfway through writing a model, after the
model is written but before libckpt publishes it, and at a random moment)
and resumed through ckpt.torch: its final weights equal, bit for bit, an
uninterrupted run's, and its tree has the right best, last and retention
and reads under the original's rules."""

import os
import random
import signal
import sys
import time

import torch  # a missing torch fails this test (never skipped)

import ckpt
import support

sys.path.insert(0, support.EXAMPLES)

EPOCHS, KEEP = 12, 3
CHILD = os.path.join(support.HERE, "torch_child.py")


def trainer(run_dir, out=None, kill_at=None):
    args = [support.PYTHON, CHILD, run_dir, "--epochs", str(EPOCHS), "--keep", str(KEEP)]
    if out:
        args += ["--out", out]
    return support.Launch(args, support.child_env(KILL_AT=kill_at))


class TorchKillAndResume(support.TreeTestCase):
    def reference(self):
        ref_dir = os.path.join(self.tmp, "reference")
        out = os.path.join(self.tmp, "reference.json")
        t = trainer(ref_dir, out)
        self.assertEqual(t.finish(), 0, t.describe())
        with open(out) as f:
            return ref_dir, f.read()

    def killed(self, run_dir, kill_at):
        t = trainer(run_dir, kill_at=kill_at)
        self.assertEqual(t.finish(), -signal.SIGKILL, t.describe())

    def killed_at_random(self, run_dir, rng):
        """Killed from outside a random moment after an epoch line."""
        t = trainer(run_dir)
        if t.wait_for_line(r"epoch \d+/"):
            time.sleep(rng.uniform(0.0, 0.04))
            t.kill()
        t.finish()
        return t

    def test_killed_runs_end_with_the_uninterrupted_weights(self):
        ref_dir, ref_weights = self.reference()
        run_dir = os.path.join(self.tmp, "killed")
        self.killed(run_dir, "batch:3:5")       # mid-epoch
        self.killed(run_dir, "save:5")          # half a model.h5 in work/
        self.killed(run_dir, "saved:7")         # model written, not published
        rng = random.Random(7)
        for _ in range(2):
            self.killed_at_random(run_dir, rng)
        self.killed(run_dir, "batch:12:2")  # in the final epoch
        out = os.path.join(self.tmp, "resumed.json")
        t = trainer(run_dir, out)
        self.assertEqual(t.finish(), 0, t.describe())
        self.assertTrue(any("resumed after epoch" in line for line in t.lines), t.lines)
        with open(out) as f:
            self.assertEqual(f.read(), ref_weights, "resumed weights differ")

        ref, run = ckpt.Run(ref_dir), ckpt.Run(run_dir)
        # The same metric curve, epoch by epoch, in both.
        self.assertEqual(support.history_values(run), support.history_values(ref))
        values = support.history_values(ref)
        best = min(values, key=lambda e: (values[e], e))
        for r in (ref, run):
            self.assertEqual((r.last, r.last_state), (EPOCHS, "ok"))
            self.assertEqual((r.best, r.best_state), (best, "ok"))
            self.assertEqual(r.health_text, "ok")
            self.assertFalse(r.live)
            self.assertTrue(all(e.complete and e.health == "ok" for e in r.epochs))
            self.assertTrue(all(v.result == "ok" for v in r.verify()), r.verify())
            support.check_original_format(self, r.path)
            self.assertEqual(support.original_restart(r.path)["epoch"], EPOCHS)
            self.assertEqual(r.keep_limit, KEEP)
        # The reference: one session, linear retention (SPEC §3).
        self.assertEqual([e.epoch for e in ref.epochs],
                         sorted(support.expected_linear_kept(range(1, EPOCHS + 1), best, KEEP)))
        # The killed run: the last session's saves obey it; earlier sessions'
        # epochs are never touched by a later writer (the original's rule).
        history = run.history()
        self.assertGreaterEqual(history.sessions, 5)
        last_session = [p.epoch for p in history if p.session == history.sessions and p.saved]
        on_disk = {e.epoch for e in run.epochs}
        kept = support.expected_linear_kept(last_session, best, KEEP)
        self.assertEqual(on_disk & set(last_session), kept & set(last_session))

    def test_the_original_loads_what_ckpt_torch_saved(self):
        ref_dir, _ = self.reference()
        root = os.path.join(ref_dir, "ckpts")
        info = support.original_restart(root)
        # The original's CandleCkptPyTorch.build_model reads these keys.
        checkpoint = torch.load(os.path.join(root, "last", "model.h5"))
        self.assertLessEqual({"epoch", "model_state_dict", "optimizer_state_dict", "loss"},
                             set(checkpoint))
        self.assertEqual(checkpoint["epoch"], info["epoch"])
        self.assertIsInstance(checkpoint["loss"], float)
        import torch_trainer
        model = torch_trainer.make_model()
        model.load_state_dict(checkpoint["model_state_dict"])
        opt = torch.optim.Adam(model.parameters())
        opt.load_state_dict(checkpoint["optimizer_state_dict"])

    def test_restart_returns_the_info_with_the_originals_types(self):
        ref_dir, _ = self.reference()
        import torch_trainer
        model = torch_trainer.make_model()
        opt = torch.optim.Adam(model.parameters())
        params = {"epochs": EPOCHS, "ckpt_directory": os.path.join(ref_dir, "ckpts")}
        with ckpt.torch.CandleCkptPyTorch(params, logger=None) as c:
            info = c.restart({"model": model, "optimizer": opt})
        self.assertEqual(info, support.original_restart(os.path.join(ref_dir, "ckpts")))
        self.assertIs(type(info["epoch"]), int)
        self.assertIs(type(info["best_metric_last"]), float)
        saved = torch.load(os.path.join(ref_dir, "ckpts", "last", "model.h5"))
        for name, tensor in model.state_dict().items():
            self.assertTrue(torch.equal(tensor, saved["model_state_dict"][name]), name)
        self.assertTrue(torch.equal(torch.get_rng_state(), saved["rng_state"]["torch"]))


"""The C trainer (examples/logreg.c), SIGKILLed halfway through writing a
model and at random moments, resumed from `last`: its final weights equal
an uninterrupted run's bit for bit (hex floats), and its tree is right and
reads under the original's rules. $CKPT_C_TRAINER names the program."""

import os
import random
import signal
import time

import ckpt
import support

EPOCHS, KEEP, STEPS = 16, 3, 20000
TRAINER = os.environ.get("CKPT_C_TRAINER", os.path.join(support.SOURCE_ROOT, "build",
                                                        "examples", "logreg"))


def trainer(run_dir, out=None, kill_in_save=None):
    args = [TRAINER, run_dir, "--epochs", str(EPOCHS), "--steps", str(STEPS),
            "--rate", "0.00006", "--ckpt_keep_limit=%d" % KEEP]
    if out:
        args += ["--out", out]
    return support.Launch(args, support.child_env(LOGREG_KILL_IN_SAVE=kill_in_save))


class CTrainerKillAndResume(support.TreeTestCase):
    def test_killed_runs_end_with_the_uninterrupted_weights(self):
        self.assertTrue(os.access(TRAINER, os.X_OK), "%s: not built" % TRAINER)
        ref_dir = os.path.join(self.tmp, "reference")
        ref_out = os.path.join(self.tmp, "reference.txt")
        t = trainer(ref_dir, ref_out)
        self.assertEqual(t.finish(), 0, t.describe())

        run_dir = os.path.join(self.tmp, "killed")
        t = trainer(run_dir, kill_in_save=4)  # half a model in work/
        self.assertEqual(t.finish(), -signal.SIGKILL, t.describe())
        rng = random.Random(3)
        kills = 0
        for _ in range(6):  # from outside, at random moments after an epoch
            t = trainer(run_dir)
            if t.wait_for_line(r"^epoch \d+/"):
                time.sleep(rng.uniform(0.0, 0.05))
                t.kill()
            kills += t.finish() == -signal.SIGKILL
        self.assertGreaterEqual(kills, 3, "the trainer ran too fast to be killed")
        out = os.path.join(self.tmp, "resumed.txt")
        t = trainer(run_dir, out)
        self.assertEqual(t.finish(), 0, t.describe())
        with open(ref_out) as a, open(out) as b:
            self.assertEqual(b.read(), a.read(), "resumed weights differ")

        ref, run = ckpt.Run(ref_dir), ckpt.Run(run_dir)
        self.assertEqual(support.history_values(run), support.history_values(ref))
        values = support.history_values(ref)
        best = min(values, key=lambda e: (values[e], e))
        for r in (ref, run):
            self.assertEqual((r.last, r.last_state, r.best, r.best_state),
                             (EPOCHS, "ok", best, "ok"))
            self.assertEqual(r.health_text, "ok")
            self.assertTrue(all(v.result == "ok" for v in r.verify()))
            support.check_original_format(self, r.path)
            self.assertEqual(support.original_restart(r.path)["epoch"], EPOCHS)
            self.assertEqual(sorted(r.epochs[-1].metrics), ["loss", "val_accuracy"])
        self.assertEqual([e.epoch for e in ref.epochs],
                         sorted(support.expected_linear_kept(range(1, EPOCHS + 1), best, KEEP)))
        history = run.history()
        last_session = [p.epoch for p in history if p.session == history.sessions and p.saved]
        kept = support.expected_linear_kept(last_session, best, KEEP)
        self.assertEqual({e.epoch for e in run.epochs} & set(last_session), kept)

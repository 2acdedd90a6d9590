"""ckpt.CandleCkpt itself: extra metrics, exceptions raised by a Python model
writer or loader (their own message and traceback, the tree unchanged: no
half epoch), progress callbacks that raise or cancel, followers that write
nothing, the lock released by `with`, and the reprs."""

import json
import os
import traceback

import ckpt
import support


class Writer(ckpt.CandleCkpt):
    """Writes the model (a bytes object) as model.h5; fails on request."""

    fail_at = None
    loaded = None

    def write_model_backend(self, model, epoch):
        with open(self.model_file, "wb") as f:
            f.write(b"\x89HDF" + bytes([epoch]) * 100)
            if epoch == self.fail_at:
                raise ValueError("disk model broke at epoch %d" % epoch)

    def build_model(self, model_file):
        if self.fail_at == "load":
            raise RuntimeError("cannot load %s" % os.path.basename(model_file))
        with open(model_file, "rb") as f:
            self.loaded = f.read()


def raised_by(fn, *args):
    """The exception fn raises, traceback intact (assertRaises clears it)."""
    try:
        fn(*args)
    except Exception as exc:  # noqa: B902
        return exc
    raise AssertionError("%s raised nothing" % fn.__name__)


def tree_state(root):
    """What a reader sees of a run: every file under epochs/ and the links."""
    state = {}
    for where, dirs, files in os.walk(root):
        for name in files + dirs:
            path = os.path.join(where, name)
            rel = os.path.relpath(path, root)
            if rel in ("ckpt.log", "ckpt.lock", "metrics.jsonl"):
                continue
            if os.path.islink(path):
                state[rel] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    state[rel] = f.read()
    return state


class Candle(support.TreeTestCase):
    def params(self, **extra):
        return dict({"epochs": 5, "ckpt_directory": os.path.join(self.tmp, "ckpts"),
                     "ckpt_checksum": True}, **extra)

    def test_extra_metrics_reach_the_info_history_and_reader(self):
        with Writer(self.params(), logger=None) as c:
            r = c.ckpt_epoch(0, "-", 0.5, loss=0.75, accuracy=0.25)
            self.assertEqual((r.epoch, r.saved, r.became_best, r.best_epoch), (1, True, True, 1))
        with open(os.path.join(self.tmp, "ckpts", "epochs", "001", "ckpt-info.json")) as f:
            info = json.load(f)
        self.assertEqual(info["metric_value"], 0.5)
        self.assertEqual(info["metrics"], {"loss": 0.75, "accuracy": 0.25})
        run = ckpt.Run(self.tmp)
        self.assertEqual(run.epochs[0].metrics, {"loss": 0.75, "accuracy": 0.25})
        history = run.history()
        self.assertEqual(history.extra_names, ["loss", "accuracy"])
        self.assertEqual(history[0].metrics, {"loss": 0.75, "accuracy": 0.25})
        self.assertTrue(history[0].on_disk)
        support.check_original_format(self, run.path)

    def test_a_writer_exception_surfaces_as_itself_and_leaves_no_half_epoch(self):
        c = Writer(self.params(), logger=None)
        self.addCleanup(c.close)
        for epoch in range(2):
            c.ckpt_epoch(epoch, "-", 1.0 - epoch * 0.1)
        before = tree_state(os.path.join(self.tmp, "ckpts"))
        c.fail_at = 3
        exc = raised_by(c.ckpt_epoch, 2, "-", 0.5)
        self.assertIs(type(exc), ValueError)
        self.assertEqual(str(exc), "disk model broke at epoch 3")
        frames = [frame.name for frame in traceback.extract_tb(exc.__traceback__)]
        self.assertIn("write_model_backend", frames)
        notes = getattr(exc, "__notes__", [])
        self.assertTrue(any("model writer failed for epoch 3: disk model broke" in n
                            for n in notes), notes)
        self.assertEqual(tree_state(os.path.join(self.tmp, "ckpts")), before)
        run = ckpt.Run(self.tmp)
        self.assertEqual(([e.epoch for e in run.epochs], run.last, run.work_leftover),
                         ([1, 2], 2, False))
        self.assertEqual([p.epoch for p in run.history()], [1, 2])
        c.fail_at = None  # the same epoch again, now fine
        r = c.ckpt_epoch(2, "-", 0.5)
        self.assertEqual((r.saved, r.became_best, r.best_epoch), (True, True, 3))

    def test_a_loader_exception_surfaces_as_itself(self):
        with Writer(self.params(), logger=None) as c:
            c.ckpt_epoch(0, "-", 0.5)
        with Writer(self.params(), logger=None) as c:
            c.fail_at = "load"
            exc = raised_by(c.restart)
            self.assertIs(type(exc), RuntimeError)
            self.assertEqual(str(exc), "cannot load model.h5")
            self.assertIn("build_model", [f.name for f in traceback.extract_tb(exc.__traceback__)])
            c.fail_at = None
            info = c.restart()
            self.assertEqual(info["epoch"], 1)
            self.assertEqual(c.loaded, b"\x89HDF" + b"\x01" * 100)

    def test_a_writer_without_a_backend_says_so(self):
        with ckpt.CandleCkpt(self.params(), logger=None) as c:
            with self.assertRaisesRegex(NotImplementedError, "write_model_backend"):
                c.ckpt_epoch(0, "-", 0.5)
        self.assertEqual(ckpt.Run(self.tmp).epochs, [])

    def test_progress_callbacks_cancel_and_raise(self):
        with Writer(self.params(), logger=None) as c:
            for epoch in range(3):
                c.ckpt_epoch(epoch, "-", 1.0 / (epoch + 1))
        run = ckpt.Run(self.tmp)
        events = []
        run.verify(progress=events.append)
        self.assertTrue(events and all(e.stage == "verify" for e in events))
        with self.assertRaises(ckpt.CancelledError):
            run.verify(progress=lambda event: True)
        with self.assertRaises(ckpt.CancelledError):
            run.verify(on_item=lambda item: True)

        def interrupt(event):
            raise KeyboardInterrupt()
        with self.assertRaises(KeyboardInterrupt):
            run.verify(progress=interrupt)
        with self.assertRaisesRegex(ZeroDivisionError, "division"):
            ckpt.scan(self.tmp, on_run=lambda r: 1 / 0)
        self.assertEqual([v.result for v in run.verify()], ["ok"] * 3)

    def test_a_follower_decides_alike_and_writes_nothing(self):
        leader = Writer(self.params(), logger=None)
        follower_root = os.path.join(self.tmp, "follower", "ckpts")
        follower = Writer(self.params(ckpt_directory=follower_root), logger=None, rank=1)
        values = [0.9, 0.8, 0.85, 0.7, 0.75]
        for epoch, v in enumerate(values):
            self.assertEqual(leader.ckpt_epoch(epoch, "-", v), follower.ckpt_epoch(epoch, "-", v))
        follower.report_final()
        follower.close()
        leader.close()
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "follower")))
        self.assertEqual(follower.epochs, [1, 2, 3, 4, 5])

    def test_the_rank_comes_from_the_environment(self):
        from ckpt import distributed
        saved = {k: os.environ.pop(k, None) for k in distributed.RANK_VARIABLES}
        self.addCleanup(lambda: [os.environ.__setitem__(k, v) for k, v in saved.items() if v])
        self.assertEqual(distributed.rank(), 0)
        os.environ["SLURM_PROCID"] = "3"
        self.assertEqual(distributed.rank(), 3)
        os.environ["OMPI_COMM_WORLD_RANK"] = "2"
        self.assertEqual(distributed.rank(), 2)
        self.assertEqual(distributed.rank(5), 5)
        os.environ["RANK"] = "1"
        with Writer(self.params(), logger=None) as c:
            self.assertTrue(c.follower)
        for k in distributed.RANK_VARIABLES:
            os.environ.pop(k, None)

    def test_reprs_show_the_facts(self):
        with Writer(self.params(), logger=None) as c:
            c.ckpt_epoch(0, "-", 0.5)
            self.assertIn("saved=[1] best=1 (0.5)", repr(c))
            self.assertIn("rank=0", repr(c))
        self.assertIn("closed", repr(c))
        run = ckpt.Run(self.tmp)
        self.assertRegex(repr(run), r"<Run '.*' epochs=1 best=1 last=1 size=\d+ ok val_loss=0.5>")
        self.assertIn("<Epoch 1 ok", repr(run.epochs[0]))
        self.assertIn("1 points", repr(run.history()))
        self.assertIn("<CleanPlan keep", repr(run.clean_plan()))

    def test_a_closed_writer_refuses(self):
        c = Writer(self.params(), logger=None)
        c.close()
        with self.assertRaisesRegex(ckpt.InvalidError, "closed"):
            c.ckpt_epoch(0, "-", 0.5)
        with self.assertRaisesRegex(ckpt.InvalidError, "direction"):
            Writer(self.params(), logger=None).ckpt_epoch(0, "min", 0.5)

"""The package on every run the Python original wrote (the fixtures):
restart loads the epoch `last` names (relocated links resolved) and returns
its ckpt-info.json with the original's types; the browsing API agrees with
candle-runs.expect.json and, field by field, with the real `ckpt ls --json`,
`ckpt verify --json` and `ckpt history --json` ($CKPT_BIN, else
build/tui/ckpt); rollback, relink and clean act on a copy."""

import json
import math
import os
import subprocess

import ckpt
import support

CKPT_BIN = os.environ.get("CKPT_BIN", os.path.join(support.SOURCE_ROOT, "build", "tui", "ckpt"))


def number(value):
    """A JSON output number ("inf" strings for non-finite) as a float."""
    return float(value) if isinstance(value, str) else value


class Loader(ckpt.CandleCkpt):
    loaded = None

    def build_model(self, model_file):
        self.loaded = model_file


class Fixtures(support.TreeTestCase):
    def setUp(self):
        super().setUp()
        self.exp = support.unpack_fixtures(self.tmp)
        with open(os.path.join(support.fixtures_dir(), "candle-runs.expect.json")) as f:
            self.expect = {r["name"]: r for r in json.load(f)["runs"]}
        self.folders = sorted(os.listdir(self.exp))
        self.assertEqual(set(self.folders), set(self.expect))

    def cli(self, *args):
        self.assertTrue(os.access(CKPT_BIN, os.X_OK), "%s: not built" % CKPT_BIN)
        proc = subprocess.run([CKPT_BIN] + list(args), capture_output=True, text=True,
                              timeout=120)
        self.assertIn(proc.returncode, (0, 1), "ckpt %s: %s" % (" ".join(args), proc.stderr))
        return json.loads(proc.stdout)

    def test_restart_loads_what_last_names_with_the_originals_types(self):
        for name in self.folders:
            with self.subTest(run=name):
                folder = os.path.join(self.exp, name)
                expect = self.expect[name]
                root = ckpt.root_for(folder)
                params = {"epochs": expect["last"], "ckpt_directory": root,
                          "ckpt_checksum": True}
                with Loader(params, logger=None) as c:
                    info = c.restart()
                model = os.path.join(root, "epochs", "%03d" % expect["last"], "model.h5")
                self.assertEqual(os.path.realpath(c.loaded), os.path.realpath(model))
                with open(os.path.join(os.path.dirname(model), "ckpt-info.json")) as f:
                    self.assertEqual(info, json.load(f))
                self.assertIs(type(info["epoch"]), int)
                self.assertEqual(info["epoch"], expect["last"])
                self.assertIs(type(info["best_metric_last"]), float)
                self.assertIsInstance(info["checksum"], str)
                self.assertIsInstance(info["timestamp"], str)
                self.assertEqual(c.restart_result.epoch, expect["last"])
                if name == "tc1-acc":  # the original wrote Infinity: no best
                    self.assertEqual(info["best_metric_last"], math.inf)

    def test_browsing_agrees_with_the_expected_reports(self):
        runs = ckpt.scan(self.exp)
        self.assertEqual([r.name for r in runs], self.folders)
        self.assertEqual(runs.problems, [])
        for run in runs:
            with self.subTest(run=run.name):
                expect = self.expect[run.name]
                for key in ("layout", "best", "best_state", "last", "last_state",
                            "work_leftover"):
                    self.assertEqual(getattr(run, key), expect[key], key)
                self.assertEqual(run.strays, expect["stray"])
                self.assertEqual(len(run.epochs), len(expect["epochs"]))
                for e, want in zip(run.epochs, expect["epochs"]):
                    for key in ("epoch", "dir", "model_bytes", "info", "checksum",
                                "timestamp"):
                        self.assertEqual(getattr(e, key), want.get(key), (e.epoch, key))
                    for key in ("best_metric_last", "metric"):
                        self.assertEqual(getattr(e, key), number(want.get(key)), (e.epoch, key))
                results = [(v.epoch, v.result) for v in run.verify()]
                self.assertEqual(results, [(v["epoch"], v["result"]) for v in expect["verify"]])

    def test_browsing_agrees_with_ckpt_ls_json(self):
        listed = {r["name"]: r for r in self.cli("ls", "--json", self.exp)["runs"]}
        runs = ckpt.scan(self.exp)
        self.assertEqual(sorted(listed), [r.name for r in runs])
        for run in runs:
            with self.subTest(run=run.name):
                want = listed[run.name]
                self.assertEqual(run.to_dict(), want)
                self.assert_run_fields(run, want)

    def assert_run_fields(self, run, want):
        for key in ("name", "path", "layout", "metric", "direction", "best", "best_state",
                    "last", "last_state", "work_leftover", "live", "problem", "size",
                    "updated", "keep_limit", "keep_mode"):
            self.assertEqual(getattr(run, key), want[key], key)
        self.assertEqual(run.strays, want["stray"])
        self.assertEqual(run.health_text, want["health"])
        writer = want["writer"]
        self.assertEqual(None if run.writer is None else
                         {"pid": run.writer.pid, "host": run.writer.host,
                          "since": run.writer.since, "live": run.writer.live}, writer)
        self.assertEqual(len(run.epochs), len(want["epochs"]))
        for e, w in zip(run.epochs, want["epochs"]):
            for key in ("epoch", "dir", "info", "model", "model_bytes", "checksum",
                        "timestamp", "saved_at", "health"):
                self.assertEqual(getattr(e, key), w[key], (e.epoch, key))
            for key in ("best_metric_last", "metric"):
                self.assertEqual(getattr(e, key), number(w[key]), (e.epoch, key))
            self.assertEqual(e.metrics, {k: number(v) for k, v in w["metrics"].items()})
            check = None if e.check is None else {"state": e.check.state,
                                                  "result": e.check.result, "at": e.check.at}
            self.assertEqual(check, w["check"])

    def test_verify_and_history_agree_with_the_cli(self):
        verified = {r["name"]: r["verify"] for r in self.cli("verify", "--json", self.exp)["runs"]}
        for run in ckpt.scan(self.exp):
            with self.subTest(run=run.name):
                self.assertEqual([(v.epoch, v.result) for v in run.verify()],
                                 [(v["epoch"], v["result"]) for v in verified[run.name]])
                history = run.history()
                want = self.cli("history", "--json", os.path.join(self.exp, run.name))
                self.assertEqual(history.to_dict(), want)
                self.assertEqual(history.metric, want["metric"])
                self.assertEqual(history.sessions, want["sessions"])
                self.assertEqual([(p.epoch, p.value, p.saved, p.became_best, p.session)
                                  for p in history],
                                 [(p["epoch"], number(p["value"]), p["saved"], p["best"],
                                   p["session"]) for p in want["points"]])

    def test_rollback_relink_and_clean_on_a_copy(self):
        run = ckpt.Run(os.path.join(self.exp, "corrupt-nt3"))
        with self.assertRaises(ckpt.RefusedError) as caught:
            run.rollback(29)  # no ckpt-info.json
        self.assertIn("epoch 29", str(caught.exception))
        self.assertEqual(run.rollback(29, force=True, dry_run=True).epoch, 29)
        self.assertEqual(run.refresh().last, 30, "a dry run changed last")
        restart = run.rollback(26)
        self.assertEqual((restart.epoch, restart.info["epoch"]), (26, 26))
        run = run.refresh()
        self.assertEqual((run.last, run.last_state), (26, "ok"))
        self.assertEqual(run.relink(), 1)  # best; last was rewritten by the rollback
        run = run.refresh()
        self.assertEqual((run.best_state, run.last_state), ("ok", "ok"))
        plan = run.clean_plan(keep=1)
        self.assertTrue(plan.removes_work)
        self.assertEqual(plan.to_dict()["applied"], False)
        plan.apply()
        after = run.refresh()
        self.assertEqual([e.epoch for e in after.epochs],
                         [i.epoch for i in plan.items if i.keeps])
        self.assertFalse(after.work_leftover)
        self.assertIn(26, [e.epoch for e in after.epochs])

    def test_operations_refuse_while_a_writer_holds_the_lock(self):
        root = ckpt.root_for(os.path.join(self.exp, "nt3-lr0.01"))

        class Writer(ckpt.CandleCkpt):
            def write_model_backend(self, model, epoch):
                open(self.model_file, "wb").close()

        with Writer({"epochs": 30, "ckpt_directory": root}, logger=None):
            run = ckpt.Run(root)
            self.assertTrue(run.live)
            self.assertIn("live", run.health)
            with self.assertRaises(ckpt.LockedError):
                run.clean_plan(keep=1).apply()
            with self.assertRaises(ckpt.LockedError):
                Writer({"epochs": 30, "ckpt_directory": root}, logger=None)
        self.assertFalse(ckpt.Run(root).live, "the lock outlived the with block")

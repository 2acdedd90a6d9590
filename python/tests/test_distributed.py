"""Two ranks of a torch.distributed job (gloo, 127.0.0.1) training one
model (examples/torch_trainer.py --distributed): one tree, written once,
by rank 0 only (the follower writes nothing: as root, it runs as `nobody`,
who may not write in the tree at all); after either rank is killed, both
resume from the same `last` and end with the uninterrupted job's weights."""

import os
import signal
import socket
import time

import torch  # noqa: F401  (a missing torch fails this test, never skips it)

import ckpt
import support

EPOCHS, KEEP = 10, 3
CHILD = os.path.join(support.HERE, "torch_child.py")
NOBODY = 65534


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TwoRanks(support.TreeTestCase):
    def job(self, run_dir, kill=None, out_prefix=None):
        """Starts rank 0 and rank 1; kill = (rank, KILL_AT) for one of them."""
        port = free_port()
        ranks = []
        for rank in (0, 1):
            args = [support.PYTHON, CHILD, run_dir, "--epochs", str(EPOCHS),
                    "--keep", str(KEEP), "--distributed"]
            if out_prefix:
                args += ["--out", "%s.%d.json" % (out_prefix, rank)]
            env = support.child_env(
                RANK=rank, WORLD_SIZE=2, MASTER_ADDR="127.0.0.1", MASTER_PORT=port,
                KILL_AT=kill[1] if kill and kill[0] == rank else None,
                DROP_UID=NOBODY if rank == 1 and os.getuid() == 0 else None)
            ranks.append(support.Launch(args, env))
        return ranks

    def finish_job(self, ranks, killed=None):
        """Waits for the job; after the killed rank dies, its peer (stuck
        in or failing a collective) is killed too."""
        if killed is None:
            for r in ranks:
                self.assertEqual(r.finish(), 0, r.describe())
            return
        self.assertEqual(ranks[killed].finish(), -signal.SIGKILL, ranks[killed].describe())
        peer = ranks[1 - killed]
        deadline = time.time() + 10
        while peer.proc.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        peer.kill()
        peer.finish()

    def outputs(self, prefix):
        texts = []
        for rank in (0, 1):
            with open("%s.%d.json" % (prefix, rank)) as f:
                texts.append(f.read())
        return texts

    def setUp(self):
        super().setUp()
        self.out_dir = os.path.join(self.tmp, "out")
        os.makedirs(self.out_dir, mode=0o777)
        os.chmod(self.out_dir, 0o777)

    def test_one_tree_written_once_and_both_ranks_resume(self):
        ref_dir = os.path.join(self.tmp, "reference")
        ref_prefix = os.path.join(self.out_dir, "reference")
        self.finish_job(self.job(ref_dir, out_prefix=ref_prefix))
        ref = self.outputs(ref_prefix)
        self.assertEqual(ref[0], ref[1], "the ranks' models differ")

        run_dir = os.path.join(self.tmp, "killed")
        self.finish_job(self.job(run_dir, kill=(0, "save:4")), killed=0)
        self.finish_job(self.job(run_dir, kill=(1, "batch:7:2")), killed=1)
        prefix = os.path.join(self.out_dir, "resumed")
        ranks = self.job(run_dir, out_prefix=prefix)
        self.finish_job(ranks)
        self.assertEqual(self.outputs(prefix), ref, "resumed weights differ")
        resumed = [[line for line in r.lines if "resumed after" in line] for r in ranks]
        self.assertEqual(len(resumed[0]), 1, ranks[0].lines)
        self.assertEqual(resumed[0][0].replace("rank 0", ""),
                         resumed[1][0].replace("rank 1", ""), "the ranks resumed apart")

        for path in (ref_dir, run_dir):
            run = ckpt.Run(path)
            self.assertEqual((run.last, run.last_state), (EPOCHS, "ok"))
            self.assertEqual(run.health_text, "ok")
            support.check_original_format(self, run.path)
            # Written once: no epoch twice in a session, one opening per job.
            history = run.history()
            seen = set()
            for p in history:
                self.assertNotIn((p.session, p.epoch), seen, "epoch written twice")
                seen.add((p.session, p.epoch))
            with open(os.path.join(run.path, "ckpt.log")) as f:
                openings = f.read().count("Callback initialized.")
            self.assertEqual(openings, 1 if path == ref_dir else 3)
            self.assertEqual(history.sessions, openings)
            if os.getuid() == 0:  # only rank 0 (root) made anything there
                for where, dirs, files in os.walk(path):
                    for name in dirs + files:
                        st = os.lstat(os.path.join(where, name))
                        self.assertEqual(st.st_uid, 0, os.path.join(where, name))

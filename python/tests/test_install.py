"""`meson install` into a staging folder (DESTDIR): the installed Python
package finds the libckpt installed beside it without CKPT_LIBRARY, and the
C trainer builds against the installed pkg-config file, as the README says.
$CKPT_BUILD_ROOT is the configured build folder."""

import glob
import os
import subprocess

import support

BUILD = os.environ.get("CKPT_BUILD_ROOT", os.path.join(support.SOURCE_ROOT, "build"))


class Installed(support.TreeTestCase):
    def setUp(self):
        super().setUp()
        self.dest = os.path.join(self.tmp, "dest")
        proc = subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild", "--quiet",
                               "--destdir", self.dest], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def find(self, pattern):
        found = glob.glob(os.path.join(self.dest, "**", pattern), recursive=True)
        self.assertEqual(len(found), 1, (pattern, found))
        return found[0]

    def test_the_installed_package_loads_the_library_beside_it(self):
        package = os.path.dirname(self.find("ckpt/_install.py"))
        library = self.find("libckpt.so.0")
        proc = subprocess.run(
            [support.PYTHON, "-c", "import ckpt; print(ckpt.library_path)"],
            capture_output=True, text=True, cwd=self.tmp,
            env=support.child_env(PYTHONPATH=os.path.dirname(package), CKPT_LIBRARY=None))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(os.path.realpath(proc.stdout.strip()), os.path.realpath(library))

    def test_the_c_trainer_builds_against_the_installed_pkg_config_file(self):
        pc_dir = os.path.dirname(self.find("libckpt.pc"))
        env = support.child_env(PKG_CONFIG_PATH=pc_dir, PKG_CONFIG_SYSROOT_DIR=self.dest)
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libckpt"], env=env,
                               capture_output=True, text=True, check=True).stdout.split()
        exe = os.path.join(self.tmp, "logreg")
        subprocess.run(["cc", "-o", exe, os.path.join(support.EXAMPLES, "logreg.c")] + flags +
                       ["-lm"], check=True)
        run = subprocess.run([exe, os.path.join(self.tmp, "run"), "--epochs", "3"],
                             capture_output=True, text=True,
                             env=support.child_env(LD_LIBRARY_PATH=os.path.dirname(
                                 self.find("libckpt.so.0"))))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("epoch 3/3", run.stdout)
        self.assertTrue(os.path.isdir(os.path.join(self.tmp, "run", "ckpts", "epochs", "003")))

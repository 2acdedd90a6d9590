"""The package itself: importing it loads no framework; the library is found
as documented and a wrong one is refused clearly (not found, wrong version,
a struct smaller than the package reads); errors map to their classes;
gParameters convert by type."""

import ctypes
import os
import subprocess
import textwrap

import ckpt
from ckpt import _lib, errors
import support

SHIM = r"""
#include <stddef.h>
#include <string.h>
const char *ckpt_version(void) { return VERSION; }
size_t ckpt_struct_size(const char *name) { (void)name; return 8; }
"""


def python(code, **env):
    return subprocess.run([support.PYTHON, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=support.child_env(**env), timeout=60)


class Import(support.TreeTestCase):
    def shim(self, version):
        """A stand-in libckpt of that version whose structs are all 8 bytes."""
        src = os.path.join(self.tmp, "shim.c")
        lib = os.path.join(self.tmp, "libshim-%s.so" % version)
        with open(src, "w") as f:
            f.write(SHIM)
        subprocess.run(["cc", "-shared", "-fPIC", '-DVERSION="%s"' % version, "-o", lib, src],
                       check=True)
        return lib

    def test_importing_ckpt_imports_no_framework(self):
        proc = python("""
            import sys, ckpt, ckpt.keras
            print(sorted(m for m in ("torch", "numpy", "tensorflow") if m in sys.modules))
            """)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "[]")

    def test_a_missing_library_says_where_it_looked(self):
        proc = python("import ckpt", CKPT_LIBRARY=os.path.join(self.tmp, "nope.so"))
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("LibraryError: CKPT_LIBRARY=%s/nope.so: cannot load it" % self.tmp,
                      proc.stderr)
        proc = python("import ckpt", CKPT_LIBRARY=None, LD_LIBRARY_PATH=None)
        if proc.returncode != 0:  # unless libckpt is installed on this machine
            self.assertIn("libckpt not found; looked at: CKPT_LIBRARY (not set)", proc.stderr)
            self.assertIn("find_library", proc.stderr)

    def test_a_library_of_another_version_is_refused(self):
        proc = python("import ckpt", CKPT_LIBRARY=self.shim("0.1.7"))
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("is libckpt 0.1.7, but this ckpt package (%s) needs libckpt 0.2.x"
                      % ckpt.__version__, proc.stderr)

    def test_a_struct_smaller_than_the_package_reads_is_refused(self):
        proc = python("import ckpt", CKPT_LIBRARY=self.shim(ckpt.__version__))
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("ckpt_epoch_result is 8 bytes there, smaller than the", proc.stderr)
        self.assertIn("ckpt_metric is 8 bytes there, 16 here (a frozen struct)", proc.stderr)

    def test_layout_check_rules(self):
        sizes = {name: ctypes.sizeof(cls) for name, (cls, _) in _lib.LAYOUT.items()}
        _lib.check_layout(sizes.get)  # the same: fine
        grown = dict(sizes, ckpt_epoch_result=sizes["ckpt_epoch_result"] + 16,
                     ckpt_verify_item=sizes["ckpt_verify_item"] + 8)
        _lib.check_layout(grown.get)  # fields appended later: fine
        for name, delta in (("ckpt_epoch_result", -8), ("ckpt_progress_event", -8),
                            ("ckpt_metric", 8), ("ckpt_progress", -8)):
            with self.subTest(struct=name, delta=delta):
                with self.assertRaisesRegex(ckpt.LibraryError, name):
                    _lib.check_layout(dict(sizes, **{name: sizes[name] + delta}).get)
        with self.assertRaisesRegex(ckpt.LibraryError, "ckpt_verify_item: unknown"):
            _lib.check_layout(dict(sizes, ckpt_verify_item=0).get)
        # The package's sizes are the library's (this build's ckpt.h).
        for name, size in sizes.items():
            self.assertEqual(_lib.struct_size(name.encode()), size, name)

    def test_versions(self):
        self.assertEqual(ckpt.library_version.split(".")[:2], ckpt.__version__.split(".")[:2])


class Errors(support.TreeTestCase):
    def test_each_code_has_its_class_and_libckpts_message(self):
        for code, cls in [(-1, ckpt.InvalidError), (-3, ckpt.NotFoundError),
                          (-5, ckpt.LockedError), (-6, ckpt.ChecksumError),
                          (-7, ckpt.CancelledError), (-8, ckpt.UnsafeError),
                          (-10, ckpt.CallbackError), (-11, ckpt.RefusedError),
                          (-12, ckpt.AmbiguousError), (-4, ckpt.FormatError)]:
            error = errors.error_for(code, "why")
            self.assertIs(type(error), cls)
            self.assertEqual((error.code, str(error)), (code, "why"))
            self.assertEqual(error.name, _lib.text(_lib.error_name(code)))
            self.assertIsInstance(error, ckpt.Error)
        self.assertIsInstance(errors.error_for(-99, "x"), ckpt.Error)

    def test_a_missing_run_is_not_found_naming_it(self):
        path = os.path.join(self.tmp, "nothing-here")
        with self.assertRaises(ckpt.NotFoundError) as caught:
            ckpt.Run(path)
        self.assertIn(path, str(caught.exception))

    def test_a_folder_with_two_roots_is_ambiguous(self):
        for root in ("ckpts", "save/ckpts"):
            os.makedirs(os.path.join(self.tmp, root, "epochs"))
        with self.assertRaises(ckpt.AmbiguousError):
            ckpt.Run(self.tmp)

    def test_bad_parameters_name_key_value_and_rule(self):
        with self.assertRaises(ckpt.InvalidError) as caught:
            ckpt.Params({"epochs": 3, "ckpt_keep_limit": 0}).check()
        self.assertIn("ckpt_keep_limit", str(caught.exception))
        with self.assertRaises(ckpt.InvalidError):
            ckpt.Params({"epochs": 3, "ckpt_keep_mode": "sometimes"}).check()


class Parameters(support.TreeTestCase):
    def test_values_convert_by_type_and_unknown_keys_stay(self):
        p = ckpt.Params({"epochs": 30, "ckpt_checksum": True, "ckpt_best_metric_last": 0.5,
                         "metadata": None, "ckpt_directory": "x/ckpts", "layers": [64, 32],
                         "opts": {"a": 1}, "ckpt_keep_limit": "4"})
        p.check()
        self.assertEqual(p.get("epochs"), "30")
        self.assertIn(p.get("ckpt_checksum"), ("true", "True", "1"))
        self.assertEqual(float(p.get("ckpt_best_metric_last")), 0.5)
        self.assertEqual(p.get("layers"), "[64, 32]")
        self.assertEqual(p.get("opts"), '{"a": 1}')
        self.assertEqual(p.get("ckpt_keep_limit"), "4")
        self.assertIsNone(p.get("absent"))

    def test_a_config_file_reads(self):
        path = os.path.join(self.tmp, "p.cfg")
        with open(path, "w") as f:
            f.write("[Global_Params]\nepochs = 7\nckpt_save_best_metric = 'loss'\n")
        p = ckpt.Params.from_config(path)
        self.assertEqual((p.get("epochs"), p.get("ckpt_save_best_metric")), ("7", "loss"))

    def test_direction_table(self):
        for name, want in [("loss", "-"), ("val_loss", "-"), ("accuracy", "+"),
                           ("val_accuracy", "+"), ("lr", "-"), ("val_mean_squared_error", "-"),
                           ("top_5_accuracy", "+"), ("val_auc", "+")]:
            self.assertEqual(ckpt.direction_of(name), want, name)
        self.assertEqual(ckpt.direction_of("weird", "+"), "+")
        with self.assertRaisesRegex(ValueError, "ckpt_save_best_direction"):
            ckpt.direction_of("weird")

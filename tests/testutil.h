/* testutil.h: temporary trees, fixture unpacking and file helpers for the
 * GTest programs. Every helper fails the running test on error. */
#ifndef CKPT_TESTUTIL_H
#define CKPT_TESTUTIL_H

#include <glib.h>
#include <stdbool.h>

/* A fresh temporary directory; remove it with tu_rmtree. Caller g_free()s. */
char *tu_tmpdir(void);
/* rm -rf, not following symlinks; used only on tu_tmpdir() trees. */
void tu_rmtree(const char *path);
/* Unpacks ../shared/fixtures/candle-runs.tar.gz into dir; returns
 * dir/exp-2026-03 (caller g_free()s). Skips the test when fixtures are absent. */
char *tu_unpack_fixtures(const char *dir);
/* Path of a file in the fixtures folder (caller g_free()s). */
char *tu_fixture_path(const char *name);
void tu_write(const char *path, const char *text);
void tu_write_bytes(const char *path, const void *data, size_t len);
/* Whole file, NUL-terminated (caller g_free()s); NULL when absent. */
char *tu_read(const char *path, gsize *len);
bool tu_exists(const char *path);   /* lstat */
/* readlink, or NULL (caller g_free()s). */
char *tu_readlink(const char *path);
/* A listing of every path under dir with type, size and link target, one
 * per line, sorted: to prove that an operation changed nothing. */
char *tu_snapshot_tree(const char *dir);

#endif

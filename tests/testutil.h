/* testutil.h: temporary trees, fixture unpacking, file and link helpers for
 * the GTest programs. Every helper fails the running test on error. */
#ifndef CKPT_TESTUTIL_H
#define CKPT_TESTUTIL_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <stdbool.h>

#include "ckpt.h"

/* A fresh temporary directory; remove it with tu_rmtree. Caller g_free()s. */
char *tu_tmpdir(void);
/* rm -rf, not following symlinks; used only on tu_tmpdir() trees. */
void tu_rmtree(const char *path);
/* Unpacks ../shared/fixtures/candle-runs.tar.gz into dir; returns
 * dir/exp-2026-03 (caller g_free()s). Skips the test when fixtures are absent. */
char *tu_unpack_fixtures(const char *dir);
/* A fresh *tmp (tu_tmpdir) with the fixtures unpacked in it; returns
 * *tmp/exp-2026-03 (caller g_free()s). When the fixtures are absent, skips the
 * test, removes *tmp and sets it and the result to NULL. */
char *tu_unpack_fixtures_tmp(char **tmp);
/* The fixtures unpacked in a temporary folder of their own. */
typedef struct tu_fixture {
	char *dir; /* the temporary folder */
	char *exp; /* dir/exp-2026-03: the unpacked runs */
} tu_fixture;

/* false (test skipped) when the fixtures are absent. */
bool tu_fixture_init(tu_fixture *f);
/* Removes the folder; frees the paths. */
void tu_fixture_free(tu_fixture *f);
/* Path of a file in the fixtures folder (caller g_free()s). */
char *tu_fixture_path(const char *name);
/* The fixtures' candle-runs.expect.json, parsed (caller cJSON_Delete()s). */
cJSON *tu_load_expect(void);
/* Runs argv (NULL-terminated, searched in PATH) and asserts it exits 0. */
void tu_run_ok(const char *const *argv);
void tu_write(const char *path, const char *text);
void tu_write_bytes(const char *path, const void *data, size_t len);
/* Whole file, NUL-terminated (caller g_free()s); NULL when absent. */
char *tu_read(const char *path, gsize *len);
bool tu_exists(const char *path); /* lstat */
/* readlink, or NULL (caller g_free()s). */
char *tu_readlink(const char *path);
/* Asserts that root/name is a symbolic link to target. */
void tu_assert_link(const char *root, const char *name, const char *target);
/* ckpt_run_open, asserting success (the error is logged first). */
ckpt_run *tu_open_run(const char *path);
/* A listing of every path under dir with type, size and link target, one
 * per line, sorted: to prove that an operation changed nothing. */
char *tu_snapshot_tree(const char *dir);

#endif

/* testutil.h: temporary trees, fixture unpacking, file and link helpers for
 * the GTest programs, and what lets a test get a precondition itself rather
 * than skip (an unprivileged child, a mount namespace, a decimal-comma
 * locale). Every helper fails the running test on error. */
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
/* Unpacks the committed fixtures' candle-runs.tar.gz into dir and returns
 * dir/exp-2026-03 (caller g_free()s). The runs' absolute best/last targets
 * (/scratch/candle/...) are moved below tu_gone_prefix(dir), so that "the
 * absolute target is missing" holds on any machine, even one that has a
 * /scratch/candle. Never returns NULL: a missing tarball fails the test. */
char *tu_unpack_fixtures(const char *dir);
/* dir/gone, which never exists: tu_unpack_fixtures(dir) puts it in front of
 * every absolute link target. Caller g_free()s. */
char *tu_gone_prefix(const char *dir);
/* A fresh *tmp (tu_tmpdir) with the fixtures unpacked in it; returns
 * *tmp/exp-2026-03 (caller g_free()s). Never NULL (see tu_unpack_fixtures). */
char *tu_unpack_fixtures_tmp(char **tmp);
/* The fixtures unpacked in a temporary folder of their own. */
typedef struct tu_fixture {
	char *dir; /* the temporary folder */
	char *exp; /* dir/exp-2026-03: the unpacked runs */
} tu_fixture;

/* Always true: absent fixtures fail the test (see tu_unpack_fixtures). */
bool tu_fixture_init(tu_fixture *f);
/* Removes the folder; frees the paths. */
void tu_fixture_free(tu_fixture *f);
/* Path of a file in the fixtures folder: $CKPT_FIXTURES, else the tree's
 * tests/data/fixtures (caller g_free()s). */
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
/* Fails the running test with a message naming what is missing; unlike
 * g_test_skip, a precondition the machine lacks is a failure. */
#define tu_fail(...) tu_fail_at(__FILE__, __LINE__, G_STRFUNC, __VA_ARGS__)
G_NORETURN void tu_fail_at(const char *file, int line, const char *func, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

/* The uid and gid tu_run_unprivileged drops to (nobody on Debian). */
#define TU_NOBODY 65534
/* Runs fn(results, n, payload) in a forked child; fn returns how many ints it
 * filled (negative: it could not run, which fails the test), and those come
 * back to the parent through a pipe. Returns how many ints were read. */
size_t tu_run_in_child(int (*fn)(int *results, size_t n, void *payload), void *payload,
		       int *results, size_t n);
/* tu_run_in_child, the child first dropping to uid/gid TU_NOBODY (no
 * supplementary groups) when run as root: root ignores permissions, so a test
 * of what happens when they deny us needs an unprivileged user, and CI runs
 * as root. Not root: fn runs as the current user. */
size_t tu_run_unprivileged(int (*fn)(int *results, size_t n, void *payload), void *payload,
			   int *results, size_t n);
/* Hands path to the user tu_run_unprivileged runs as (chown when root), so
 * that the child may write there; a no-op when not root. */
void tu_give_to_unprivileged(const char *path);

/* For a forked child (tu_run_in_child): enters a mount namespace of its own,
 * so that what it mounts never shows on the machine and vanishes with it.
 * As root, a plain CLONE_NEWNS; for anyone else, or root without
 * CAP_SYS_ADMIN (a container), inside a new user namespace in which the
 * caller is root. Returns 0, or an errno with *step naming what failed. */
int tu_private_mount_namespace(const char **step);

/* Compiles de_DE.UTF-8 (a decimal comma) from the locales package's sources
 * into dir with localedef and points LOCPATH at dir until the test ends, so
 * tests of locale independence need no locale installed on the machine.
 * Returns the name for setlocale() (glibc's newlocale leaks its copy of
 * LOCPATH, which LeakSanitizer reports); fails the test when localedef fails
 * or the locale it made has no decimal comma. */
const char *tu_decimal_comma_locale(const char *dir);

/* A listing of every path under dir with type, size and link target, one
 * per line, sorted: to prove that an operation changed nothing. */
char *tu_snapshot_tree(const char *dir);

#endif

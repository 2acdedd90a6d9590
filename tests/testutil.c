/* testutil.c: helpers shared by the GTest programs (see testutil.h). */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <locale.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *tu_tmpdir(void)
{
	GError *error = NULL;
	char *dir = g_dir_make_tmp("ckpt-test-XXXXXX", &error);
	g_assert_no_error(error);
	return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	/* Make directories writable again so that permission tests clean up. */
	if (flag == FTW_DP)
		chmod(path, 0700);
	remove(path);
	return 0;
}

static int unlock_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || (flag == FTW_DNR))
		chmod(path, 0700);
	(void)st;
	return 0;
}

void tu_rmtree(const char *path)
{
	if (!path)
		return;
	nftw(path, unlock_entry, 32, FTW_PHYS);
	nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}

void tu_fail_at(const char *file, int line, const char *func, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char *message = g_strdup_vprintf(format, args);
	va_end(args);
	g_assertion_message(G_LOG_DOMAIN, file, line, func, message);
	/* Only reached with g_test_set_nonfatal_assertions(), which no test uses:
	 * the callers rely on not coming back. */
	abort();
}

char *tu_fixture_path(const char *name)
{
	const char *dir = g_getenv("CKPT_FIXTURES");
	if (!dir)
		dir = CKPT_TEST_FIXTURES; /* tests/data/fixtures, from meson */
	return g_build_filename(dir, name, NULL);
}

void tu_run_ok(const char *const *argv)
{
	int status = 0;
	GError *error = NULL;
	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
		     &status, &error);
	g_assert_no_error(error);
	g_assert_cmpint(status, ==, 0);
}

char *tu_gone_prefix(const char *dir)
{
	return g_build_filename(dir, "gone", NULL);
}

static const char *relocate_prefix;

static int relocate_link(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag != FTW_SL)
		return 0;
	char *target = g_file_read_link(path, NULL);
	g_assert_nonnull(target);
	if (target[0] == '/') {
		char *moved = g_build_filename(relocate_prefix, target, NULL);
		g_assert_cmpint(unlink(path), ==, 0);
		g_assert_cmpint(symlink(moved, path), ==, 0);
		g_free(moved);
	}
	g_free(target);
	return 0;
}

char *tu_unpack_fixtures(const char *dir)
{
	char *tarball = tu_fixture_path("candle-runs.tar.gz");
	if (!g_file_test(tarball, G_FILE_TEST_IS_REGULAR))
		tu_fail("fixtures not found: %s (committed in tests/data/fixtures; "
			"CKPT_FIXTURES overrides the folder)",
			tarball);
	/* Owners from the archive would make the permission tests depend on it. */
	const char *argv[] = {"tar", "--no-same-owner", "-xzf", tarball, "-C", dir, NULL};
	tu_run_ok(argv);
	g_free(tarball);
	/* The runs were written under /scratch/candle on another machine; a
	 * machine that has that folder would turn the links' state from
	 * relocated into outside. Below our own missing folder they stay absent. */
	char *gone = tu_gone_prefix(dir);
	g_assert_false(tu_exists(gone));
	relocate_prefix = gone;
	g_assert_cmpint(nftw(dir, relocate_link, 32, FTW_PHYS), ==, 0);
	relocate_prefix = NULL;
	g_free(gone);
	return g_build_filename(dir, "exp-2026-03", NULL);
}

char *tu_unpack_fixtures_tmp(char **tmp)
{
	*tmp = tu_tmpdir();
	return tu_unpack_fixtures(*tmp);
}

bool tu_fixture_init(tu_fixture *f)
{
	f->exp = tu_unpack_fixtures_tmp(&f->dir);
	return true;
}

void tu_fixture_free(tu_fixture *f)
{
	tu_rmtree(f->dir);
	g_free(f->dir);
	g_free(f->exp);
}

cJSON *tu_load_expect(void)
{
	char *path = tu_fixture_path("candle-runs.expect.json");
	gsize len = 0;
	char *text = tu_read(path, &len);
	g_assert_nonnull(text);
	cJSON *json = cJSON_ParseWithLength(text, len);
	g_assert_nonnull(json);
	g_free(text);
	g_free(path);
	return json;
}

void tu_write_bytes(const char *path, const void *data, size_t len)
{
	GError *error = NULL;
	g_file_set_contents(path, data, (gssize)len, &error);
	g_assert_no_error(error);
}

void tu_write(const char *path, const char *text)
{
	tu_write_bytes(path, text, strlen(text));
}

char *tu_read(const char *path, gsize *len)
{
	char *text = NULL;
	if (!g_file_get_contents(path, &text, len, NULL))
		return NULL;
	return text;
}

bool tu_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

char *tu_readlink(const char *path)
{
	return g_file_read_link(path, NULL);
}

void tu_assert_link(const char *root, const char *name, const char *target)
{
	char *path = g_build_filename(root, name, NULL);
	char *got = tu_readlink(path);
	g_assert_cmpstr(got, ==, target);
	g_free(got);
	g_free(path);
}

ckpt_run *tu_open_run(const char *path)
{
	ckpt_run *run = NULL;
	int rc = ckpt_run_open(&run, path);
	if (rc)
		g_test_message("ckpt_run_open(%s): %s", path, ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(run);
	return run;
}

static GPtrArray *snapshot_lines;
static size_t snapshot_prefix;

static int snapshot_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag, (void)ftw;
	const char *rel = path + snapshot_prefix;
	char *line;
	if (S_ISLNK(st->st_mode)) {
		char *target = g_file_read_link(path, NULL);
		line = g_strdup_printf("%s link %s", rel, target ? target : "?");
		g_free(target);
	} else if (S_ISDIR(st->st_mode)) {
		line = g_strdup_printf("%s dir %o", rel, st->st_mode & 07777);
	} else {
		line = g_strdup_printf("%s file %lld %lld", rel, (long long)st->st_size,
				       (long long)st->st_mtim.tv_nsec +
					   st->st_mtim.tv_sec * 1000000000LL);
	}
	g_ptr_array_add(snapshot_lines, line);
	return 0;
}

static int compare_lines(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *tu_snapshot_tree(const char *dir)
{
	snapshot_lines = g_ptr_array_new_with_free_func(g_free);
	snapshot_prefix = strlen(dir);
	nftw(dir, snapshot_entry, 32, FTW_PHYS);
	g_ptr_array_sort(snapshot_lines, compare_lines);
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < snapshot_lines->len; i++)
		g_string_append_printf(out, "%s\n", (char *)snapshot_lines->pdata[i]);
	g_ptr_array_free(snapshot_lines, TRUE);
	snapshot_lines = NULL;
	return g_string_free(out, FALSE);
}

/* ---- children, users and locales ---------------------------------------- */

size_t tu_run_in_child(int (*fn)(int *results, size_t n, void *payload), void *payload,
		       int *results, size_t n)
{
	int fds[2];
	g_assert_cmpint(pipe(fds), ==, 0);
	pid_t pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		close(fds[0]);
		int filled = fn(results, n, payload);
		if (filled < 0)
			_exit(2);
		ssize_t want = (ssize_t)((size_t)filled * sizeof *results);
		_exit(write(fds[1], results, (size_t)want) == want ? 0 : 3);
	}
	close(fds[1]);
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	ssize_t got = read(fds[0], results, n * sizeof *results);
	close(fds[0]);
	g_assert_cmpint(got, >=, 0);
	return (size_t)got / sizeof *results;
}

typedef struct unprivileged_call {
	int (*fn)(int *results, size_t n, void *payload);
	void *payload;
} unprivileged_call;

static int call_unprivileged(int *results, size_t n, void *payload)
{
	const unprivileged_call *call = payload;
	if (geteuid() == 0 &&
	    (setgroups(0, NULL) != 0 || setgid(TU_NOBODY) != 0 || setuid(TU_NOBODY) != 0)) {
		fprintf(stderr, "cannot drop to uid %d: %s\n", TU_NOBODY, strerror(errno));
		return -1;
	}
	return call->fn(results, n, call->payload);
}

size_t tu_run_unprivileged(int (*fn)(int *results, size_t n, void *payload), void *payload,
			   int *results, size_t n)
{
	unprivileged_call call = {fn, payload};
	return tu_run_in_child(call_unprivileged, &call, results, n);
}

void tu_give_to_unprivileged(const char *path)
{
	if (geteuid() == 0)
		g_assert_cmpint(chown(path, TU_NOBODY, TU_NOBODY), ==, 0);
}

static int write_proc_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ssize_t len = (ssize_t)strlen(text);
	int err = write(fd, text, (size_t)len) == len ? 0 : errno ? errno : EIO;
	close(fd);
	return err;
}

int tu_private_mount_namespace(const char **step)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	*step = "unshare(CLONE_NEWNS)";
	if (uid != 0 || unshare(CLONE_NEWNS) != 0) {
		*step = "unshare(CLONE_NEWUSER | CLONE_NEWNS)";
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
			return errno;
		char map[64];
		int err = write_proc_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof map, "0 %lu 1", (unsigned long)uid);
		*step = "writing /proc/self/uid_map";
		if (!err && (err = write_proc_file("/proc/self/uid_map", map)) == 0) {
			snprintf(map, sizeof map, "0 %lu 1", (unsigned long)gid);
			*step = "writing /proc/self/gid_map";
			err = write_proc_file("/proc/self/gid_map", map);
		}
		if (err)
			return err;
	}
	/* Where / is a shared mount (systemd), a mount would propagate back. */
	*step = "mount --make-rprivate /";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return errno;
	return 0;
}

static void restore_locpath(gpointer old)
{
	if (old)
		g_setenv("LOCPATH", old, TRUE);
	else
		g_unsetenv("LOCPATH");
	g_free(old);
}

const char *tu_decimal_comma_locale(const char *dir)
{
	static const char name[] = "de_DE.UTF-8";
	char *out = g_build_filename(dir, name, NULL);
	const char *argv[] = {"localedef", "-i", "de_DE", "-f", "UTF-8", out, NULL};
	char *errors = NULL;
	int status = 0;
	GError *error = NULL;
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &errors,
			  &status, &error))
		tu_fail("localedef: %s", error->message);
	if (!g_spawn_check_wait_status(status, NULL))
		tu_fail("localedef -i de_DE -f UTF-8 %s failed (are /usr/share/i18n/locales/de_DE "
			"and charmaps/UTF-8.gz there? Debian's locales package has them): %s",
			out, errors);
	g_free(errors), g_free(out);
	/* glibc reads LOCPATH at every lookup, and then skips the system's
	 * locales: put back what was there once this test is over. */
	g_test_queue_destroy(restore_locpath, g_strdup(g_getenv("LOCPATH")));
	g_setenv("LOCPATH", dir, TRUE);
	/* Checked with setlocale, not newlocale: glibc's newlocale leaks its
	 * copy of LOCPATH, which LeakSanitizer reports. */
	char *previous = g_strdup(setlocale(LC_NUMERIC, NULL));
	if (!setlocale(LC_NUMERIC, name))
		tu_fail("setlocale(LC_NUMERIC, %s) with LOCPATH=%s failed", name, dir);
	char *radix = g_strdup(localeconv()->decimal_point);
	setlocale(LC_NUMERIC, previous);
	if (strcmp(radix, ","))
		tu_fail("%s from localedef has decimal point '%s', not ','", name, radix);
	g_free(radix), g_free(previous);
	return name;
}

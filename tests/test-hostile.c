/* test-hostile.c: trees no sane writer makes — links to "/", loops, FIFOs,
 * sockets, symlinked epochs and staging dirs, hard links, sparse multi-GB
 * and deeply nested ckpt-info.json — thrown at scan, verify, clean, roll back
 * and restart. Each must give a clear state or error, never hang, and never
 * touch anything outside the run (sentinel files prove it). */
#include "internal.h"
#include "testutil.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
	char *dir;      /* the temporary folder */
	char *run;      /* dir/run: the run folder */
	char *root;     /* dir/run/ckpts */
	char *outside;  /* dir/outside: a folder holding the sentinel */
	char *sentinel; /* dir/outside/sentinel */
} hostile_tree;

static char *root_path(const hostile_tree *t, const char *rel)
{
	return g_build_filename(t->root, rel, NULL);
}

/* An epoch as the original writes it, with a correct crc32. */
static void make_epoch(const hostile_tree *t, long epoch)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	char *dir = g_build_filename(t->root, "epochs", name, NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	char *model = g_build_filename(dir, "model.h5", NULL);
	char bytes[256];
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (char)(i * 7 + (size_t)epoch);
	tu_write_bytes(model, bytes, sizeof bytes);
	char sum[80];
	g_assert_cmpint(ckpt_checksum_file(sum, model, CKPT_CHECKSUM_CRC32, NULL), ==, 0);
	char *info = g_strdup_printf(
	    "{\"epoch\": %ld, \"save_best_metric\": \"val_loss\", \"best_metric_last\": 0.5, "
	    "\"model_file\": \"model.h5\", \"checksum\": \"%s\", \"timestamp\": "
	    "\"2026-03-02 09:00:46\", \"time_elapsed\": 0.7, \"metadata\": null}",
	    epoch, sum);
	char *info_path = g_build_filename(dir, "ckpt-info.json", NULL);
	tu_write(info_path, info);
	g_free(info_path), g_free(info), g_free(model), g_free(dir);
}

static void tree_init(hostile_tree *t, long n_epochs)
{
	t->dir = tu_tmpdir();
	t->run = g_build_filename(t->dir, "run", NULL);
	t->root = g_build_filename(t->run, "ckpts", NULL);
	t->outside = g_build_filename(t->dir, "outside", NULL);
	t->sentinel = g_build_filename(t->outside, "sentinel", NULL);
	g_assert_cmpint(g_mkdir_with_parents(t->root, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(t->outside, 0755), ==, 0);
	tu_write(t->sentinel, "sentinel");
	for (long e = 1; e <= n_epochs; e++)
		make_epoch(t, e);
	char *log = root_path(t, "ckpt.log");
	tu_write(log, "2026-03-02 09:00:05 CandleCkpt: Callback initialized.\n");
	g_free(log);
}

static void assert_sentinel_intact(const hostile_tree *t)
{
	char *text = tu_read(t->sentinel, NULL);
	g_assert_cmpstr(text, ==, "sentinel");
	g_free(text);
	g_assert_true(g_file_test(t->outside, G_FILE_TEST_IS_DIR));
}

static void tree_free(hostile_tree *t)
{
	tu_rmtree(t->dir);
	g_free(t->dir), g_free(t->run), g_free(t->root), g_free(t->outside), g_free(t->sentinel);
}

static void relink(const hostile_tree *t, const char *name, const char *target)
{
	char *path = root_path(t, name);
	unlink(path);
	g_assert_cmpint(symlink(target, path), ==, 0);
	g_free(path);
}

static ckpt_run *open_run(const hostile_tree *t)
{
	ckpt_run *run = NULL;
	int rc = ckpt_run_open(&run, t->run);
	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(run);
	return run;
}

/* Every browser operation once, as `ckpt ls`, `verify`, `clean --yes` and
 * `restart` would; results are not asserted here, only survival. */
static void run_every_operation(const hostile_tree *t)
{
	ckpt_run *run = open_run(t);
	size_t n = ckpt_run_epoch_count(run);
	ckpt_verify_result *results = g_new0(ckpt_verify_result, n + 1);
	ckpt_verify_run(results, run, NULL);
	g_free(results);
	char *json = NULL;
	g_assert_cmpint(ckpt_run_to_json(&json, run, 0), ==, 0);
	ckpt_free(json);
	for (size_t i = 0; i < n; i++)
		ckpt_rollback(NULL, run, ckpt_epoch_number(ckpt_run_epoch(run, i)),
			      CKPT_FLAG_DRY_RUN);
	ckpt_clean_plan *plan = NULL;
	if (ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR) == 0)
		ckpt_clean_apply(plan, NULL);
	ckpt_clean_plan_free(plan);
	ckpt_relink(NULL, run);
	ckpt_run_unref(run);

	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	ckpt_params_set(params, "epochs", "40");
	ckpt_params_set(params, "ckpt_directory", t->root);
	ckpt_params_set(params, "ckpt_checksum", "true");
	ckpt_writer *writer = NULL;
	if (ckpt_writer_new(&writer, params, 0) == 0) {
		ckpt_restart *restart = NULL;
		ckpt_writer_restart(&restart, writer);
		ckpt_restart_free(restart);
	}
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	assert_sentinel_intact(t);
}

static void test_links_to_root_parent_self_loop_and_file(void)
{
	static const struct {
		const char *target;
		ckpt_link_state state;
	} cases[] = {
	    {"/", CKPT_LINK_OUTSIDE},
	    {"../..", CKPT_LINK_OUTSIDE},
	    {"last", CKPT_LINK_DANGLING},
	    {"loop-a", CKPT_LINK_DANGLING},
	    {"ckpt.log", CKPT_LINK_OUTSIDE},
	    {"epochs/099", CKPT_LINK_DANGLING},
	    /* Absolute into the copy's origin, which is gone: below the test's
	     * own missing folder (tu_gone_prefix), as /scratch might exist here. */
	    {"GONE", CKPT_LINK_RELOCATED},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		hostile_tree t;
		tree_init(&t, 3);
		char *gone = tu_gone_prefix(t.dir);
		char *target =
		    strcmp(cases[i].target, "GONE")
			? g_strdup(cases[i].target)
			: g_build_filename(gone, "scratch/candle/gone/ckpts/epochs/002", NULL);
		relink(&t, "loop-a", "loop-b");
		relink(&t, "loop-b", "loop-a");
		relink(&t, "last", target);
		relink(&t, "best", target);
		g_free(target), g_free(gone);
		ckpt_run *run = open_run(&t);
		g_assert_cmpstr(ckpt_link_state_name(ckpt_run_last_state(run)), ==,
				ckpt_link_state_name(cases[i].state));
		g_assert_cmpint(ckpt_run_best_state(run), ==, cases[i].state);
		ckpt_run_unref(run);

		/* A restart must never load a model that is not this run's. */
		ckpt_params *params = NULL;
		ckpt_params_new(&params);
		ckpt_params_set(params, "epochs", "10");
		ckpt_params_set(params, "ckpt_directory", t.root);
		ckpt_writer *writer = NULL;
		g_assert_cmpint(ckpt_writer_new(&writer, params, 0), ==, 0);
		ckpt_restart *restart = NULL;
		int rc = ckpt_writer_restart(&restart, writer);
		if (cases[i].state == CKPT_LINK_OUTSIDE) {
			g_assert_cmpint(rc, ==, CKPT_EUNSAFE);
			g_assert_nonnull(strstr(ckpt_error_last(), "last"));
		} else if (cases[i].state == CKPT_LINK_RELOCATED) {
			g_assert_cmpint(rc, ==, 0);
			g_assert_true(ckpt_restart_resumed(restart));
			g_assert_cmpint(ckpt_restart_epoch(restart), ==, 2);
		} else {
			g_assert_cmpint(rc, ==, 0);
			g_assert_false(ckpt_restart_resumed(restart));
		}
		ckpt_restart_free(restart);
		ckpt_writer_free(writer);
		ckpt_params_free(params);
		run_every_operation(&t);
		tree_free(&t);
	}
}

static void test_odd_epoch_entries_are_strays_never_opened(void)
{
	hostile_tree t;
	tree_init(&t, 3);
	char *fifo = root_path(&t, "epochs/031");
	g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
	relink(&t, "epochs/032", t.outside);
	char *file = root_path(&t, "epochs/033");
	tu_write(file, "not a dir");
	const char *odd_dirs[] = {"1e3", "-1", "7", "1234567890123456789012345678901234567890"};
	for (size_t i = 0; i < G_N_ELEMENTS(odd_dirs); i++) {
		char *d = g_build_filename(t.root, "epochs", odd_dirs[i], NULL);
		g_assert_cmpint(mkdir(d, 0755), ==, 0);
		g_free(d);
	}
	char *sock_path = root_path(&t, "epochs/034");
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(sock_path) < sizeof addr.sun_path) {
		strcpy(addr.sun_path, sock_path);
		g_assert_cmpint(bind(sock, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	}
	relink(&t, "last", "epochs/003");

	ckpt_run *run = open_run(&t);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 3);
	GString *strays = g_string_new(NULL);
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++)
		g_string_append_printf(strays, "%s,", ckpt_run_stray(run, i));
	bool have_socket = strlen(sock_path) < sizeof addr.sun_path;
	g_assert_cmpstr(strays->str, ==,
			have_socket
			    ? "-1,031,032,033,034,1234567890123456789012345678901234567890,1e3,7,"
			    : "-1,031,032,033,1234567890123456789012345678901234567890,1e3,7,");
	g_string_free(strays, TRUE);
	ckpt_run_unref(run);

	run_every_operation(&t);
	/* Clean kept its hands off every stray. */
	g_assert_true(tu_exists(fifo));
	g_assert_true(tu_exists(file));
	char *link_path = root_path(&t, "epochs/032");
	char *link_target = tu_readlink(link_path);
	g_assert_cmpstr(link_target, ==, t.outside);
	g_free(link_target), g_free(link_path);
	close(sock);
	g_free(sock_path), g_free(file), g_free(fifo);
	tree_free(&t);
}

static void test_symlinked_work_and_epochs_dirs(void)
{
	hostile_tree t;
	tree_init(&t, 4);
	relink(&t, "last", "epochs/004");
	relink(&t, "work", t.outside);
	ckpt_run *run = open_run(&t);
	g_assert_true(ckpt_run_work_leftover(run));
	ckpt_run_unref(run);
	run_every_operation(&t);

	/* epochs/ itself a link to a folder outside: nothing there is an epoch
	 * of this run, so nothing there may be deleted. */
	hostile_tree u;
	tree_init(&u, 0);
	char *epochs = root_path(&u, "epochs");
	rmdir(epochs);
	char *elsewhere = g_build_filename(u.outside, "epochs", NULL);
	g_assert_cmpint(mkdir(elsewhere, 0755), ==, 0);
	char *victim = g_build_filename(elsewhere, "001", NULL);
	g_assert_cmpint(mkdir(victim, 0755), ==, 0);
	g_assert_cmpint(symlink(elsewhere, epochs), ==, 0);
	/* A last that names epoch 1 only through the linked epochs/: outside,
	 * no epoch, and no restart from a model that is not this run's. */
	relink(&u, "last", "epochs/001");
	long epoch = -1;
	g_assert_cmpint(ckpt_link_resolve(u.root, "last", &epoch), ==, CKPT_LINK_OUTSIDE);
	g_assert_cmpint(epoch, ==, 0);
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	ckpt_params_set(params, "epochs", "10");
	ckpt_params_set(params, "ckpt_directory", u.root);
	ckpt_writer *writer = NULL;
	ckpt_restart *restart = NULL;
	/* Refused when the writer is made (it will not write through the
	 * link either), or at the latest by the restart. */
	int rc = ckpt_writer_new(&writer, params, 0);
	if (rc == 0)
		rc = ckpt_writer_restart(&restart, writer);
	ckpt_restart_free(restart);
	g_assert_cmpint(rc, ==, CKPT_EUNSAFE);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	run_every_operation(&u);
	g_assert_true(g_file_test(victim, G_FILE_TEST_IS_DIR));
	g_free(victim), g_free(elsewhere), g_free(epochs);
	tree_free(&u);
	tree_free(&t);
}

static void test_hard_linked_model_survives_outside(void)
{
	hostile_tree t;
	tree_init(&t, 6);
	relink(&t, "last", "epochs/006");
	char *model = root_path(&t, "epochs/001/model.h5");
	char *outside_copy = g_build_filename(t.outside, "shared-model.h5", NULL);
	g_assert_cmpint(link(model, outside_copy), ==, 0);
	gsize before_len = 0;
	char *before = tu_read(outside_copy, &before_len);
	run_every_operation(&t);
	gsize after_len = 0;
	char *after = tu_read(outside_copy, &after_len);
	g_assert_nonnull(after);
	g_assert_cmpmem(before, before_len, after, after_len);
	g_free(before), g_free(after), g_free(outside_copy), g_free(model);
	tree_free(&t);
}

static void write_info(const hostile_tree *t, long epoch, const void *text, size_t len)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	char *path = g_build_filename(t->root, "epochs", name, "ckpt-info.json", NULL);
	tu_write_bytes(path, text, len);
	g_free(path);
}

static void test_hostile_ckpt_info_files_are_flagged(void)
{
	hostile_tree t;
	tree_init(&t, 12);
	relink(&t, "last", "epochs/012");
	write_info(&t, 1, "", 0);
	write_info(&t, 2, "{\"epoch\": 2, \"checks", 20);
	GString *deep = g_string_new(NULL);
	for (int i = 0; i < 10000; i++)
		g_string_append_c(deep, '[');
	write_info(&t, 3, deep->str, deep->len);
	g_string_free(deep, TRUE);
	write_info(&t, 4, "{\"epoch\": 4,\0 \"x\": 1}", 21);
	write_info(&t, 5, "{\"epoch\": 5, \"metadata\": \"\xff\xfe\"}", 30);
	write_info(&t, 6, "{\"epoch\": 6, \"epoch\": 7}", 24);
	write_info(&t, 7, "{\"epoch\": \"7\"}", 14);
	write_info(&t, 8, "{\"epoch\": 8} trailing", 21);
	write_info(&t, 9, "[8]", 3);
	/* Several GB, sparse: must be refused by size, not read. */
	char *big = root_path(&t, "epochs/010/ckpt-info.json");
	int fd = open(big, O_WRONLY | O_TRUNC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, (off_t)5 << 30), ==, 0);
	close(fd);
	/* A symlink to a file outside must not be read through. */
	char *linked = root_path(&t, "epochs/011/ckpt-info.json");
	unlink(linked);
	g_assert_cmpint(symlink(t.sentinel, linked), ==, 0);

	ckpt_run *run = open_run(&t);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 12);
	for (long e = 1; e <= 11; e++) {
		const ckpt_epoch *epoch = ckpt_run_find_epoch(run, e);
		g_assert_nonnull(epoch);
		g_assert_cmpint(ckpt_epoch_info_state(epoch), ==, CKPT_INFO_INVALID);
		g_assert_nonnull(ckpt_epoch_info_error(epoch));
		g_assert_cmpstr(ckpt_epoch_info_error(epoch), !=, "");
	}
	g_assert_cmpint(ckpt_epoch_info_state(ckpt_run_find_epoch(run, 12)), ==, CKPT_INFO_OK);
	ckpt_verify_result results[12];
	g_assert_cmpint(ckpt_verify_run(results, run, NULL), ==, 0);
	for (int i = 0; i < 11; i++)
		g_assert_cmpstr(ckpt_verify_result_name(results[i]), ==, "no-info");
	g_assert_cmpstr(ckpt_verify_result_name(results[11]), ==, "ok");
	/* Rolling back onto a flagged epoch is refused without force (0.2:
	 * CKPT_EREFUSED, the refusal force overrides). */
	g_assert_cmpint(ckpt_rollback(NULL, run, 5, 0), ==, CKPT_EREFUSED);
	ckpt_run_unref(run);
	run_every_operation(&t);
	g_free(big), g_free(linked);
	tree_free(&t);
}

/* Python's json reads 1e400 as inf; so do we (it is an ok epoch whose
 * best_metric_last is +inf), rather than failing or reading garbage. */
static void test_huge_exponent_reads_as_infinity(void)
{
	hostile_tree t;
	tree_init(&t, 2);
	relink(&t, "last", "epochs/002");
	const char *text =
	    "{\"epoch\": 1, \"save_best_metric\": \"val_loss\", "
	    "\"best_metric_last\": 1e400, \"model_file\": \"model.h5\", "
	    "\"checksum\": \"__DISABLED__\", \"timestamp\": \"2026-03-02 09:00:46\", "
	    "\"time_elapsed\": -1e400, \"metadata\": null}";
	write_info(&t, 1, text, strlen(text));
	ckpt_run *run = open_run(&t);
	const ckpt_epoch *epoch = ckpt_run_find_epoch(run, 1);
	g_assert_cmpint(ckpt_epoch_info_state(epoch), ==, CKPT_INFO_OK);
	double best_last = 0;
	g_assert_true(ckpt_epoch_best_metric_last(&best_last, epoch));
	g_assert_true(isinf(best_last) && best_last > 0);
	char *json = NULL;
	g_assert_cmpint(ckpt_run_to_json(&json, run, 0), ==, 0);
	g_assert_nonnull(strstr(json, "\"best_metric_last\":\"inf\""));
	ckpt_free(json);
	ckpt_run_unref(run);
	run_every_operation(&t);
	tree_free(&t);
}

/* An epoch directory that is a mount point: clean must not remove what is
 * mounted there (a scratch file system), and must say so.
 *
 * This needs a real mount: the engine tells one by its device number, and
 * nothing else makes a directory whose device differs from its parent's
 * (faking st_dev would test the test, not the engine). The tmpfs is mounted
 * in a forked child's own mount namespace (tu_private_mount_namespace: as
 * root, or else in a user namespace, where an ordinary user may mount a
 * tmpfs), so it never shows on the machine and goes with the child even if
 * the test dies midway. Where the kernel allows neither, the test fails and
 * says so rather than pass without proving anything. */
typedef struct mount_case {
	const hostile_tree *t;
	const char *mount_dir; /* epochs/001 */
	const char *inside;    /* a file on the mounted file system */
} mount_case;

enum { MOUNT_ERRNO, MOUNT_OTHER_DEVICE, MOUNT_CLEAN_RC, MOUNT_NAMED, MOUNT_KEPT, MOUNT_N };

static int clean_over_a_mount(int *results, size_t n, void *payload)
{
	const mount_case *c = payload;
	const char *step = NULL;
	int err = n < MOUNT_N ? EINVAL : tu_private_mount_namespace(&step);
	if (!err && mount("ckpt-test", c->mount_dir, "tmpfs", 0, "size=1m") != 0)
		err = errno, step = "mount -t tmpfs";
	results[MOUNT_ERRNO] = err;
	if (err) {
		fprintf(stderr, "%s: %s\n", step ? step : "too few results", strerror(err));
		return 1;
	}
	char *epochs = root_path(c->t, "epochs");
	struct stat mounted, parent;
	results[MOUNT_OTHER_DEVICE] = stat(c->mount_dir, &mounted) == 0 &&
				      stat(epochs, &parent) == 0 && mounted.st_dev != parent.st_dev;
	g_free(epochs);
	tu_write(c->inside, "mounted");
	ckpt_run *run = open_run(c->t);
	ckpt_clean_plan *plan = NULL;
	results[MOUNT_CLEAN_RC] = ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR);
	if (!results[MOUNT_CLEAN_RC])
		results[MOUNT_CLEAN_RC] = ckpt_clean_apply(plan, NULL);
	results[MOUNT_NAMED] = strstr(ckpt_error_last(), "mount point") != NULL;
	char *still = tu_read(c->inside, NULL);
	results[MOUNT_KEPT] = g_strcmp0(still, "mounted") == 0;
	g_free(still);
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	return MOUNT_N;
}

static void test_mount_point_in_epochs_not_crossed(void)
{
	hostile_tree t;
	tree_init(&t, 4);
	relink(&t, "last", "epochs/004");
	char *mount_dir = root_path(&t, "epochs/001");
	char *inside = g_build_filename(mount_dir, "on-another-fs", NULL);
	mount_case c = {&t, mount_dir, inside};
	int results[MOUNT_N];
	size_t got = tu_run_in_child(clean_over_a_mount, &c, results, MOUNT_N);
	if (got == 1)
		tu_fail("cannot mount a tmpfs on %s in a private mount namespace (%s): this "
			"test needs root or user namespaces (kernel.unprivileged_userns_clone)",
			mount_dir, strerror(results[MOUNT_ERRNO]));
	g_assert_cmpuint(got, ==, MOUNT_N);
	g_assert_true(results[MOUNT_OTHER_DEVICE]); /* the premise: a real mount point */
	g_assert_cmpint(results[MOUNT_CLEAN_RC], ==, CKPT_EUNSAFE);
	g_assert_true(results[MOUNT_NAMED]);
	g_assert_true(results[MOUNT_KEPT]);
	/* Out here the tmpfs went with the child; the epoch beneath it is whole. */
	char *model = g_build_filename(mount_dir, "model.h5", NULL);
	g_assert_true(g_file_test(model, G_FILE_TEST_IS_REGULAR));
	g_assert_false(tu_exists(inside));
	g_free(model), g_free(inside), g_free(mount_dir);
	tree_free(&t);
}

static void test_fifo_and_linked_models_never_hang(void)
{
	hostile_tree t;
	tree_init(&t, 3);
	relink(&t, "last", "epochs/003");
	char *model = root_path(&t, "epochs/001/model.h5");
	unlink(model);
	g_assert_cmpint(mkfifo(model, 0644), ==, 0);
	char *model2 = root_path(&t, "epochs/002/model.h5");
	unlink(model2);
	g_assert_cmpint(symlink(t.sentinel, model2), ==, 0);
	ckpt_run *run = open_run(&t);
	ckpt_verify_result results[3];
	g_assert_cmpint(ckpt_verify_run(results, run, NULL), ==, 0);
	g_assert_cmpstr(ckpt_verify_result_name(results[0]), ==, "missing-model");
	g_assert_cmpstr(ckpt_verify_result_name(results[1]), ==, "missing-model");
	g_assert_cmpstr(ckpt_verify_result_name(results[2]), ==, "ok");
	g_assert_cmpint(ckpt_epoch_model_bytes(ckpt_run_find_epoch(run, 1)), ==, -1);
	ckpt_run_unref(run);
	run_every_operation(&t);
	g_free(model), g_free(model2);
	tree_free(&t);
}

static void test_log_as_symlink_is_never_written_through(void)
{
	hostile_tree t;
	tree_init(&t, 6);
	relink(&t, "last", "epochs/006");
	char *log = root_path(&t, "ckpt.log");
	unlink(log);
	g_assert_cmpint(symlink(t.sentinel, log), ==, 0);
	run_every_operation(&t);
	g_free(log);
	tree_free(&t);
}

/* A FIFO where ckpt.log or metrics.jsonl should be: appending must fail
 * with a clear error at once, never wait for a reader that never comes. */
static void test_fifo_log_and_history_never_hang(void)
{
	hostile_tree t;
	tree_init(&t, 4);
	relink(&t, "last", "epochs/004");
	char *log = root_path(&t, "ckpt.log");
	char *history = root_path(&t, "metrics.jsonl");
	unlink(log);
	g_assert_cmpint(mkfifo(log, 0644), ==, 0);
	g_assert_cmpint(mkfifo(history, 0644), ==, 0);
	ckpt_run *run = open_run(&t);
	g_assert_cmpint(ckpt_rollback(NULL, run, 3, 0), !=, 0);
	g_assert_nonnull(strstr(ckpt_error_last(), "not a regular file"));
	ckpt_run_unref(run);
	ckpt_params *params = NULL;
	ckpt_params_new(&params);
	ckpt_params_set(params, "epochs", "10");
	ckpt_params_set(params, "ckpt_directory", t.root);
	ckpt_writer *writer = NULL;
	g_assert_cmpint(ckpt_writer_new(&writer, params, 0), !=, 0);
	g_assert_nonnull(strstr(ckpt_error_last(), "not a regular file"));
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	run_every_operation(&t);
	g_free(log), g_free(history);
	tree_free(&t);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/hostile/links/root-parent-self-loop-file",
			test_links_to_root_parent_self_loop_and_file);
	g_test_add_func("/ckpt/hostile/epochs/odd-entries-are-strays-never-opened",
			test_odd_epoch_entries_are_strays_never_opened);
	g_test_add_func("/ckpt/hostile/staging/symlinked-work-and-epochs",
			test_symlinked_work_and_epochs_dirs);
	g_test_add_func("/ckpt/hostile/epochs/hard-linked-model-survives-outside",
			test_hard_linked_model_survives_outside);
	g_test_add_func("/ckpt/hostile/info/every-bad-file-flagged",
			test_hostile_ckpt_info_files_are_flagged);
	g_test_add_func("/ckpt/hostile/info/huge-exponent-reads-as-infinity",
			test_huge_exponent_reads_as_infinity);
	g_test_add_func("/ckpt/hostile/epochs/mount-point-not-crossed",
			test_mount_point_in_epochs_not_crossed);
	g_test_add_func("/ckpt/hostile/model/fifo-and-link-never-hang",
			test_fifo_and_linked_models_never_hang);
	g_test_add_func("/ckpt/hostile/log/fifo-log-and-history-never-hang",
			test_fifo_log_and_history_never_hang);
	g_test_add_func("/ckpt/hostile/log/symlink-never-written-through",
			test_log_as_symlink_is_never_written_through);
	/* Verify remembers its results under XDG_CACHE_HOME (0.2): not the user's. */
	char *cache = tu_tmpdir();
	g_setenv("XDG_CACHE_HOME", cache, TRUE);
	int rc = g_test_run();
	tu_rmtree(cache);
	g_free(cache);
	return rc;
}

/* test-ops.c: every browser operation at the edges of its API: NULL arguments
 * give EINVAL naming the call and accessors answer "nothing", and read-only
 * trees give EIO naming a path while the tree stays unchanged. */
#include "internal.h"
#include "ops-fixture.h"
#include "testutil.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- NULL arguments ---------------------------------------------------- */

#define ASSERT_EINVAL(call, name)                                                                  \
	do {                                                                                       \
		g_assert_cmpint((call), ==, CKPT_EINVAL);                                          \
		assert_error_has(name);                                                            \
	} while (0)

static void test_null_arguments_are_einval(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	char *path = g_build_filename(f.exp, "nt3-lr0.01", NULL);
	ckpt_run *run = tu_open_run(path);
	ckpt_run *got = NULL;
	ckpt_restart *restart = (ckpt_restart *)&got; /* any non-NULL: must be reset */
	ckpt_clean_plan *plan = NULL;
	ckpt_verify_result results[5];
	ckpt_run_list *list = NULL;
	ckpt_history *history = NULL;
	char *text = NULL;
	int changed = -1;
	ASSERT_EINVAL(ckpt_run_open(NULL, path), "ckpt_run_open");
	ASSERT_EINVAL(ckpt_run_open(&got, NULL), "ckpt_run_open");
	ASSERT_EINVAL(ckpt_run_refresh(NULL, NULL, run), "ckpt_run_refresh");
	ASSERT_EINVAL(ckpt_run_refresh(&got, NULL, NULL), "ckpt_run_refresh");
	ASSERT_EINVAL(ckpt_scan(NULL, path, 0, NULL, NULL, NULL), "ckpt_scan");
	ASSERT_EINVAL(ckpt_scan(&list, NULL, 0, NULL, NULL, NULL), "ckpt_scan");
	ASSERT_EINVAL(ckpt_run_list_refresh(&list, NULL, NULL, NULL, NULL, NULL),
		      "ckpt_run_list_refresh");
	ASSERT_EINVAL(ckpt_run_to_json(NULL, run, 0), "ckpt_run_to_json");
	ASSERT_EINVAL(ckpt_run_to_json(&text, NULL, 0), "ckpt_run_to_json");
	ASSERT_EINVAL(ckpt_rollback(&restart, NULL, 3, 0), "ckpt_rollback");
	g_assert_null(restart);
	ASSERT_EINVAL(ckpt_verify(NULL, NULL, 0, 0, NULL, NULL, NULL), "ckpt_verify");
	ASSERT_EINVAL(ckpt_clean_plan_new(&plan, NULL, 2, CKPT_KEEP_LINEAR), "ckpt_clean_plan_new");
	ASSERT_EINVAL(ckpt_clean_plan_new(NULL, run, 2, CKPT_KEEP_LINEAR), "ckpt_clean_plan_new");
	ASSERT_EINVAL(ckpt_clean_apply(NULL, NULL), "plan");
	ASSERT_EINVAL(ckpt_relink(&changed, NULL), "ckpt_relink");
	g_assert_cmpint(changed, ==, 0);
	ASSERT_EINVAL(ckpt_verify_run(results, NULL, NULL), "ckpt_verify_run");
	ASSERT_EINVAL(ckpt_verify_run(NULL, run, NULL), "ckpt_verify_run");
	ASSERT_EINVAL(ckpt_verify_epoch(results, NULL, 28, NULL), "ckpt_verify_epoch");
	ASSERT_EINVAL(ckpt_verify_epoch(NULL, run, 28, NULL), "ckpt_verify_epoch");
	ASSERT_EINVAL(ckpt_history_load(&history, NULL), "ckpt_history_load");
	ASSERT_EINVAL(ckpt_history_load(NULL, run), "ckpt_history_load");
	ASSERT_EINVAL(ckpt_history_refresh(&history, NULL, NULL, run), "ckpt_history_refresh");
	ASSERT_EINVAL(ckpt_clean_plan_to_json(&text, NULL, 0), "ckpt_clean_plan_to_json");
	g_assert_null(got);
	g_assert_null(plan);
	g_assert_null(list);
	g_assert_null(history);
	g_assert_null(text);

	/* Accessors answer "nothing" for a NULL run, list, plan or history. */
	g_assert_null(ckpt_run_name(NULL));
	g_assert_null(ckpt_run_root(NULL));
	g_assert_null(ckpt_run_folder(NULL));
	g_assert_null(ckpt_run_metric(NULL));
	g_assert_null(ckpt_run_problem(NULL));
	g_assert_false(ckpt_run_live(NULL));
	g_assert_cmpint(ckpt_run_writer_pid(NULL), ==, 0);
	g_assert_null(ckpt_run_writer_host(NULL));
	g_assert_null(ckpt_run_writer_since(NULL));
	g_assert_cmpuint(ckpt_run_health(NULL), ==, 0);
	g_assert_false(ckpt_run_best_metric(NULL, NULL));
	g_assert_cmpint(ckpt_run_updated(NULL), ==, 0);
	g_assert_null(ckpt_run_stray(NULL, 0));
	g_assert_null(ckpt_run_epoch(NULL, 0));
	g_assert_null(ckpt_run_find_epoch(NULL, 28));
	g_assert_null(ckpt_run_ref(NULL));
	ckpt_run_unref(NULL);
	g_assert_cmpint(ckpt_run_direction(NULL), ==, 0);
	g_assert_cmpint(ckpt_run_best(NULL), ==, 0);
	g_assert_cmpint(ckpt_run_last(NULL), ==, 0);
	g_assert_cmpint(ckpt_run_best_state(NULL), ==, CKPT_LINK_MISSING);
	g_assert_cmpint(ckpt_run_last_state(NULL), ==, CKPT_LINK_MISSING);
	g_assert_cmpint(ckpt_run_work_leftover(NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_stray_count(NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_epoch_count(NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_total_bytes(NULL), ==, 0);
	g_assert_cmpuint(ckpt_run_list_count(NULL), ==, 0);
	g_assert_null(ckpt_run_list_get(NULL, 0));
	g_assert_cmpuint(ckpt_run_list_problem_count(NULL), ==, 0);
	g_assert_null(ckpt_run_list_path(NULL));
	g_assert_null(ckpt_run_list_problem(NULL, 0));
	ckpt_run_list_free(NULL);
	g_assert_cmpuint(ckpt_clean_plan_count(NULL), ==, 0);
	g_assert_cmpint(ckpt_clean_plan_epoch(NULL, 0), ==, 0);
	g_assert_false(ckpt_clean_plan_keeps(NULL, 0));
	g_assert_cmpuint(ckpt_clean_plan_delete_count(NULL), ==, 0);
	g_assert_null(ckpt_clean_plan_note(NULL));
	g_assert_null(ckpt_clean_plan_run(NULL));
	g_assert_cmpuint(ckpt_clean_plan_bytes_freed(NULL), ==, 0);
	g_assert_cmpint(ckpt_clean_plan_removes_work(NULL), ==, 0);
	ckpt_clean_plan_free(NULL);
	g_assert_cmpuint(ckpt_history_count(NULL), ==, 0);
	g_assert_cmpint(ckpt_history_epoch(NULL, 0), ==, 0);
	g_assert_false(ckpt_history_value(NULL, NULL, 0));
	g_assert_null(ckpt_history_time(NULL, 0));
	g_assert_null(ckpt_history_problem(NULL));
	g_assert_cmpuint(ckpt_history_extra_name_count(NULL), ==, 0);
	g_assert_cmpuint(ckpt_history_session_count(NULL), ==, 0);
	g_assert_null(ckpt_history_metric(NULL));
	g_assert_cmpint(ckpt_history_direction(NULL), ==, 0);
	ckpt_history_free(NULL);
	/* ...and for a NULL epoch. */
	g_assert_cmpint(ckpt_epoch_number(NULL), ==, 0);
	g_assert_null(ckpt_epoch_dir(NULL));
	g_assert_null(ckpt_epoch_checksum(NULL));
	g_assert_cmpint(ckpt_epoch_model_bytes(NULL), ==, -1);
	g_assert_false(ckpt_epoch_metric(NULL, NULL));
	g_assert_false(ckpt_epoch_is_complete(NULL));
	g_assert_cmpuint(ckpt_epoch_extra_count(NULL), ==, 0);
	g_assert_cmpint(ckpt_epoch_check(NULL, NULL, NULL), ==, CKPT_CHECK_NEVER);
	ckpt_restart_free(NULL);
	g_assert_false(ckpt_restart_resumed(NULL));
	ckpt_free(NULL);
	ckpt_run_unref(run);
	g_free(path);
	tu_fixture_free(&f);
}

/* ---- read-only trees -------------------------------------------------- */

static void chmod_dirs(const char *dir, mode_t mode)
{
	g_assert_cmpint(chmod(dir, mode), ==, 0);
	GDir *d = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(d);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *child = g_build_filename(dir, name, NULL);
		struct stat st;
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			chmod_dirs(child, mode);
		g_free(child);
	}
	g_dir_close(d);
}

/* The operations, each with whether its error names a path of the run. */
static int every_write_op(int *results, size_t n, void *payload)
{
	const char *root = payload;
	ckpt_run *run = NULL;
	if (n < 8 || ckpt_run_open(&run, root) != 0)
		return 0;
	results[0] = ckpt_rollback(NULL, run, 27, 0);
	results[1] = strstr(ckpt_error_last(), root) != NULL;
	ckpt_clean_plan *plan = NULL;
	results[2] = ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR);
	results[3] = plan ? ckpt_clean_apply(plan, NULL) : 1;
	results[4] = strstr(ckpt_error_last(), root) != NULL;
	ckpt_clean_plan_free(plan);
	results[5] = ckpt_relink(NULL, run);
	results[6] = strstr(ckpt_error_last(), root) != NULL;
	ckpt_verify_result verify[5];
	results[7] = ckpt_verify_run(verify, run, NULL);
	ckpt_run_unref(run);
	return 8;
}

/* The tree without R/ckpt.lock: in a read-only root the lock file cannot be
 * removed on release (0.2 removes it), so a writable one keeps the holder
 * record the operation wrote. It is not checkpoint data. */
static char *snapshot_without_lock(const char *dir)
{
	char *tree = snapshot(dir);
	GString *out = g_string_new(NULL);
	char **lines = g_strsplit(tree, "\n", -1);
	for (char **line = lines; *line; line++)
		if (**line && !g_str_has_prefix(*line, "/ckpt.lock file "))
			g_string_append_printf(out, "%s\n", *line);
	g_strfreev(lines);
	g_free(tree);
	return g_string_free(out, FALSE);
}

static void check_read_only_run(bool lock_writable)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	g_assert_cmpint(chmod(f.dir, 0755), ==, 0);
	char *root = root_of(&f, "nt3-lr0.01");
	char *lock = g_build_filename(root, "ckpt.lock", NULL);
	if (lock_writable) {
		/* The lock can be taken: the operations themselves must fail cleanly. */
		tu_write(lock, "");
		g_assert_cmpint(chmod(lock, 0666), ==, 0);
		char *log = g_build_filename(root, "ckpt.log", NULL);
		g_assert_cmpint(chmod(log, 0666), ==, 0);
		g_free(log);
	}
	chmod_dirs(root, 0555);
	char *(*tree)(const char *) = lock_writable ? snapshot_without_lock : snapshot;
	char *before = tree(root);
	int results[8];
	g_assert_cmpuint(tu_run_unprivileged(every_write_op, root, results, 8), ==, 8);
	char *after = tree(root);
	chmod_dirs(root, 0755);
	g_assert_cmpint(results[0], ==, CKPT_EIO);
	g_assert_true(results[1]);
	g_assert_cmpint(results[2], ==, 0);
	g_assert_cmpint(results[3], ==, CKPT_EIO);
	g_assert_true(results[4]);
	g_assert_cmpint(results[5], ==, CKPT_EIO);
	g_assert_true(results[6]);
	g_assert_cmpint(results[7], ==, 0); /* reading needs no write permission */
	g_assert_cmpstr(before, ==, after);
	g_free(before), g_free(after), g_free(lock), g_free(root);
	tu_fixture_free(&f);
}

static void test_read_only_tree_without_lock_file(void)
{
	check_read_only_run(false);
}

static void test_read_only_tree_with_writable_lock(void)
{
	check_read_only_run(true);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	use_private_cache();
	g_test_add_func("/ckpt/ops/api/null-arguments-einval-accessors-nothing",
			test_null_arguments_are_einval);
	g_test_add_func("/ckpt/ops/read-only/no-lock-file-eio-naming-path-tree-unchanged",
			test_read_only_tree_without_lock_file);
	g_test_add_func("/ckpt/ops/read-only/writable-lock-eio-naming-path-tree-unchanged",
			test_read_only_tree_with_writable_lock);
	return g_test_run();
}

/* test-history-reconcile.c: a run's history as front ends read it
 * (history.c, history-parse.c): reconciled with the epochs on disk so that
 * no saved epoch is missing, its problems named, writer sessions numbered
 * from 1, refreshed by reading only what was appended, and the --json form. */
#include "api-fixture.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void save_extras(ckpt_writer *w, long epoch1, double value)
{
	const ckpt_metric extra[] = {{"loss", value * 2}, {"accuracy", 1 - value}};
	ckpt_epoch_result r = {.size = sizeof r};
	int rc = ckpt_writer_epoch(&r, w, epoch1 - 1, '-', value, extra, 2);
	if (rc)
		g_test_message("epoch %ld: %s", epoch1, ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
}

static ckpt_history *load(const ckpt_run *run)
{
	ckpt_history *h = NULL;
	int rc = ckpt_history_load(&h, run);
	if (rc)
		g_test_message("history: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	return h;
}

static double value_at(const ckpt_history *h, size_t i)
{
	double v = -1;
	g_assert_true(ckpt_history_value(&v, h, i));
	return v;
}

/* Removes the last n lines of a file. */
static void drop_last_lines(const char *path, size_t n)
{
	char **lines = af_read_lines(path);
	size_t count = g_strv_length(lines);
	g_assert_cmpuint(count, >=, n);
	for (size_t i = count - n; i < count; i++) {
		g_free(lines[i]);
		lines[i] = NULL;
	}
	af_write_lines(path, lines);
	g_strfreev(lines);
}

static void test_killed_before_append(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "ckpt_keep_mode", "all", NULL);
	const double values[] = {0.5, 0.4, 0.45, 0.3};
	for (int i = 0; i < 4; i++)
		save_extras(w, i + 1, values[i]);
	ckpt_writer_free(w);
	/* SIGKILL between publishing epochs/004 and appending its line. */
	char *jsonl = g_build_filename(root, "metrics.jsonl", NULL);
	drop_last_lines(jsonl, 1);

	ckpt_run *run = tu_open_run(root);
	ckpt_history *h = load(run);
	g_assert_cmpuint(ckpt_history_count(h), ==, 4);
	g_assert_null(ckpt_history_problem(h));
	for (size_t i = 0; i < 3; i++)
		g_assert_false(ckpt_history_recovered(h, i));
	g_assert_cmpint(ckpt_history_epoch(h, 3), ==, 4);
	g_assert_true(ckpt_history_recovered(h, 3));
	g_assert_true(ckpt_history_saved(h, 3));
	g_assert_true(ckpt_history_on_disk(h, 3, run));
	g_assert_cmpint(ckpt_history_session(h, 3), ==, 1);
	g_assert_cmpint(ckpt_history_session(h, 3), ==, ckpt_history_session(h, 0));
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 1);
	g_assert_cmpfloat(value_at(h, 3), ==, 0.3);
	double extra = 0;
	g_assert_true(ckpt_history_extra(&extra, h, 3, "loss"));
	g_assert_cmpfloat(extra, ==, 0.6);
	g_assert_true(ckpt_history_extra(&extra, h, 3, "accuracy"));
	g_assert_cmpfloat(extra, ==, 1 - 0.3);
	g_assert_false(ckpt_history_extra(&extra, h, 3, "val_loss"));
	g_assert_nonnull(ckpt_history_time(h, 3));
	g_assert_cmpuint(ckpt_history_extra_name_count(h), ==, 2);
	g_assert_cmpstr(ckpt_history_extra_name(h, 0), ==, "loss");
	g_assert_cmpstr(ckpt_history_extra_name(h, 1), ==, "accuracy");
	ckpt_history_free(h);
	ckpt_run_unref(run);
	g_free(jsonl);
	g_free(root);
	af_tree_free(dir);
}

static void test_truncated_last_line(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const double values[] = {0.5, 0.4, 0.3};
	af_save(root, values, 3, "ckpt_keep_mode", "all", NULL);
	char *jsonl = g_build_filename(root, "metrics.jsonl", NULL);
	int fd = open(jsonl, O_WRONLY | O_APPEND);
	g_assert_cmpint(fd, >=, 0);
	const char torn[] = "{\"epoch\": 4, \"metric\": \"val_lo";
	g_assert_cmpint(write(fd, torn, sizeof torn - 1), ==, (ssize_t)(sizeof torn - 1));
	close(fd);
	ckpt_run *run = tu_open_run(root);
	ckpt_history *h = load(run);
	g_assert_cmpuint(ckpt_history_count(h), ==, 3);
	const char *problem = ckpt_history_problem(h);
	g_assert_nonnull(problem);
	g_assert_nonnull(strstr(problem, "metrics.jsonl"));
	g_assert_nonnull(strstr(problem, "last line is incomplete"));
	ckpt_history_free(h);
	ckpt_run_unref(run);
	g_free(jsonl);
	g_free(root);
	af_tree_free(dir);
}

static void test_bad_lines_counted(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const double values[] = {0.5, 0.4, 0.3};
	af_save(root, values, 3, "ckpt_keep_mode", "all", NULL);
	char *jsonl = g_build_filename(root, "metrics.jsonl", NULL);
	char **lines = af_read_lines(jsonl);
	g_assert_cmpuint(g_strv_length(lines), ==, 3);
	char *mixed[] = {lines[0], "not a record", lines[1], "{\"epoch\": 0}", lines[2], NULL};
	af_write_lines(jsonl, mixed);
	ckpt_run *run = tu_open_run(root);
	ckpt_history *h = load(run);
	g_assert_cmpuint(ckpt_history_count(h), ==, 3);
	for (size_t i = 0; i < 3; i++)
		g_assert_false(ckpt_history_recovered(h, i));
	g_assert_cmpstr(ckpt_history_problem(h), ==,
			"metrics.jsonl: 2 lines are not a history record (the first: line 2)");
	ckpt_history_free(h);
	ckpt_run_unref(run);
	g_strfreev(lines);
	g_free(jsonl);
	g_free(root);
	af_tree_free(dir);
}

/* ---- sessions ---------------------------------------------------------------- */

/* A restart in a writer process of its own (a trainer run again): restart,
 * then epochs from..to. Exits 0 when all went well. */
static void restart_in_child(const char *root, long from, long to, const char *epochs)
{
	pid_t pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		af_model m = {0};
		ckpt_writer *w =
		    af_writer(root, &m, 0, "epochs", epochs, "ckpt_keep_mode", "all", NULL);
		ckpt_restart *r = NULL;
		if (ckpt_writer_restart(&r, w) != 0 || ckpt_restart_epoch(r) != from - 1)
			_exit(1);
		ckpt_restart_free(r);
		for (long e = from; e <= to; e++)
			save_extras(w, e, 0.1 / (double)e);
		ckpt_writer_free(w);
		_exit(0);
	}
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

static void test_sessions_across_restart(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "epochs", "6", "ckpt_keep_mode", "all", NULL);
	for (long e = 1; e <= 3; e++)
		save_extras(w, e, 0.5 / (double)e);
	ckpt_writer_free(w);
	restart_in_child(root, 4, 6, "6");
	ckpt_run *run = tu_open_run(root);
	ckpt_history *h = load(run);
	g_assert_cmpuint(ckpt_history_count(h), ==, 6);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 2);
	for (size_t i = 0; i < 6; i++) {
		g_assert_cmpint(ckpt_history_epoch(h, i), ==, (int64_t)i + 1);
		g_assert_cmpint(ckpt_history_session(h, i), ==, i < 3 ? 1 : 2);
	}
	ckpt_history_free(h);

	/* The second session's last line lost: its epoch is recovered into it. */
	char *jsonl = g_build_filename(root, "metrics.jsonl", NULL);
	drop_last_lines(jsonl, 1);
	h = load(run);
	g_assert_cmpuint(ckpt_history_count(h), ==, 6);
	g_assert_true(ckpt_history_recovered(h, 5));
	g_assert_cmpint(ckpt_history_session(h, 5), ==, 2);
	ckpt_history_free(h);

	/* A session whose only line was lost is still a session of its own. */
	restart_in_child(root, 7, 7, "7");
	drop_last_lines(jsonl, 1);
	ckpt_run *again = tu_open_run(root);
	h = load(again);
	g_assert_cmpuint(ckpt_history_count(h), ==, 7);
	g_assert_cmpint(ckpt_history_epoch(h, 6), ==, 7);
	g_assert_true(ckpt_history_recovered(h, 6));
	g_assert_cmpint(ckpt_history_session(h, 6), ==, 3);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 3);
	ckpt_history_free(h);
	ckpt_run_unref(again);
	ckpt_run_unref(run);
	g_free(jsonl);
	g_free(root);
	af_tree_free(dir);
}

/* A trainer that makes a second writer for the same run in the same process
 * (a notebook cell run again, a retry after an exception) starts a session. */
static void test_sessions_in_one_process(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "epochs", "4", "ckpt_keep_mode", "all", NULL);
	af_epoch(w, 1, '-', 0.5);
	af_epoch(w, 2, '-', 0.4);
	ckpt_writer_free(w);
	w = af_writer(root, &m, 0, "epochs", "4", "ckpt_keep_mode", "all", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(ckpt_writer_restart(&r, w), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 2);
	ckpt_restart_free(r);
	af_epoch(w, 3, '-', 0.3);
	af_epoch(w, 4, '-', 0.2);
	ckpt_writer_free(w);
	ckpt_run *run = tu_open_run(root);
	ckpt_history *h = load(run);
	g_assert_cmpuint(ckpt_history_count(h), ==, 4);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 2);
	g_assert_cmpint(ckpt_history_session(h, 1), ==, 1);
	g_assert_cmpint(ckpt_history_session(h, 2), ==, 2);
	ckpt_history_free(h);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

/* ---- refreshing ---------------------------------------------------------------- */

/* Overwrites, in place, the first byte of `what` in path with `with`. */
static void overwrite_in_place(const char *path, const char *what, char with)
{
	char *text = tu_read(path, NULL);
	const char *at = strstr(text, what);
	g_assert_nonnull(at);
	int fd = open(path, O_WRONLY);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(pwrite(fd, &with, 1, at - text), ==, 1);
	close(fd);
	g_free(text);
}

static void test_refresh_reads_only_appended(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "epochs", "10", "ckpt_keep_mode", "all", NULL);
	af_epoch(w, 1, '-', 0.5);
	af_epoch(w, 2, '-', 0.25);
	af_epoch(w, 3, '-', 0.125);
	ckpt_run *run1 = tu_open_run(root);
	ckpt_history *h1 = load(run1);
	g_assert_cmpuint(ckpt_history_count(h1), ==, 3);

	af_epoch(w, 4, '-', 0.0625);
	af_epoch(w, 5, '-', 0.03125);
	/* The part already read, changed in place (same file, same size): only
	 * a reader that reads it again can see it. */
	char *jsonl = g_build_filename(root, "metrics.jsonl", NULL);
	overwrite_in_place(jsonl, "0.5,", '7');
	ckpt_run *run2 = NULL;
	g_assert_cmpint(ckpt_run_refresh(&run2, NULL, run1), ==, 0);
	ckpt_history *h2 = NULL;
	bool changed = false;
	g_assert_cmpint(ckpt_history_refresh(&h2, &changed, h1, run2), ==, 0);
	g_assert_true(changed);
	g_assert_cmpuint(ckpt_history_count(h2), ==, 5);
	g_assert_cmpfloat(value_at(h2, 0), ==, 0.5);
	g_assert_cmpfloat(value_at(h2, 3), ==, 0.0625);
	g_assert_cmpfloat(value_at(h2, 4), ==, 0.03125);
	for (size_t i = 0; i < 5; i++)
		g_assert_false(ckpt_history_recovered(h2, i));
	/* The control: a full read sees the change. */
	ckpt_history *full = load(run2);
	g_assert_cmpfloat(value_at(full, 0), ==, 7.5);
	ckpt_history_free(full);
	/* The old history is untouched. */
	g_assert_cmpuint(ckpt_history_count(h1), ==, 3);

	/* Nothing new: unchanged. */
	ckpt_history *h3 = NULL;
	g_assert_cmpint(ckpt_history_refresh(&h3, &changed, h2, run2), ==, 0);
	g_assert_false(changed);
	g_assert_cmpuint(ckpt_history_count(h3), ==, 5);

	ckpt_writer_free(w);
	ckpt_history_free(h3);
	ckpt_history_free(h2);
	ckpt_history_free(h1);
	ckpt_run_unref(run2);
	ckpt_run_unref(run1);
	g_free(jsonl);
	g_free(root);
	af_tree_free(dir);
}

static void test_refresh_replaced_file_reloads(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const double values[] = {0.5, 0.25, 0.125};
	af_save(root, values, 3, "ckpt_keep_mode", "all", NULL);
	ckpt_run *run = tu_open_run(root);
	ckpt_history *h1 = load(run);
	char *jsonl = g_build_filename(root, "metrics.jsonl", NULL);
	/* A new file in its place (a copy restored, an editor's save). */
	char *text = tu_read(jsonl, NULL);
	char *at = strstr(text, "0.5,");
	g_assert_nonnull(at);
	at[2] = '9';
	char *tmp = g_build_filename(root, "metrics.jsonl.new", NULL);
	tu_write(tmp, text);
	g_assert_cmpint(rename(tmp, jsonl), ==, 0);
	ckpt_history *h2 = NULL;
	bool changed = false;
	g_assert_cmpint(ckpt_history_refresh(&h2, &changed, h1, run), ==, 0);
	g_assert_true(changed);
	g_assert_cmpuint(ckpt_history_count(h2), ==, 3);
	g_assert_cmpfloat(value_at(h2, 0), ==, 0.9);
	g_assert_cmpfloat(value_at(h1, 0), ==, 0.5);
	ckpt_history_free(h2);
	ckpt_history_free(h1);
	ckpt_run_unref(run);
	g_free(tmp);
	g_free(text);
	g_free(jsonl);
	g_free(root);
	af_tree_free(dir);
}

static void test_on_disk(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	/* Saved when better or final; retention keeps the newest 2 (and best). */
	const double values[] = {0.5, 0.4, 0.45, 0.3, 0.35};
	af_save(root, values, 5, "epochs", "5", "ckpt_save_interval", "100", "ckpt_keep_limit", "2",
		NULL);
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 2);
	ckpt_history *h = load(run);
	g_assert_cmpuint(ckpt_history_count(h), ==, 5);
	const bool saved[] = {true, true, false, true, true};
	const bool on_disk[] = {false, false, false, true, true};
	for (size_t i = 0; i < 5; i++) {
		g_assert_cmpint(ckpt_history_saved(h, i), ==, saved[i]);
		g_assert_cmpint(ckpt_history_on_disk(h, i, run), ==, on_disk[i]);
	}
	ckpt_history_free(h);

	/* Rolled back to 4 and epoch 5 saved again: only the later save is on disk. */
	g_assert_cmpint(ckpt_rollback(NULL, run, 4, 0), ==, 0);
	restart_in_child(root, 5, 5, "5");
	ckpt_run *again = tu_open_run(root);
	h = load(again);
	g_assert_cmpuint(ckpt_history_count(h), ==, 6);
	g_assert_cmpint(ckpt_history_epoch(h, 4), ==, 5);
	g_assert_cmpint(ckpt_history_epoch(h, 5), ==, 5);
	g_assert_false(ckpt_history_on_disk(h, 4, again));
	g_assert_true(ckpt_history_on_disk(h, 5, again));
	g_assert_true(ckpt_history_on_disk(h, 3, again));
	ckpt_history_free(h);
	ckpt_run_unref(again);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

static void test_json_keys(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "ckpt_keep_mode", "all", NULL);
	for (int i = 0; i < 3; i++)
		save_extras(w, i + 1, 0.5 - 0.1 * i);
	ckpt_writer_free(w);
	ckpt_run *run = tu_open_run(root);
	ckpt_history *h = load(run);
	for (unsigned flags = 0; flags <= CKPT_JSON_PRETTY; flags++) {
		char *text = NULL;
		g_assert_cmpint(ckpt_history_to_json(&text, h, flags), ==, 0);
		cJSON *json = cJSON_Parse(text);
		g_assert_nonnull(json);
		g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "run")), ==,
				ckpt_run_name(run));
		g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "metric")), ==,
				"val_loss");
		g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "direction")), ==,
				"-");
		g_assert_cmpfloat(cJSON_GetNumberValue(cJSON_GetObjectItem(json, "sessions")), ==,
				  1);
		const cJSON *points = cJSON_GetObjectItem(json, "points");
		g_assert_true(cJSON_IsArray(points));
		g_assert_cmpint(cJSON_GetArraySize(points), ==, 3);
		for (int i = 0; i < 3; i++) {
			const cJSON *p = cJSON_GetArrayItem(points, i);
			const char *keys[] = {"epoch",   "value", "saved",  "best",
					      "session", "time",  "metrics"};
			for (size_t k = 0; k < G_N_ELEMENTS(keys); k++)
				g_assert_nonnull(cJSON_GetObjectItem(p, keys[k]));
			g_assert_cmpfloat(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "epoch")), ==,
					  i + 1);
			g_assert_cmpfloat(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "value")), ==,
					  value_at(h, (size_t)i));
			g_assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "saved")));
			g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(p, "time")), ==,
					ckpt_history_time(h, (size_t)i));
			const cJSON *metrics = cJSON_GetObjectItem(p, "metrics");
			g_assert_cmpint(cJSON_GetArraySize(metrics), ==, 2);
			double loss = 0;
			g_assert_true(ckpt_history_extra(&loss, h, (size_t)i, "loss"));
			g_assert_cmpfloat(
			    cJSON_GetNumberValue(cJSON_GetObjectItem(metrics, "loss")), ==, loss);
		}
		cJSON_Delete(json);
		ckpt_free(text);
	}
	ckpt_history_free(h);
	ckpt_run_unref(run);
	g_free(root);
	af_tree_free(dir);
}

/* ---- runs the original started -------------------------------------------- */

static void test_original_run_continued(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	g_setenv("XDG_CACHE_HOME", f.dir, TRUE);
	char *root = af_fixture_root(&f, "resumed");
	ckpt_run *run = tu_open_run(root);
	ckpt_history *h = load(run);
	size_t n = ckpt_history_count(h);
	g_assert_cmpuint(n, >=, 20);
	g_assert_cmpuint(ckpt_history_session_count(h), ==, 2);
	g_assert_cmpint(ckpt_history_session(h, 0), ==, 1);
	g_assert_cmpint(ckpt_history_session(h, n - 1), ==, 2);
	for (size_t i = 0; i < n; i++)
		g_assert_false(ckpt_history_recovered(h, i));
	/* Every epoch on disk is some point's save. */
	for (size_t e = 0; e < ckpt_run_epoch_count(run); e++) {
		int64_t epoch = ckpt_epoch_number(ckpt_run_epoch(run, e));
		size_t found = 0;
		for (size_t i = 0; i < n; i++)
			found +=
			    ckpt_history_epoch(h, i) == epoch && ckpt_history_on_disk(h, i, run);
		g_assert_cmpuint(found, ==, 1);
	}

	/* libckpt's writer continues it: a third session after the log's two. */
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "epochs", "22", "ckpt_checksum", "false",
				   "ckpt_keep_mode", "all", NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(ckpt_writer_restart(&r, w), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 20);
	ckpt_restart_free(r);
	save_extras(w, 21, 0.01);
	save_extras(w, 22, 0.005);
	ckpt_writer_free(w);
	ckpt_run *after = tu_open_run(root);
	ckpt_history *h2 = load(after);
	g_assert_cmpuint(ckpt_history_count(h2), ==, n + 2);
	g_assert_cmpuint(ckpt_history_session_count(h2), ==, 3);
	for (size_t i = 0; i < n; i++) {
		g_assert_cmpint(ckpt_history_epoch(h2, i), ==, ckpt_history_epoch(h, i));
		g_assert_cmpint(ckpt_history_session(h2, i), ==, ckpt_history_session(h, i));
		g_assert_cmpint(ckpt_history_saved(h2, i), ==, ckpt_history_saved(h, i));
	}
	g_assert_cmpint(ckpt_history_epoch(h2, n), ==, 21);
	g_assert_cmpint(ckpt_history_epoch(h2, n + 1), ==, 22);
	g_assert_cmpint(ckpt_history_session(h2, n), ==, 3);
	g_assert_cmpint(ckpt_history_session(h2, n + 1), ==, 3);
	g_assert_false(ckpt_history_recovered(h2, n + 1));
	g_assert_true(ckpt_history_on_disk(h2, n + 1, after));
	ckpt_history_free(h2);
	ckpt_history_free(h);
	ckpt_run_unref(after);
	ckpt_run_unref(run);
	g_free(root);
	tu_fixture_free(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/history/reconcile/epoch-without-line-is-recovered",
			test_killed_before_append);
	g_test_add_func("/ckpt/history/problem/truncated-last-line-named",
			test_truncated_last_line);
	g_test_add_func("/ckpt/history/problem/bad-lines-counted", test_bad_lines_counted);
	g_test_add_func("/ckpt/history/sessions/numbered-from-1-across-restarts",
			test_sessions_across_restart);
	g_test_add_func("/ckpt/history/sessions/second-writer-in-one-process-is-a-new-session",
			test_sessions_in_one_process);
	g_test_add_func("/ckpt/history/refresh/reads-only-appended-part",
			test_refresh_reads_only_appended);
	g_test_add_func("/ckpt/history/refresh/replaced-file-reloaded",
			test_refresh_replaced_file_reloads);
	g_test_add_func("/ckpt/history/on-disk/only-last-save-of-present-epoch", test_on_disk);
	g_test_add_func("/ckpt/history/json/documented-keys", test_json_keys);
	g_test_add_func("/ckpt/history/original/resumed-run-continued-by-libckpt",
			test_original_run_continued);
	return g_test_run();
}

/* test-reader-hostile.c: reading hostile trees: links that loop, escape or
 * dangle get clear states; odd entries in epochs/ are strays never opened;
 * a symlinked epochs/ is not followed; bad ckpt-info.json files are flagged. */
#include "internal.h"
#include "reader-fixture.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static void relink(const char *root, const char *name, const char *target)
{
	char *path = g_build_filename(root, name, NULL);
	unlink(path);
	g_assert_cmpint(symlink(target, path), ==, 0);
	g_free(path);
}

/* ---- hostile trees ---------------------------------------------------------------- */

static void assert_link_states(const char *root, const char *folder, ckpt_link_state want,
			       long want_epoch)
{
	ckpt_run *run = tu_open_run(folder);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_last_state(run)), ==,
			ckpt_link_state_name(want));
	g_assert_cmpint(ckpt_run_last(run), ==, want_epoch);
	g_assert_cmpint(ckpt_run_best_state(run), ==, want);
	cJSON *json = run_json(run);
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "last_state")), ==,
			ckpt_link_state_name(want));
	const cJSON *last = cJSON_GetObjectItem(json, "last");
	if (want_epoch)
		g_assert_cmpint((long)cJSON_GetNumberValue(last), ==, want_epoch);
	else
		g_assert_true(cJSON_IsNull(last));
	cJSON_Delete(json);
	ckpt_run_unref(run);
	(void)root;
}

static void test_hostile_links_give_clear_states(void)
{
	char *tmp = tu_tmpdir();
	char *folder = g_build_filename(tmp, "run", NULL);
	char *root = make_run(tmp, "run", 3);
	char *copy_root = make_run(tmp, "copy", 3);
	char *into_copy = g_build_filename(copy_root, "epochs", "002", NULL);
	char *log = g_build_filename(root, "ckpt.log", NULL);
	relink(root, "loop-a", "loop-b");
	relink(root, "loop-b", "loop-a");
	static const struct {
		const char *target;
		ckpt_link_state state;
		long epoch;
	} cases[] = {
	    {"/", CKPT_LINK_OUTSIDE, 0},
	    {"../..", CKPT_LINK_OUTSIDE, 0},
	    {"SELF", CKPT_LINK_DANGLING, 0},
	    {"loop-a", CKPT_LINK_DANGLING, 0},
	    {"ckpt.log", CKPT_LINK_OUTSIDE, 0},
	    /* 0.2: a dangling link still names the epoch its target does. */
	    {"epochs/099", CKPT_LINK_DANGLING, 99},
	    {"epochs/002", CKPT_LINK_OK, 2},
	    /* An absolute link into the copy this run was made from: outside,
	     * but it names our epoch 2 (SPEC §3), so it is shown. */
	    {"COPY", CKPT_LINK_OUTSIDE, 2},
	    /* Absolute, into a folder that no longer exists (the machine the run
	     * was copied from): GONE is below the test's own missing folder, as
	     * /scratch/candle might exist here. */
	    {"GONE", CKPT_LINK_RELOCATED, 3},
	};
	char *gone = tu_gone_prefix(tmp);
	char *into_gone = g_build_filename(gone, "scratch/candle/gone/ckpts/epochs/003", NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *target = cases[i].target;
		if (!strcmp(target, "COPY"))
			target = into_copy;
		if (!strcmp(target, "GONE"))
			target = into_gone;
		relink(root, "last", !strcmp(target, "SELF") ? "last" : target);
		relink(root, "best", !strcmp(target, "SELF") ? "best" : target);
		assert_link_states(root, folder, cases[i].state, cases[i].epoch);
	}
	/* `last` as a real directory, `best` absent. */
	char *last = g_build_filename(root, "last", NULL);
	char *best = g_build_filename(root, "best", NULL);
	unlink(last), unlink(best);
	g_assert_cmpint(mkdir(last, 0755), ==, 0);
	ckpt_run *run = tu_open_run(folder);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_last_state(run)), ==, "not-a-link");
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_best_state(run)), ==, "missing");
	g_assert_cmpint(ckpt_run_last(run), ==, 0);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 3);
	ckpt_run_unref(run);
	g_free(best), g_free(last), g_free(log), g_free(into_copy), g_free(copy_root);
	g_free(into_gone), g_free(gone);
	g_free(root), g_free(folder);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_odd_epoch_entries_are_strays_never_opened(void)
{
	char *tmp = tu_tmpdir();
	char *outside = tu_tmpdir();
	char *root = make_run(tmp, "run", 3);
	/* Things that look like epochs and must not be read: each holds a valid info. */
	make_root(outside, 1);
	char *outside_epoch = g_build_filename(outside, "epochs", "001", NULL);
	char *epochs = g_build_filename(root, "epochs", NULL);
	relink(epochs, "004", outside_epoch);
	char *fifo = g_build_filename(epochs, "005", NULL);
	g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
	char *file = g_build_filename(epochs, "006", NULL);
	tu_write(file, "{\"epoch\": 6}");
	const char *odd[] = {"1e3", "-1", "7", "1234567890123456789012345678901234567890", "0000"};
	for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
		char *d = g_build_filename(epochs, odd[i], NULL);
		g_assert_cmpint(mkdir(d, 0755), ==, 0);
		char *info = g_build_filename(d, "ckpt-info.json", NULL);
		tu_write(info, "{\"epoch\": 7}");
		g_free(info), g_free(d);
	}
	/* A socket, where its path fits in sun_path. */
	char *sock_path = g_build_filename(epochs, "008", NULL);
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	bool have_socket = sock >= 0 && strlen(sock_path) < sizeof addr.sun_path;
	if (have_socket) {
		strcpy(addr.sun_path, sock_path);
		g_assert_cmpint(bind(sock, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	}
	relink(root, "work", outside);

	char *folder = g_build_filename(tmp, "run", NULL);
	ckpt_run *run = tu_open_run(folder);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 3);
	g_assert_cmpuint(ckpt_run_info_reads(run), ==, 3);
	GString *strays = g_string_new(NULL);
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++)
		g_string_append_printf(strays, "%s,", ckpt_run_stray(run, i));
	g_assert_cmpstr(
	    strays->str, ==,
	    have_socket ? "-1,0000,004,005,006,008,"
			  "1234567890123456789012345678901234567890,1e3,7,"
			: "-1,0000,004,005,006,1234567890123456789012345678901234567890,1e3,7,");
	g_assert_true(ckpt_run_work_leftover(run));
	cJSON *json = run_json(run);
	g_assert_cmpint(cJSON_GetArraySize(cJSON_GetObjectItem(json, "stray")), ==,
			(int)ckpt_run_stray_count(run));
	g_assert_true(cJSON_IsTrue(cJSON_GetObjectItem(json, "work_leftover")));
	cJSON_Delete(json);
	g_string_free(strays, TRUE);
	ckpt_run_unref(run);

	/* work.old alone is a leftover too (a writer stopped mid-replace). */
	char *work = g_build_filename(root, "work", NULL);
	char *work_old = g_build_filename(root, "work.old", NULL);
	unlink(work);
	g_assert_cmpint(mkdir(work_old, 0755), ==, 0);
	run = tu_open_run(folder);
	g_assert_true(ckpt_run_work_leftover(run));
	ckpt_run_unref(run);
	rmdir(work_old);
	run = tu_open_run(folder);
	g_assert_false(ckpt_run_work_leftover(run));
	ckpt_run_unref(run);

	if (sock >= 0)
		close(sock);
	g_free(work_old), g_free(work), g_free(folder), g_free(sock_path), g_free(file);
	g_free(fifo), g_free(epochs), g_free(outside_epoch), g_free(root);
	tu_rmtree(outside), tu_rmtree(tmp);
	g_free(outside), g_free(tmp);
}

static void test_symlinked_epochs_dir_is_not_followed(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 0);
	char *elsewhere = g_build_filename(tmp, "elsewhere", NULL);
	make_root(elsewhere, 2);
	char *epochs = g_build_filename(root, "epochs", NULL);
	char *target = g_build_filename(elsewhere, "epochs", NULL);
	g_assert_cmpint(rmdir(epochs), ==, 0);
	g_assert_cmpint(symlink(target, epochs), ==, 0);
	/* Links that would name an epoch only through the linked epochs/. */
	relink(root, "last", "epochs/002");
	char *absolute = g_build_filename(root, "epochs", "001", NULL);
	relink(root, "best", absolute);
	ckpt_run *run = tu_open_run(root);
	g_assert_cmpuint(ckpt_run_epoch_count(run), ==, 0);
	g_assert_cmpuint(ckpt_run_info_reads(run), ==, 0);
	g_assert_nonnull(ckpt_run_problem(run));
	g_assert_nonnull(strstr(ckpt_run_problem(run), "symbolic link"));
	g_assert_cmpint(ckpt_run_last(run), ==, 0);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_last_state(run)), ==, "outside");
	g_assert_cmpint(ckpt_run_best(run), ==, 0);
	g_assert_cmpstr(ckpt_link_state_name(ckpt_run_best_state(run)), ==, "outside");
	cJSON *json = run_json(run);
	g_assert_cmpstr(cJSON_GetStringValue(cJSON_GetObjectItem(json, "problem")), ==,
			ckpt_run_problem(run));
	g_assert_true(cJSON_IsNull(cJSON_GetObjectItem(json, "last")));
	cJSON_Delete(json);
	/* Nothing to relink, nothing to clean: elsewhere stays as it is. */
	char *before = tu_snapshot_tree(elsewhere);
	int changed = -1;
	g_assert_cmpint(ckpt_relink(&changed, run), ==, 0);
	g_assert_cmpint(changed, ==, 0);
	ckpt_clean_plan *plan = NULL;
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, 1, CKPT_KEEP_LINEAR), ==, 0);
	g_assert_cmpuint(ckpt_clean_plan_count(plan), ==, 0);
	g_assert_cmpint(ckpt_clean_apply(plan, NULL), ==, 0);
	ckpt_clean_plan_free(plan);
	char *after = tu_snapshot_tree(elsewhere);
	g_assert_cmpstr(before, ==, after);
	ckpt_run_unref(run);
	g_free(before), g_free(after), g_free(absolute);
	g_free(target), g_free(epochs), g_free(elsewhere), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_invalid_and_mismatched_info_are_flagged(void)
{
	char *tmp = tu_tmpdir();
	char *root = make_run(tmp, "run", 4);
	char *bad = g_build_filename(root, "epochs", "002", "ckpt-info.json", NULL);
	tu_write(bad, "{\"epoch\": 2, \"checks");
	make_epoch_as(root, 3, 27, 0.25);
	char *gone = g_build_filename(root, "epochs", "004", "ckpt-info.json", NULL);
	g_assert_cmpint(unlink(gone), ==, 0);
	ckpt_run *run = tu_open_run(root);
	const ckpt_epoch *e1 = ckpt_run_find_epoch(run, 1);
	const ckpt_epoch *e2 = ckpt_run_find_epoch(run, 2);
	const ckpt_epoch *e3 = ckpt_run_find_epoch(run, 3);
	const ckpt_epoch *e4 = ckpt_run_find_epoch(run, 4);
	g_assert_cmpint(ckpt_epoch_info_state(e1), ==, CKPT_INFO_OK);
	g_assert_null(ckpt_epoch_info_error(e1));
	/* 0.2: a disabled checksum is none to check; the stored text is kept. */
	g_assert_null(ckpt_epoch_checksum(e1));
	g_assert_cmpint(ckpt_epoch_checksum_kind(e1), ==, CKPT_CHECKSUM_KIND_DISABLED);
	g_assert_cmpstr(ckpt_epoch_stored_checksum(e1), ==, "__DISABLED__");
	g_assert_false(ckpt_epoch_time_elapsed(NULL, e1));
	g_assert_true(ckpt_epoch_first_save(e1));
	g_assert_true(ckpt_epoch_is_complete(e1));
	g_assert_cmpint(ckpt_epoch_health(e1), ==, CKPT_EPOCH_OK);
	g_assert_cmpint(ckpt_epoch_info_state(e2), ==, CKPT_INFO_INVALID);
	g_assert_nonnull(strstr(ckpt_epoch_info_error(e2), "epochs/002/ckpt-info.json"));
	g_assert_cmpint(ckpt_epoch_health(e2), ==, CKPT_EPOCH_INCOMPLETE);
	g_assert_cmpint(ckpt_epoch_info_state(e3), ==, CKPT_INFO_INVALID);
	g_assert_cmpstr(ckpt_epoch_info_error(e3), ==,
			"epochs/003/ckpt-info.json: epoch is 27, expected 3");
	g_assert_null(ckpt_epoch_checksum(e3));
	g_assert_cmpint(ckpt_epoch_health(e3), ==, CKPT_EPOCH_INCOMPLETE);
	g_assert_cmpint(ckpt_epoch_checksum_kind(e3), ==, CKPT_CHECKSUM_KIND_NONE);
	g_assert_cmpint(ckpt_epoch_info_state(e4), ==, CKPT_INFO_MISSING);
	g_assert_null(ckpt_epoch_info_error(e4));
	g_assert_cmpint(ckpt_epoch_model_bytes(e4), ==, 104);
	g_assert_cmpint(ckpt_epoch_model_state(e4), ==, CKPT_MODEL_OK);
	g_assert_false(ckpt_epoch_is_complete(e4));
	g_assert_cmpint(ckpt_epoch_health(e4), ==, CKPT_EPOCH_INCOMPLETE);
	g_assert_true(ckpt_run_health(run) & CKPT_HEALTH_INCOMPLETE);
	g_assert_cmpstr(ckpt_run_health_text(run), ==, "3 incomplete");
	g_assert_null(ckpt_run_find_epoch(run, 5));
	g_assert_null(ckpt_run_find_epoch(run, 0));
	cJSON *json = run_json(run);
	const cJSON *epochs = cJSON_GetObjectItem(json, "epochs");
	g_assert_cmpstr(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(epochs, 1), "info")), ==,
	    "invalid");
	g_assert_cmpstr(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(epochs, 3), "info")), ==,
	    "missing");
	g_assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(epochs, 2), "checksum")));
	cJSON_Delete(json);
	ckpt_run_unref(run);
	g_free(gone), g_free(bad), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void assert_not_a_file(const ckpt_run *run, long epoch, const char *why)
{
	const ckpt_epoch *e = ckpt_run_find_epoch(run, epoch);
	g_assert_nonnull(e);
	g_assert_cmpint(ckpt_epoch_info_state(e), ==, CKPT_INFO_INVALID);
	char *want = g_strdup_printf("epochs/%03ld/ckpt-info.json: %s", epoch, why);
	g_assert_cmpstr(ckpt_epoch_info_error(e), ==, want);
	g_free(want);
	g_assert_cmpint(ckpt_epoch_health(e), ==, CKPT_EPOCH_INCOMPLETE);
}

/* An info is read without a stat first: what is not a regular file in its
 * place (a FIFO, even one a live writer filled with valid JSON, a folder, a
 * link to a valid info) is still refused as such, never read or waited on. */
static void test_info_not_a_regular_file_is_refused_unread(void)
{
	char *tmp = tu_tmpdir();
	char *outside = tu_tmpdir();
	make_root(outside, 1);
	char *root = make_run(tmp, "run", 5);
	char *info[6];
	for (long e = 1; e <= 5; e++) {
		char name[4];
		snprintf(name, sizeof name, "%03ld", e);
		info[e] = g_build_filename(root, "epochs", name, "ckpt-info.json", NULL);
	}
	g_assert_cmpint(unlink(info[1]), ==, 0);
	g_assert_cmpint(mkfifo(info[1], 0644), ==, 0);
	g_assert_cmpint(unlink(info[2]), ==, 0);
	g_assert_cmpint(mkfifo(info[2], 0644), ==, 0);
	int reader = open(info[2], O_RDONLY | O_NONBLOCK); /* so the writer may open */
	int writer = open(info[2], O_WRONLY | O_NONBLOCK);
	g_assert_cmpint(writer, >=, 0);
	const char *json = "{\"epoch\": 2, \"checksum\": \"__DISABLED__\"}";
	g_assert_cmpint(write(writer, json, strlen(json)), ==, (ssize_t)strlen(json));
	g_assert_cmpint(unlink(info[3]), ==, 0);
	g_assert_cmpint(mkdir(info[3], 0755), ==, 0);
	char *valid = g_build_filename(outside, "epochs", "001", "ckpt-info.json", NULL);
	g_assert_cmpint(unlink(info[4]), ==, 0);
	g_assert_cmpint(symlink(valid, info[4]), ==, 0);

	ckpt_run *run = tu_open_run(root);
	assert_not_a_file(run, 1, "not a regular file");
	assert_not_a_file(run, 2, "not a regular file");
	assert_not_a_file(run, 3, "not a regular file");
	assert_not_a_file(run, 4, "is a symbolic link, not a file");
	g_assert_cmpint(ckpt_epoch_info_state(ckpt_run_find_epoch(run, 5)), ==, CKPT_INFO_OK);
	/* The live writer's bytes are still in its pipe: none was read. */
	char got[128];
	g_assert_cmpint(read(reader, got, sizeof got), ==, (ssize_t)strlen(json));
	ckpt_run_unref(run);

	close(writer);
	close(reader);
	for (long e = 1; e <= 5; e++)
		g_free(info[e]);
	g_free(valid), g_free(root);
	tu_rmtree(tmp);
	tu_rmtree(outside);
	g_free(tmp), g_free(outside);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/reader/hostile/links-give-clear-states",
			test_hostile_links_give_clear_states);
	g_test_add_func("/ckpt/reader/hostile/odd-epoch-entries-are-strays-never-opened",
			test_odd_epoch_entries_are_strays_never_opened);
	g_test_add_func("/ckpt/reader/hostile/symlinked-epochs-not-followed",
			test_symlinked_epochs_dir_is_not_followed);
	g_test_add_func("/ckpt/reader/info/invalid-and-mismatched-flagged",
			test_invalid_and_mismatched_info_are_flagged);
	g_test_add_func("/ckpt/reader/info/not-a-regular-file-refused-unread",
			test_info_not_a_regular_file_is_refused_unread);
	return g_test_run();
}

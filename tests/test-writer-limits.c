/* test-writer-limits.c: the writer never writes what its own readers
 * refuse (a ckpt-info.json over 1 MiB, text that is not UTF-8, two extra
 * metrics of one name), and says why before writing anything; and what a
 * save logs is bounded however many epochs the run keeps. */
#include "writer-fixture.h"
#include "testutil.h"

#include <string.h>
#include <sys/stat.h>

static char *big_text(size_t n, char c)
{
	char *text = g_malloc(n + 1);
	memset(text, c, n);
	text[n] = '\0';
	return text;
}

static ckpt_params *params_for(const char *root, const char *metadata)
{
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "10"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_keep_mode", "all"), ==, 0);
	if (metadata)
		g_assert_cmpint(ckpt_params_set(params, "metadata", metadata), ==, 0);
	return params;
}

/* The case: a metadata of 1.5 MiB made checkpoints no restart could
 * read. Refused at the start, naming the limit, with nothing created. */
static void test_metadata_over_the_readers_limit(void)
{
	char *tmp = tu_tmpdir();
	char *root = g_build_filename(tmp, "ckpts", NULL);
	char *metadata = big_text(1536 * 1024, 'm');
	ckpt_params *params = params_for(root, metadata);
	ckpt_writer *w = NULL;
	g_assert_cmpint(ckpt_writer_new(&w, params, 0), ==, CKPT_EINVAL);
	g_assert_null(w);
	g_assert_nonnull(strstr(ckpt_error_last(), "larger than the 1048576 that readers accept"));
	g_assert_nonnull(strstr(ckpt_error_last(), "metadata 1572864 bytes"));
	g_assert_false(tu_exists(root));
	/* A follower refuses the same. */
	g_assert_cmpint(ckpt_writer_new(&w, params, CKPT_WRITER_FOLLOWER), ==, CKPT_EINVAL);
	ckpt_params_free(params);
	g_free(metadata), g_free(root);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* ckpt-info.json escapes every byte (as Python's json does), but the
 * history line keeps UTF-8 as is: a metric name that is not UTF-8 would make
 * lines every reader skips. */
static void test_metric_name_not_utf8_refused(void)
{
	char *tmp = tu_tmpdir();
	ckpt_params *params = params_for(tmp, NULL);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_save_best_metric", "val\xff\xfe"), ==, 0);
	ckpt_writer *w = NULL;
	g_assert_cmpint(ckpt_writer_new(&w, params, 0), ==, CKPT_EINVAL);
	g_assert_nonnull(strstr(ckpt_error_last(), "refused by readers"));
	g_assert_nonnull(strstr(ckpt_error_last(), "UTF-8"));
	ckpt_params_free(params);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* Just under the limit: saved, and read back by a restart. */
static void test_metadata_near_the_limit_restarts(void)
{
	char *tmp = tu_tmpdir();
	char *metadata = big_text(1000 * 1024, 'm');
	model_io io = {.tag = "l"};
	ckpt_writer *w = writer_with(tmp, &io, "metadata", metadata, "ckpt_keep_mode", "all", NULL);
	epoch(w, 1, '-', 0.5);
	ckpt_writer_free(w);
	w = writer_with(tmp, &io, NULL);
	ckpt_restart *r = NULL;
	g_assert_cmpint(restart(w, &r), ==, 0);
	g_assert_cmpint(ckpt_restart_epoch(r), ==, 1);
	ckpt_restart_free(r);
	ckpt_writer_free(w);
	g_free(io.loaded_bytes); /* the loader's copy of the restarted model */
	g_free(metadata);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* What an epoch call would write is checked before anything is: the log,
 * the epochs and the history stay as they were. */
static void test_epoch_refused_before_writing(void)
{
	char *tmp = tu_tmpdir();
	char *metadata = big_text(1000 * 1024, 'm');
	model_io io = {.tag = "l"};
	ckpt_writer *w = writer_with(tmp, &io, "metadata", metadata, "ckpt_keep_mode", "all", NULL);
	epoch(w, 1, '-', 0.5);
	char *log = g_build_filename(tmp, "ckpt.log", NULL);
	char *history = g_build_filename(tmp, "metrics.jsonl", NULL);
	char *log_before = tu_read(log, NULL), *history_before = tu_read(history, NULL);
	/* Extra metrics that push ckpt-info.json past 1 MiB. */
	char *long_name = big_text(40 * 1024, 'n');
	ckpt_metric many[2] = {{long_name, 1.0}, {"loss", 2.0}};
	ckpt_epoch_result result = {.size = sizeof result};
	g_assert_cmpint(ckpt_writer_epoch(&result, w, 1, '-', 0.4, many, 2), ==, CKPT_EINVAL);
	g_assert_nonnull(strstr(ckpt_error_last(), "epoch 2: its ckpt-info.json would be"));
	/* Two metrics of one name: the reader refuses duplicate keys. */
	ckpt_metric twice[2] = {{"loss", 1.0}, {"loss", 2.0}};
	g_assert_cmpint(ckpt_writer_epoch(&result, w, 1, '-', 0.4, twice, 2), ==, CKPT_EINVAL);
	g_assert_nonnull(strstr(ckpt_error_last(), "refused by readers"));
	char *dirs = epoch_dirs(tmp);
	g_assert_cmpstr(dirs, ==, "001");
	char *log_after = tu_read(log, NULL), *history_after = tu_read(history, NULL);
	g_assert_cmpstr(log_after, ==, log_before);
	g_assert_cmpstr(history_after, ==, history_before);
	/* The refusal decided nothing: the next call goes on as if it had not been. */
	ckpt_metric one[1] = {{"loss", 1.0}};
	g_assert_cmpint(ckpt_writer_epoch(&result, w, 1, '-', 0.4, one, 1), ==, 0);
	g_assert_true(result.saved);
	g_assert_true(result.became_best);
	ckpt_writer_free(w);
	g_free(dirs), g_free(long_name), g_free(metadata), g_free(log), g_free(history);
	g_free(log_before), g_free(log_after), g_free(history_before), g_free(history_after);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* Lines from the last "metrics:" line to the end: what the last save logged. */
static guint lines_of_last_save(const char *root)
{
	GPtrArray *messages = log_messages(root);
	guint from = 0;
	for (guint i = 0; i < messages->len; i++)
		if (g_str_has_prefix(messages->pdata[i], "metrics: "))
			from = i;
	guint n = messages->len - from;
	g_ptr_array_free(messages, TRUE);
	return n;
}

/* keep mode all logged a line for every earlier epoch at every save: 2,000
 * epochs made a 268 MB log. A save's lines are bounded now, whatever the
 * mode and however many epochs are kept. */
static void test_save_log_lines_bounded(void)
{
	static const char *const modes[][2] = {{"all", "5"}, {"linear", "1000"}, {"exponential", "8"}};
	for (size_t m = 0; m < G_N_ELEMENTS(modes); m++) {
		char *tmp = tu_tmpdir();
		model_io io = {.tag = "b"};
		ckpt_writer *w = writer_with(tmp, &io, "ckpt_keep_mode", modes[m][0],
					     "ckpt_keep_limit", modes[m][1], "epochs", "400",
					     "ckpt_fsync", "false", NULL);
		guint early = 0;
		for (long e = 1; e <= 300; e++) {
			epoch(w, e, '-', 1.0 / (double)e);
			if (e == 150)
				early = lines_of_last_save(tmp);
		}
		guint late = lines_of_last_save(tmp);
		g_test_message("%s: %u lines at epoch 150, %u at epoch 300", modes[m][0], early, late);
		/* No more lines for twice the epochs kept (a deletion adds three). */
		g_assert_cmpuint(late, <=, 40);
		g_assert_cmpuint(late, <=, early + 6);
		ckpt_writer_free(w);
		tu_rmtree(tmp);
		g_free(tmp);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/writer/limits/metadata-over-the-readers-limit-refused-at-start",
			test_metadata_over_the_readers_limit);
	g_test_add_func("/ckpt/writer/limits/metric-name-not-utf8-refused",
			test_metric_name_not_utf8_refused);
	g_test_add_func("/ckpt/writer/limits/metadata-near-the-limit-restarts",
			test_metadata_near_the_limit_restarts);
	g_test_add_func("/ckpt/writer/limits/epoch-refused-before-writing-anything",
			test_epoch_refused_before_writing);
	g_test_add_func("/ckpt/writer/log/lines-per-save-bounded-in-every-keep-mode",
			test_save_log_lines_bounded);
	return g_test_run();
}

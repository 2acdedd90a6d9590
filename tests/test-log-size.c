/* test-log-size.c: a reader never needs the whole ckpt.log to find a run's
 * facts. A run libckpt started needs none of it (its first metrics.jsonl
 * line says so); a run the original wrote is read from the log's end back
 * only as far as its epochs on disk; one libckpt continued, only the part
 * before its first session. Logs here are made huge and sparse (300 MB of
 * zero bytes in a few blocks), past the 256 MB a whole read allows. */
#include "writer-fixture.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HUGE_BYTES ((off_t)300 << 20)

/* Puts HUGE_BYTES of holes in front of what path holds. */
static void prepend_hole(const char *path)
{
	gsize len = 0;
	char *text = tu_read(path, &len);
	int fd = open(path, O_WRONLY | O_TRUNC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(pwrite(fd, text, len, HUGE_BYTES), ==, (ssize_t)len);
	close(fd);
	g_free(text);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void assert_metric(const ckpt_run *run, long epoch, double want)
{
	double got = 0;
	g_assert_true(ckpt_epoch_metric(&got, ckpt_run_find_epoch(run, epoch)));
	g_assert_cmpfloat_with_epsilon(got, want, 1e-9);
}

/* libckpt's own run: the log is not read at all, by the snapshot or the
 * history. */
static void test_libckpt_run_needs_no_log(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {0.9, 0.8, 0.7};
	save_epochs(tmp, "l", values, 3, NULL);
	char *log = g_build_filename(tmp, "ckpt.log", NULL);
	prepend_hole(log);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	ckpt_run *run = tu_open_run(tmp);
	g_assert_null(ckpt_run_problem(run));
	assert_metric(run, 2, 0.8);
	ckpt_history *h = NULL;
	g_assert_cmpint(ckpt_history_load(&h, run), ==, 0);
	g_assert_cmpuint(ckpt_history_count(h), ==, 3);
	g_assert_null(ckpt_history_problem(h));
	g_test_message("snapshot and history of a run with a 300 MB log: %.3f s",
		       seconds_since(&start));
	ckpt_history_free(h);
	ckpt_run_unref(run);
	/* Make the log unreadable: nothing must notice. */
	g_assert_cmpint(truncate(log, 0), ==, 0);
	g_assert_cmpint(chmod(log, 0), ==, 0);
	run = tu_open_run(tmp);
	assert_metric(run, 3, 0.7);
	ckpt_run_unref(run);
	g_free(log);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* The original's run: no metrics.jsonl; its epochs' metrics are at the
 * log's end, found without reading 300 MB. */
static void test_original_run_read_from_the_end(void)
{
	char *tmp = tu_tmpdir();
	const double values[] = {0.9, 0.8, 0.7, 0.75};
	save_epochs(tmp, "o", values, 4, NULL);
	/* As the original leaves it: no metrics.jsonl, no metric in ckpt-info.json. */
	char *history = g_build_filename(tmp, "metrics.jsonl", NULL);
	g_assert_cmpint(unlink(history), ==, 0);
	for (int e = 1; e <= 4; e++) {
		char dir[8];
		snprintf(dir, sizeof dir, "%03d", e);
		ckpt_info info;
		read_info(&info, tmp, dir);
		info.has_metric_value = false;
		ckpt_buf buf;
		ckpt_buf_init(&buf);
		ckpt_info_format(&buf, &info, NULL, 0);
		char *path = path_in(tmp, "epochs", dir, "ckpt-info.json");
		tu_write(path, buf.data);
		g_free(path);
		ckpt_buf_free(&buf);
		ckpt_info_clear(&info);
	}
	char *log = g_build_filename(tmp, "ckpt.log", NULL);
	prepend_hole(log);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	ckpt_run *run = tu_open_run(tmp);
	double took = seconds_since(&start);
	g_test_message("snapshot of an original's run with a 300 MB log: %.3f s", took);
	g_assert_null(ckpt_run_problem(run));
	assert_metric(run, 1, 0.9);
	assert_metric(run, 4, 0.75);
	g_assert_cmpstr(ckpt_run_metric(run), ==, "val_loss");
	g_assert_cmpint(ckpt_run_direction(run), ==, '-');
	ckpt_run_unref(run);
	g_free(history), g_free(log);
	tu_rmtree(tmp);
	g_free(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/log-size/libckpt-run-needs-no-log", test_libckpt_run_needs_no_log);
	g_test_add_func("/ckpt/log-size/original-run-read-from-the-end",
			test_original_run_read_from_the_end);
	return g_test_run();
}

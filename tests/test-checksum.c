/* test-checksum.c: the model checksums: CRC-32 and SHA-256 against zlib and
 * GLib at any length, the fixtures' stored values and their accepted forms,
 * progress and cancellation, and files that are not regular refused. */
#include "internal.h"
#include "json-fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- checksums ---------------------------------------------------------- */

static char *write_temp(const char *tmp, const char *name, const void *data, size_t len)
{
	char *path = g_build_filename(tmp, name, NULL);
	tu_write_bytes(path, data, len);
	return path;
}

static void test_checksum_known_values(void)
{
	char *tmp = tu_tmpdir();
	char out[80];
	char *path = write_temp(tmp, "digits", "123456789", 9);
	g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_CRC32, NULL), ==, 0);
	g_assert_cmpstr(out, ==, "3421780262"); /* zlib.crc32(b"123456789") */
	g_free(path);

	path = write_temp(tmp, "abc", "abc", 3);
	g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_SHA256, NULL), ==, 0);
	g_assert_cmpstr(out, ==, SHA256_ABC);
	g_free(path);

	path = write_temp(tmp, "empty", "", 0);
	g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_CRC32, NULL), ==, 0);
	g_assert_cmpstr(out, ==, "0");
	g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_SHA256, NULL), ==, 0);
	g_assert_cmpstr(out, ==,
			"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

/* The fast CRC path must equal zlib for every length, alignment and split. */
static void test_crc32_equals_zlib(void)
{
	unsigned char data[1100];
	guint32 state = 99;
	for (size_t i = 0; i < sizeof data; i++) {
		state = state * 1103515245u + 12345u;
		data[i] = (unsigned char)(state >> 24);
	}
	for (size_t offset = 0; offset < 17; offset++) {
		for (size_t len = 0; len + offset <= sizeof data; len += len < 200 ? 1 : 37) {
			uLong want = crc32_z(0, data + offset, len);
			g_assert_cmpuint(ckpt_crc32_update(0, data + offset, len), ==, want);
			size_t split = len / 3;
			uint32_t crc = ckpt_crc32_update(0, data + offset, split);
			crc = ckpt_crc32_update(crc, data + offset + split, len - split);
			g_assert_cmpuint(crc, ==, want);
		}
	}
}

/* Larger than one read buffer, checked against zlib and GLib in one shot. */
static void test_checksum_multi_buffer(void)
{
	char *tmp = tu_tmpdir();
	size_t len = (9u << 20) + 12345;
	unsigned char *data = g_malloc(len);
	guint32 state = 12345;
	for (size_t i = 0; i < len; i++) {
		state = state * 1103515245u + 12345u;
		data[i] = (unsigned char)(state >> 24);
	}
	char *path = write_temp(tmp, CKPT_MODEL_NAME, data, len);
	char out[80], want[80];
	g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_CRC32, NULL), ==, 0);
	snprintf(want, sizeof want, "%lu", (unsigned long)crc32_z(0, data, len));
	g_assert_cmpstr(out, ==, want);
	g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_SHA256, NULL), ==, 0);
	char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	snprintf(want, sizeof want, "sha256:%s", sha);
	g_assert_cmpstr(out, ==, want);
	g_free(sha);
	g_free(data);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_checksum_fixture_model(void)
{
	char *tmp = NULL;
	char *runs = tu_unpack_fixtures_tmp(&tmp);
	if (!runs)
		return;
	char *dir = g_build_filename(runs, "nt3-lr0.01/ckpts/epochs/030", NULL);
	char *model = g_build_filename(dir, CKPT_MODEL_NAME, NULL);
	char *info_path = g_build_filename(dir, CKPT_INFO_NAME, NULL);
	ckpt_info info;
	g_assert_cmpint(ckpt_info_read(&info, info_path), ==, 0);
	char out[80];
	g_assert_cmpint(ckpt_checksum_file(out, model, CKPT_CHECKSUM_CRC32, NULL), ==, 0);
	g_assert_cmpstr(out, ==, info.checksum);
	g_assert_cmpstr(out, ==, "4123202071");
	bool match = false;
	g_assert_cmpint(ckpt_checksum_matches(&match, model, info.checksum, NULL), ==, 0);
	g_assert_true(match);
	ckpt_info_clear(&info);

	/* corrupt-nt3 epoch 27 has one bit flipped: its stored value no longer matches. */
	char *bad = g_build_filename(runs, "corrupt-nt3/ckpts/epochs/027", CKPT_MODEL_NAME, NULL);
	g_assert_cmpint(ckpt_checksum_matches(&match, bad, "1455174423", NULL), ==, 0);
	g_assert_false(match);
	g_free(bad);
	g_free(dir);
	g_free(model);
	g_free(info_path);
	tu_rmtree(tmp);
	g_free(runs);
	g_free(tmp);
}

static void test_checksum_matches_forms(void)
{
	char *tmp = tu_tmpdir();
	char *path = write_temp(tmp, "m", "abc", 3);
	bool match = true;
	g_assert_cmpint(ckpt_checksum_matches(&match, path, "891568578", NULL), ==, 0);
	g_assert_true(match); /* zlib.crc32(b"abc") */
	g_assert_cmpint(ckpt_checksum_matches(&match, path, "891568579", NULL), ==, 0);
	g_assert_false(match);
	g_assert_cmpint(ckpt_checksum_matches(&match, path, SHA256_ABC, NULL), ==, 0);
	g_assert_true(match);
	g_assert_cmpint(ckpt_checksum_matches(&match, path,
					      "sha256:BA7816BF8F01CFEA414140DE5DAE"
					      "2223B00361A396177A9CB410FF61F20015AD",
					      NULL),
			==, 0);
	g_assert_true(match);
	g_assert_cmpint(ckpt_checksum_matches(&match, path,
					      "sha256:00"
					      "7816bf8f01cfea414140de5dae"
					      "2223b00361a396177a9cb410ff61f20015ad",
					      NULL),
			==, 0);
	g_assert_false(match);

	static const char *const invalid[] = {
	    "__DISABLED__",
	    "",
	    "-1",
	    "4294967296",
	    "12a",
	    "sha256:abc",
	    "md5:0",
	    "0x10",
	    "sha256:zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++) {
		match = true;
		g_assert_cmpint(ckpt_checksum_matches(&match, path, invalid[i], NULL), ==,
				CKPT_EINVAL);
		g_assert_false(match);
		assert_message_has(path);
	}
	g_assert_cmpint(ckpt_checksum_matches(&match, path, NULL, NULL), ==, CKPT_EINVAL);
	g_free(path);

	path = g_build_filename(tmp, "absent", NULL);
	g_assert_cmpint(ckpt_checksum_matches(&match, path, "1", NULL), ==, CKPT_ENOENT);
	assert_message_has(path);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

typedef struct progress_log {
	GArray *done;
	uint64_t total;
	ckpt_stage stage;
	const char *run;
	volatile int cancel;
	int cancel_after; /* raise the flag on this call (1-based), 0: never */
	int stop_after;   /* return nonzero from this call (1-based), 0: never */
} progress_log;

static int on_progress(const ckpt_progress_event *event, void *payload)
{
	progress_log *log = payload;
	g_assert_cmpuint(event->size, ==, sizeof *event);
	g_array_append_val(log->done, event->done);
	log->total = event->total;
	log->stage = event->stage;
	log->run = event->run;
	if (log->cancel_after && (int)log->done->len == log->cancel_after)
		log->cancel = 1;
	return log->stop_after && (int)log->done->len == log->stop_after;
}

/* A sparse file: big, cheap to make, reads as zeros. */
static char *sparse_file(const char *tmp, off_t size)
{
	char *path = g_build_filename(tmp, CKPT_MODEL_NAME, NULL);
	tu_write(path, "");
	g_assert_cmpint(truncate(path, size), ==, 0);
	return path;
}

static void test_checksum_progress_reported(void)
{
	char *tmp = tu_tmpdir();
	off_t size = (150 << 20) + 7;
	char *path = sparse_file(tmp, size);
	progress_log log = {.done = g_array_new(FALSE, FALSE, sizeof(uint64_t))};
	ckpt_progress progress = {.fn = on_progress, .payload = &log, .cancel = &log.cancel};
	char out[80];
	g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_CRC32, &progress), ==, 0);
	/* 0.2: the event names the stage (an enum), no longer the file. */
	g_assert_cmpint(log.stage, ==, CKPT_STAGE_CHECKSUM);
	g_assert_null(log.run);
	g_assert_cmpuint(log.total, ==, (uint64_t)size);
	/* Start, about every 64 MiB, and the end. */
	g_assert_cmpuint(log.done->len, >=, 3);
	g_assert_cmpuint(log.done->len, <=, 6);
	for (guint i = 1; i < log.done->len; i++)
		g_assert_cmpuint(g_array_index(log.done, uint64_t, i), >,
				 g_array_index(log.done, uint64_t, i - 1));
	g_assert_cmpuint(g_array_index(log.done, uint64_t, log.done->len - 1), ==, (uint64_t)size);
	g_array_free(log.done, TRUE);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_checksum_cancel_honoured(void)
{
	char *tmp = tu_tmpdir();
	char *path = sparse_file(tmp, 32 << 20);
	char out[80];
	/* Raised before the call. */
	progress_log log = {.done = g_array_new(FALSE, FALSE, sizeof(uint64_t)), .cancel = 1};
	ckpt_progress progress = {.fn = on_progress, .payload = &log, .cancel = &log.cancel};
	g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_SHA256, &progress), ==,
			CKPT_ECANCELLED);
	g_assert_cmpstr(out, ==, "");
	/* Raised by another party while the call runs (here: at the first report). */
	log.cancel = 0;
	log.cancel_after = 1;
	g_array_set_size(log.done, 0);
	bool match = true;
	g_assert_cmpint(ckpt_checksum_matches(&match, path, "1", &progress), ==, CKPT_ECANCELLED);
	g_assert_false(match);
	assert_message_has("cancelled");
	g_assert_cmpuint(log.done->len, ==, 1);
	/* 0.2: a callback's nonzero return cancels too, at once. */
	log.cancel = 0;
	log.cancel_after = 0;
	log.stop_after = 1;
	g_array_set_size(log.done, 0);
	g_assert_cmpint(ckpt_checksum_file(out, path, CKPT_CHECKSUM_CRC32, &progress), ==,
			CKPT_ECANCELLED);
	g_assert_cmpstr(out, ==, "");
	g_assert_cmpuint(log.done->len, ==, 1);
	g_array_free(log.done, TRUE);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_checksum_refuses_non_regular(void)
{
	char *tmp = tu_tmpdir();
	char *fifo = g_build_filename(tmp, "fifo", NULL);
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	char out[80];
	/* No writer: a blocking open or read would hang here. */
	g_assert_cmpint(ckpt_checksum_file(out, fifo, CKPT_CHECKSUM_CRC32, NULL), ==, CKPT_EIO);
	assert_message_has("not a regular file");
	assert_message_has(fifo);
	bool match = true;
	g_assert_cmpint(ckpt_checksum_matches(&match, fifo, "1", NULL), ==, CKPT_EIO);
	g_assert_false(match);
	g_assert_cmpint(ckpt_checksum_file(out, tmp, CKPT_CHECKSUM_CRC32, NULL), ==, CKPT_EIO);
	g_free(fifo);
	char *absent = g_build_filename(tmp, "absent", NULL);
	g_assert_cmpint(ckpt_checksum_file(out, absent, CKPT_CHECKSUM_CRC32, NULL), ==,
			CKPT_ENOENT);
	g_free(absent);
	tu_rmtree(tmp);
	g_free(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/checksum/known-values-crc32-sha256", test_checksum_known_values);
	g_test_add_func("/ckpt/checksum/multi-buffer-equals-one-shot", test_checksum_multi_buffer);
	g_test_add_func("/ckpt/checksum/crc32-equals-zlib-any-length-alignment",
			test_crc32_equals_zlib);
	g_test_add_func("/ckpt/checksum/fixture-model-matches-stored", test_checksum_fixture_model);
	g_test_add_func("/ckpt/checksum/matches/stored-forms", test_checksum_matches_forms);
	g_test_add_func("/ckpt/checksum/progress-reported", test_checksum_progress_reported);
	g_test_add_func("/ckpt/checksum/cancel-flag-honoured", test_checksum_cancel_honoured);
	g_test_add_func("/ckpt/checksum/refuses-fifo-and-directory",
			test_checksum_refuses_non_regular);
	return g_test_run();
}

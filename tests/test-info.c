/* test-info.c: ckpt-info.json: every fixture epoch of the original read and
 * formatted back byte for byte, our own additions round-tripped, and wrong
 * types, hostile content, huge files, links and FIFOs refused by name. */
#include "internal.h"
#include "json-fixture.h"
#include "testutil.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

/* Writes text as dir/ckpt-info.json and reads it back. */
static int read_info_text(ckpt_info *info, const char *dir, const char *text)
{
	char *path = g_build_filename(dir, CKPT_INFO_NAME, NULL);
	tu_write(path, text);
	int rc = ckpt_info_read(info, path);
	g_free(path);
	return rc;
}

/* ---- ckpt-info.json: the fixtures --------------------------------------- */

typedef struct fixture_epoch {
	char *path;
	cJSON *expect; /* this epoch in candle-runs.expect.json */
} fixture_epoch;

static const char *string_of(const cJSON *object, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
	g_assert_true(cJSON_IsString(item));
	return item->valuestring;
}

/* Every epoch with an info file, per candle-runs.expect.json. */
static GPtrArray *fixture_epochs(const char *runs, cJSON **out_expect)
{
	char *expect_path = tu_fixture_path("candle-runs.expect.json");
	gsize len = 0;
	char *text = tu_read(expect_path, &len);
	g_assert_nonnull(text);
	g_assert_cmpint(ckpt_json_parse(out_expect, text, len, expect_path), ==, 0);
	g_free(text);
	g_free(expect_path);
	GPtrArray *out = g_ptr_array_new();
	const cJSON *run;
	cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(*out_expect, "runs"))
	{
		const char *name = string_of(run, "name");
		bool legacy = strcmp(string_of(run, "layout"), "candle-legacy") == 0;
		cJSON *epoch;
		cJSON_ArrayForEach(epoch, cJSON_GetObjectItemCaseSensitive(run, "epochs"))
		{
			const char *dir = string_of(epoch, "dir");
			if (strcmp(string_of(epoch, "info"), "ok") != 0)
				continue;
			fixture_epoch *fe = g_new0(fixture_epoch, 1);
			fe->path = g_build_filename(runs, name, legacy ? "save" : "", "ckpts",
						    "epochs", dir, CKPT_INFO_NAME, NULL);
			fe->expect = epoch;
			g_ptr_array_add(out, fe);
		}
	}
	return out;
}

static void fixture_epochs_free(GPtrArray *epochs)
{
	for (guint i = 0; i < epochs->len; i++) {
		fixture_epoch *fe = epochs->pdata[i];
		g_free(fe->path);
		g_free(fe);
	}
	g_ptr_array_free(epochs, TRUE);
}

/* expect.json writes non-finite values as "inf", "-inf", "nan". */
static double expected_number(const cJSON *item)
{
	double value = 0;
	if (ckpt_json_number(item, &value))
		return value;
	g_assert_true(cJSON_IsString(item));
	if (!strcmp(item->valuestring, "inf"))
		return INFINITY;
	if (!strcmp(item->valuestring, "-inf"))
		return -INFINITY;
	g_assert_cmpstr(item->valuestring, ==, "nan");
	return NAN;
}

/* The quick reader (info-fast.c) and the strict one agree on every input:
 * the same result code, message and fields, over the fixtures' files and
 * every truncation and many one-byte changes of a libckpt-written one. */
static void check_readers_agree(const char *text, size_t len)
{
	ckpt_info quick, strict;
	int rc = ckpt_info_parse(&quick, text, len, "x.json");
	char *message = g_strdup(ckpt_error_last());
	int strict_rc = ckpt_info_parse_strict(&strict, text, len, "x.json");
	g_assert_cmpint(rc, ==, strict_rc);
	if (rc == 0) {
		g_assert_true(ckpt_info_equal(&quick, &strict));
		ckpt_info_clear(&quick);
	} else {
		g_assert_cmpstr(message, ==, ckpt_error_last());
	}
	/* Into a caller's pool, roomy or too small (then on the heap): the same. */
	static const size_t pools[] = {8192, 64, 0};
	for (size_t i = 0; pools[i]; i++) {
		char *pool = g_malloc(pools[i]);
		ckpt_info pooled;
		g_assert_cmpint(ckpt_info_parse_in(&pooled, text, len, "x.json", pool, pools[i]), ==,
				strict_rc);
		if (strict_rc == 0)
			g_assert_true(ckpt_info_equal(&pooled, &strict));
		else
			g_assert_cmpstr(message, ==, ckpt_error_last());
		ckpt_info_clear(&pooled);
		g_free(pool);
	}
	if (strict_rc == 0)
		ckpt_info_clear(&strict);
	g_free(message);
}

static void test_info_quick_reader_agrees(void)
{
	static const char sample[] =
	    "{\"epoch\": 12, \"save_best_metric\": \"val_loss\", \"best_metric_last\": "
	    "0.21000000000000002, \"model_file\": \"model.h5\", \"checksum\": \"2365479138\", "
	    "\"timestamp\": \"2026-03-02 09:00:50\", \"time_elapsed\": 1.7, \"metadata\": null, "
	    "\"metric_value\": Infinity, \"direction\": \"-\", \"metrics\": {\"loss\": 0.5, "
	    "\"acc\": -1e-07}, \"session\": \"s1\", \"keep_limit\": 5, \"keep_mode\": "
	    "\"linear\"}\n";
	static const char *const others[] = {
	    "{\"epoch\": 1, \"time_elapsed\": \"__FIRST__\", \"metadata\": \"job 7\"}",
	    "{\"epoch\": 1, \"epoch\": 2}", "{\"epoch\": 1.5}", "{}", "[]", "{\"epoch\": 0}",
	    "{\"epoch\": 1, \"x\": [1, {\"y\": true}], \"z\": false}",
	    "{\"epoch\": 1, \"metrics\": {}}", "{\"epoch\": 1, \"metrics\": {\"a\": 1, \"a\": 2}}",
	    "{\"epoch\": 1, \"metrics\": {\"a\": \"1\"}}", "{\"epoch\": 1, \"checksum\": null}",
	    "{\"epoch\": 1, \"keep_mode\": \"fast\"}", "{\"epoch\": 1, \"direction\": \"x\"}",
	    "{\"epoch\": -Infinity}", "{\"epoch\": NaN}", "{\"epoch\": 1, \"m\": -NaN}",
	    "{\"epoch\": 1, \"s\": \"a\\u00e9\"}", "{\"epoch\": 1, \"s\": \"\xc3\xa9\"}",
	    "{\"epoch\": 01}", "{\"epoch\": 1.}", "{\"epoch\": 1e}", "{\"epoch\": 1} x",
	    "\xef\xbb\xbf{\"epoch\": 1}", "{\"epoch\":1,\"metadata\":null}\r\n\t ",
	    "{\"epoch\": 1, \"keep_limit\": 1e16}", "{\"epoch\": 999999999}",
	    "{\"epoch\": 1000000000}", "{\"epoch\": 1, \"time_elapsed\": true}",
	    "{\"epoch\": 1, \"checksum\": \"a\", \"metadata\": null, \"checksum\": \"b\"}",
	    "{\"epoch\": 1, \"x\": 1, \"y\": 2, \"x\": 3}",
	    "{\"epoch\": 1, \"metrics\": {}, \"session\": \"s\", \"metrics\": {}}",
	    "{\"keep_mode\": \"all\", \"epoch\": 3, \"session\": \"a long session name 0123456789\"}",
	    "{\"epoch\": 1, \"session\": \"0123456789abcdef\x7f\"}",
	    /* Spacing other than Python's one space after ':' and ',' */
	    "{\"epoch\":  1, \"metadata\" :null ,\"session\":\t\"s\"}",
	    "{\"epoch\": 1,  \"session\": \"s\",\n\"keep_limit\":\n5}",
	    "{\"epoch\": 1, \"session\": \"s\"\t, \"keep_mode\": \"all\" }",
	};
	size_t len = strlen(sample);
	for (size_t i = 0; i <= len; i++)
		check_readers_agree(sample, i);
	static const char swaps[] = "\"{}[],: 0-.eE\\x\n\x01\x1f\x7f\x80\xff";
	char *copy = g_strdup(sample);
	for (size_t i = 0; i < len; i++) {
		for (size_t k = 0; k < sizeof swaps - 1; k++) {
			copy[i] = swaps[k];
			check_readers_agree(copy, len);
		}
		copy[i] = sample[i];
	}
	g_free(copy);
	for (size_t i = 0; i < G_N_ELEMENTS(others); i++)
		check_readers_agree(others[i], strlen(others[i]));
	char *tmp = NULL;
	char *runs = tu_unpack_fixtures_tmp(&tmp);
	if (!runs)
		return;
	cJSON *expect = NULL;
	GPtrArray *epochs = fixture_epochs(runs, &expect);
	for (guint i = 0; i < epochs->len; i++) {
		char *text = NULL;
		gsize n = 0;
		g_assert_true(g_file_get_contents(((fixture_epoch *)epochs->pdata[i])->path, &text,
						  &n, NULL));
		check_readers_agree(text, n);
		g_free(text);
	}
	fixture_epochs_free(epochs);
	cJSON_Delete(expect);
	tu_rmtree(tmp);
	g_free(runs);
	g_free(tmp);
}

static void test_info_fixtures_read(void)
{
	char *tmp = NULL;
	char *runs = tu_unpack_fixtures_tmp(&tmp);
	if (!runs)
		return;
	cJSON *expect = NULL;
	GPtrArray *epochs = fixture_epochs(runs, &expect);
	g_assert_cmpuint(epochs->len, ==, 39);
	for (guint i = 0; i < epochs->len; i++) {
		fixture_epoch *fe = epochs->pdata[i];
		ckpt_info info;
		int rc = ckpt_info_read(&info, fe->path);
		if (rc)
			g_error("%s", ckpt_error_last());
		const cJSON *e = fe->expect;
		g_assert_cmpfloat(info.epoch, ==, number_of(e, "epoch"));
		g_assert_cmpstr(info.checksum, ==, string_of(e, "checksum"));
		g_assert_cmpstr(info.timestamp, ==, string_of(e, "timestamp"));
		double best =
		    expected_number(cJSON_GetObjectItemCaseSensitive(e, "best_metric_last"));
		g_assert_true(info.has_best_metric_last);
		g_assert_true(info.best_metric_last == best ||
			      (isnan(best) && isnan(info.best_metric_last)));
		g_assert_cmpstr(info.model_file, ==, "model.h5");
		g_assert_true(info.first || info.has_time_elapsed);
		ckpt_info_clear(&info);
	}
	fixture_epochs_free(epochs);
	cJSON_Delete(expect);
	tu_rmtree(tmp);
	g_free(runs);
	g_free(tmp);
}

static void test_info_fixture_values(void)
{
	char *tmp = NULL;
	char *runs = tu_unpack_fixtures_tmp(&tmp);
	if (!runs)
		return;
	ckpt_info info;
	char *path = g_build_filename(runs, "tc1-acc/ckpts/epochs/013", CKPT_INFO_NAME, NULL);
	g_assert_cmpint(ckpt_info_read(&info, path), ==, 0);
	g_assert_cmpint(info.epoch, ==, 13);
	g_assert_true(info.has_best_metric_last && isinf(info.best_metric_last) &&
		      info.best_metric_last > 0);
	g_assert_cmpstr(info.save_best_metric, ==, "val_accuracy");
	g_assert_cmpstr(info.checksum, ==, "2880666491");
	g_assert_null(info.metadata);
	g_assert_false(info.has_metric_value);
	g_assert_cmpint(info.direction, ==, 0);
	ckpt_info_clear(&info);
	g_free(path);

	path = g_build_filename(runs, "nt3-lr0.001/ckpts/epochs/030", CKPT_INFO_NAME, NULL);
	g_assert_cmpint(ckpt_info_read(&info, path), ==, 0);
	g_assert_cmpstr(info.checksum, ==, "__DISABLED__");
	g_assert_null(info.metadata);
	g_assert_cmpfloat(info.best_metric_last, ==, 0.356323);
	g_assert_true(info.has_time_elapsed && !info.first);
	g_assert_cmpfloat(info.time_elapsed, ==, 1.705853);
	ckpt_info_clear(&info);
	g_free(path);

	path = g_build_filename(runs, "nt3-lr0.01/ckpts/epochs/030", CKPT_INFO_NAME, NULL);
	g_assert_cmpint(ckpt_info_read(&info, path), ==, 0);
	g_assert_cmpint(info.epoch, ==, 30);
	g_assert_cmpstr(info.metadata, ==, "cluster=polaris job=1234567");
	g_assert_cmpstr(info.checksum, ==, "4123202071");
	g_assert_cmpstr(info.timestamp, ==, "2026-03-02 09:00:46");
	ckpt_info_clear(&info);
	g_free(path);

	path = g_build_filename(runs, "legacy-p1b1/save/ckpts/epochs/001", CKPT_INFO_NAME, NULL);
	g_assert_cmpint(ckpt_info_read(&info, path), ==, 0);
	g_assert_true(info.first);
	g_assert_false(info.has_time_elapsed);
	g_assert_cmpstr(info.metadata, ==, "legacy layout");
	ckpt_info_clear(&info);
	g_free(path);

	tu_rmtree(tmp);
	g_free(runs);
	g_free(tmp);
}

static void test_info_format_fixtures_exact(void)
{
	char *tmp = NULL;
	char *runs = tu_unpack_fixtures_tmp(&tmp);
	if (!runs)
		return;
	cJSON *expect = NULL;
	GPtrArray *epochs = fixture_epochs(runs, &expect);
	for (guint i = 0; i < epochs->len; i++) {
		fixture_epoch *fe = epochs->pdata[i];
		ckpt_info read;
		g_assert_cmpint(ckpt_info_read(&read, fe->path), ==, 0);
		/* Rebuild the struct as the writer would, from the values read. */
		ckpt_info info = {
		    .epoch = read.epoch,
		    .save_best_metric = read.save_best_metric,
		    .has_best_metric_last = read.has_best_metric_last,
		    .best_metric_last = read.best_metric_last,
		    .model_file = read.model_file,
		    .checksum = read.checksum,
		    .timestamp = read.timestamp,
		    .first = read.first,
		    .has_time_elapsed = read.has_time_elapsed,
		    .time_elapsed = read.time_elapsed,
		    .metadata = read.metadata,
		    /* 0.2: absent in the original's files (-1: no keep_mode). */
		    .session = read.session,
		    .keep_limit = read.keep_limit,
		    .keep_mode = read.keep_mode,
		};
		ckpt_buf buf;
		ckpt_buf_init(&buf);
		ckpt_info_format(&buf, &info, NULL, 0);
		g_assert_false(buf.oom);
		char *file = tu_read(fe->path, NULL);
		g_assert_cmpstr(buf.data, ==, file);
		g_free(file);
		ckpt_buf_free(&buf);
		ckpt_info_clear(&read);
	}
	fixture_epochs_free(epochs);
	cJSON_Delete(expect);
	tu_rmtree(tmp);
	g_free(runs);
	g_free(tmp);
}

/* ---- ckpt-info.json: format and read of our own files -------------------- */

static void test_info_format_layout_and_additions(void)
{
	ckpt_info info = {
	    .epoch = 7,
	    .save_best_metric = "val_loss",
	    .has_best_metric_last = true,
	    .best_metric_last = -INFINITY,
	    .model_file = "model.h5",
	    .checksum = SHA256_ABC,
	    .timestamp = "2026-03-02 09:00:50",
	    .has_time_elapsed = true,
	    .time_elapsed = 1.7,
	    .metadata = "job \"7\"\tcaf\xc3\xa9 \xf0\x9f\x98\x80\b",
	    .has_metric_value = true,
	    .metric_value = NAN,
	    .direction = '+',
	    .session = "s1",
	    .keep_limit = 3,
	    .keep_mode = CKPT_KEEP_EXPONENTIAL,
	};
	ckpt_metric extra[] = {{"loss", 0.25}, {"acc", INFINITY}};
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_info_format(&buf, &info, extra, 2);
	g_assert_cmpstr(
	    buf.data, ==,
	    "{\"epoch\": 7, \"save_best_metric\": \"val_loss\", "
	    "\"best_metric_last\": -Infinity, \"model_file\": \"model.h5\", "
	    "\"checksum\": \"" SHA256_ABC "\", \"timestamp\": \"2026-03-02 09:00:50\", "
	    "\"time_elapsed\": 1.7, "
	    "\"metadata\": \"job \\\"7\\\"\\tcaf\\u00e9 \\ud83d\\ude00\\b\", "
	    "\"metric_value\": NaN, \"direction\": \"+\", "
	    "\"metrics\": {\"loss\": 0.25, \"acc\": Infinity}, "
	    "\"session\": \"s1\", \"keep_limit\": 3, \"keep_mode\": \"exponential\"}\n");

	/* What we write, we read back the same. */
	char *tmp = tu_tmpdir();
	ckpt_info back;
	g_assert_cmpint(read_info_text(&back, tmp, buf.data), ==, 0);
	g_assert_cmpint(back.epoch, ==, 7);
	g_assert_true(isinf(back.best_metric_last) && back.best_metric_last < 0);
	g_assert_cmpstr(back.checksum, ==, info.checksum);
	g_assert_cmpstr(back.metadata, ==, info.metadata);
	g_assert_cmpfloat(back.time_elapsed, ==, 1.7);
	g_assert_true(back.has_metric_value && isnan(back.metric_value));
	g_assert_cmpint(back.direction, ==, '+');
	g_assert_cmpstr(back.session, ==, "s1");
	g_assert_cmpint(back.keep_limit, ==, 3);
	g_assert_cmpint(back.keep_mode, ==, CKPT_KEEP_EXPONENTIAL);
	ckpt_info_clear(&back);
	ckpt_buf_free(&buf);

	/* __FIRST__, null metadata, absent optional fields left out. */
	ckpt_info first = {.epoch = 1, .first = true, .model_file = "model.h5", .keep_mode = -1};
	ckpt_buf_init(&buf);
	ckpt_info_format(&buf, &first, NULL, 0);
	g_assert_cmpstr(buf.data, ==,
			"{\"epoch\": 1, \"model_file\": \"model.h5\", "
			"\"time_elapsed\": \"__FIRST__\", \"metadata\": null}\n");
	g_assert_cmpint(read_info_text(&back, tmp, buf.data), ==, 0);
	g_assert_true(back.first && !back.has_time_elapsed && !back.has_best_metric_last);
	g_assert_null(back.checksum);
	g_assert_null(back.session);
	g_assert_cmpint(back.keep_limit, ==, 0);
	g_assert_cmpint(back.keep_mode, ==, -1);
	ckpt_info_clear(&back);
	ckpt_buf_free(&buf);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_info_unknown_keys_ignored(void)
{
	char *tmp = tu_tmpdir();
	ckpt_info info;
	const char *text = "{\"future\": [1, {\"x\": null}], \"epoch\": 2, "
			   "\"save_best_metric\": null, \"metrics\": {\"a\": NaN}}";
	g_assert_cmpint(read_info_text(&info, tmp, text), ==, 0);
	g_assert_cmpint(info.epoch, ==, 2);
	g_assert_null(info.save_best_metric);
	g_assert_null(info.checksum);
	ckpt_info_clear(&info);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_info_missing_is_enoent(void)
{
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, "nope", CKPT_INFO_NAME, NULL);
	ckpt_info info;
	g_assert_cmpint(ckpt_info_read(&info, path), ==, CKPT_ENOENT);
	assert_message_has(path);
	g_free(path);
	path = g_build_filename(tmp, CKPT_INFO_NAME, NULL);
	g_assert_cmpint(ckpt_info_read(&info, path), ==, CKPT_ENOENT);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_info_reject_wrong_types(void)
{
	static const struct {
		const char *text;
		const char *needle;
	} cases[] = {
	    {"{\"epoch\": 1.5}", "key 'epoch': expected a whole number"},
	    {"{\"epoch\": \"30\"}", "key 'epoch': expected a whole number"},
	    {"{\"epoch\": 0}", "key 'epoch': expected a whole number"},
	    {"{\"epoch\": -3}", "key 'epoch': expected a whole number"},
	    {"{\"epoch\": NaN}", "key 'epoch': expected a whole number"},
	    {"{\"epoch\": Infinity}", "key 'epoch': expected a whole number"},
	    {"{\"epoch\": 1e10}", "key 'epoch': expected a whole number"},
	    {"{\"epoch\": null}", "key 'epoch': expected a whole number"},
	    {"{\"checksum\": \"1\"}", "key 'epoch' is missing"},
	    {"{\"epoch\": 3, \"checksum\": 123}", "key 'checksum': expected a string"},
	    {"{\"epoch\": 3, \"model_file\": null}", "key 'model_file': expected a string"},
	    {"{\"epoch\": 3, \"timestamp\": 5}", "key 'timestamp': expected a string"},
	    {"{\"epoch\": 3, \"save_best_metric\": 1}",
	     "key 'save_best_metric': expected a string or null"},
	    {"{\"epoch\": 3, \"metadata\": 5}", "key 'metadata': expected a string or null"},
	    {"{\"epoch\": 3, \"best_metric_last\": \"inf\"}",
	     "key 'best_metric_last': expected a number"},
	    {"{\"epoch\": 3, \"best_metric_last\": null}",
	     "key 'best_metric_last': expected a number"},
	    {"{\"epoch\": 3, \"time_elapsed\": \"soon\"}",
	     "key 'time_elapsed': expected a number or \"__FIRST__\""},
	    {"{\"epoch\": 3, \"metric_value\": [1]}", "key 'metric_value': expected a number"},
	    {"{\"epoch\": 3, \"direction\": \"x\"}", "'direction': expected \"-\" or \"+\""},
	    {"{\"epoch\": 3, \"direction\": 1}", "'direction': expected \"-\" or \"+\""},
	    {"{\"epoch\": 3, \"metrics\": [1]}", "'metrics': expected an object of numbers"},
	    {"{\"epoch\": 3, \"metrics\": {\"a\": \"b\"}}",
	     "key 'metrics': expected an object of numbers"},
	    {"[{\"epoch\": 3}]", "expected a JSON object at the top level"},
	    {"30", "expected a JSON object at the top level"},
	};
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, CKPT_INFO_NAME, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		ckpt_info info;
		g_assert_cmpint(read_info_text(&info, tmp, cases[i].text), ==, CKPT_EFORMAT);
		assert_message_has(cases[i].needle);
		g_assert_true(g_str_has_prefix(ckpt_error_last(), path));
		g_assert_null(info.checksum);
	}
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_info_reject_hostile_content(void)
{
	static const struct {
		const char *text;
		size_t len;
		const char *needle;
	} cases[] = {
#define BYTES(literal) literal, sizeof(literal) - 1
	    {BYTES(""), "empty file"},
	    {BYTES("{\"epoch\": 30, \"checksum\": \"12"), "unterminated string"},
	    {BYTES("{\"epoch\": 3}\0"), "NUL byte at offset 12"},
	    {BYTES("{\"epoch\": 3, \"metadata\": \"\xfe\"}"), "invalid UTF-8 at offset 26"},
	    {BYTES("{\"epoch\": 3, \"epoch\": 4}"), "duplicate key 'epoch'"},
	    {BYTES("{\"epoch\": 3}\n{\"epoch\": 4}\n"), "trailing garbage"},
#undef BYTES
	};
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, CKPT_INFO_NAME, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		tu_write_bytes(path, cases[i].text, cases[i].len);
		ckpt_info info;
		g_assert_cmpint(ckpt_info_read(&info, path), ==, CKPT_EFORMAT);
		assert_message_has(cases[i].needle);
		g_assert_true(g_str_has_prefix(ckpt_error_last(), path));
	}
	GString *deep = g_string_new("{\"epoch\": 3, \"x\": ");
	for (int i = 0; i < 10000; i++)
		g_string_append_c(deep, '[');
	tu_write(path, deep->str);
	g_string_free(deep, TRUE);
	ckpt_info info;
	g_assert_cmpint(ckpt_info_read(&info, path), ==, CKPT_EFORMAT);
	assert_message_has("nested deeper than 64 levels");
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_info_reject_too_large(void)
{
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, CKPT_INFO_NAME, NULL);
	/* Valid JSON, but 2 MiB: past CKPT_INFO_MAX_BYTES. */
	size_t len = 2u << 20;
	char *text = g_malloc(len);
	memset(text, ' ', len);
	memcpy(text, "{\"epoch\": 3}", 12);
	tu_write_bytes(path, text, len);
	g_free(text);
	ckpt_info info;
	g_assert_cmpint(ckpt_info_read(&info, path), ==, CKPT_EFORMAT);
	assert_message_has(path);
	assert_message_has("larger than");
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_info_reject_symlink(void)
{
	char *tmp = tu_tmpdir();
	char *real = g_build_filename(tmp, "real.json", NULL);
	char *path = g_build_filename(tmp, CKPT_INFO_NAME, NULL);
	tu_write(real, "{\"epoch\": 3}");
	g_assert_cmpint(symlink("real.json", path), ==, 0);
	ckpt_info info;
	g_assert_cmpint(ckpt_info_read(&info, path), ==, CKPT_EFORMAT);
	assert_message_has("symbolic link");
	assert_message_has(path);
	g_assert_cmpint(ckpt_info_read(&info, real), ==, 0);
	ckpt_info_clear(&info);
	g_free(real);
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_info_reject_fifo(void)
{
	char *tmp = tu_tmpdir();
	char *path = g_build_filename(tmp, CKPT_INFO_NAME, NULL);
	g_assert_cmpint(mkfifo(path, 0600), ==, 0);
	/* No writer ever opens the FIFO: a blocking open would hang here. */
	ckpt_info info;
	g_assert_cmpint(ckpt_info_read(&info, path), ==, CKPT_EFORMAT);
	assert_message_has("not a regular file");
	g_free(path);
	tu_rmtree(tmp);
	g_free(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/info/read/every-fixture-matches-expect", test_info_fixtures_read);
	g_test_add_func("/ckpt/info/read/fixture-values", test_info_fixture_values);
	g_test_add_func("/ckpt/info/read/quick-reader-agrees-with-strict",
			test_info_quick_reader_agrees);
	g_test_add_func("/ckpt/info/format/fixtures-byte-for-byte",
			test_info_format_fixtures_exact);
	g_test_add_func("/ckpt/info/format/python-layout-additions-round-trip",
			test_info_format_layout_and_additions);
	g_test_add_func("/ckpt/info/read/unknown-keys-ignored", test_info_unknown_keys_ignored);
	g_test_add_func("/ckpt/info/read/missing-is-enoent", test_info_missing_is_enoent);
	g_test_add_func("/ckpt/info/reject/wrong-types-name-key", test_info_reject_wrong_types);
	g_test_add_func("/ckpt/info/reject/hostile-content", test_info_reject_hostile_content);
	g_test_add_func("/ckpt/info/reject/2mib-file", test_info_reject_too_large);
	g_test_add_func("/ckpt/info/reject/symlink", test_info_reject_symlink);
	g_test_add_func("/ckpt/info/reject/fifo-without-hanging", test_info_reject_fifo);
	return g_test_run();
}

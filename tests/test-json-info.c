/* test-json-info.c: the JSON reader (Python's tokens, hostile input),
 * ckpt-info.json read/format against the original's fixture files, and the
 * model checksums (CRC-32, SHA-256, progress, cancellation, odd files). */
#include "internal.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- helpers ------------------------------------------------------------ */

#define SHA256_ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static cJSON *parse_ok(const char *text)
{
	cJSON *root = NULL;
	int rc = ckpt_json_parse(&root, text, strlen(text), "test.json");
	if (rc)
		g_test_message("unexpected failure: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_assert_nonnull(root);
	return root;
}

/* Asserts that text[0..len) is refused as a format error naming `needle`. */
static void parse_fails_len(const char *text, size_t len, const char *needle)
{
	cJSON *root = (cJSON *)0x1;
	int rc = ckpt_json_parse(&root, text, len, "test.json");
	g_assert_cmpint(rc, ==, CKPT_EFORMAT);
	g_assert_null(root);
	const char *message = ckpt_error_last();
	if (!strstr(message, needle) || strncmp(message, "test.json: ", 11) != 0)
		g_error("message '%s' lacks 'test.json: ' or '%s'", message, needle);
}

static void parse_fails(const char *text, const char *needle)
{
	parse_fails_len(text, strlen(text), needle);
}

static double number_of(const cJSON *object, const char *key)
{
	double value = 0;
	g_assert_true(ckpt_json_number(cJSON_GetObjectItemCaseSensitive(object, key), &value));
	return value;
}

/* Writes text as dir/ckpt-info.json and reads it back. */
static int read_info_text(ckpt_info *info, const char *dir, const char *text)
{
	char *path = g_build_filename(dir, CKPT_INFO_NAME, NULL);
	tu_write(path, text);
	int rc = ckpt_info_read(info, path);
	g_free(path);
	return rc;
}

static void assert_message_has(const char *needle)
{
	if (!strstr(ckpt_error_last(), needle))
		g_error("message '%s' lacks '%s'", ckpt_error_last(), needle);
}

/* ---- JSON: Python's bare tokens ----------------------------------------- */

static void test_tokens_bare_values(void)
{
	cJSON *root = parse_ok("{\"a\": Infinity, \"b\": -Infinity, \"c\": NaN, \"d\": 0.5}");
	g_assert_true(isinf(number_of(root, "a")) && number_of(root, "a") > 0);
	g_assert_true(isinf(number_of(root, "b")) && number_of(root, "b") < 0);
	g_assert_true(isnan(number_of(root, "c")));
	g_assert_cmpfloat(number_of(root, "d"), ==, 0.5);
	cJSON_Delete(root);

	root = parse_ok("NaN");
	double value = 0;
	g_assert_true(ckpt_json_number(root, &value) && isnan(value));
	cJSON_Delete(root);
}

static void test_tokens_nested(void)
{
	cJSON *root = parse_ok("[1, [NaN, {\"x\": -Infinity, \"y\": [Infinity]}], -2.5e-3, NaN]");
	g_assert_cmpint(cJSON_GetArraySize(root), ==, 4);
	double v = 0;
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(root, 0), &v) && v == 1);
	const cJSON *inner = cJSON_GetArrayItem(root, 1);
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(inner, 0), &v) && isnan(v));
	const cJSON *object = cJSON_GetArrayItem(inner, 1);
	g_assert_true(isinf(number_of(object, "x")) && number_of(object, "x") < 0);
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(object, "y");
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(y, 0), &v) && isinf(v) && v > 0);
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(root, 2), &v) && v == -2.5e-3);
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(root, 3), &v) && isnan(v));
	cJSON_Delete(root);
}

static void test_tokens_in_strings_untouched(void)
{
	cJSON *root = parse_ok("{\"NaN\": \"NaN\", \"s\": \"-Infinity and Infinity\", "
			       "\"q\": \"say \\\"NaN\\\"\", \"n\": NaN}");
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "NaN");
	g_assert_true(cJSON_IsString(item));
	g_assert_cmpstr(item->valuestring, ==, "NaN");
	double v;
	g_assert_false(ckpt_json_number(item, &v));
	item = cJSON_GetObjectItemCaseSensitive(root, "s");
	g_assert_cmpstr(item->valuestring, ==, "-Infinity and Infinity");
	item = cJSON_GetObjectItemCaseSensitive(root, "q");
	g_assert_cmpstr(item->valuestring, ==, "say \"NaN\"");
	g_assert_true(isnan(number_of(root, "n")));
	cJSON_Delete(root);
}

static void test_numbers_long_and_huge(void)
{
	/* cJSON alone reads only 63 characters of a number. */
	GString *text = g_string_new("[");
	for (int i = 0; i < 80; i++)
		g_string_append_c(text, i == 0 ? '1' : '0');
	g_string_append(text, ", 0.");
	for (int i = 0; i < 70; i++)
		g_string_append_c(text, '0');
	g_string_append(text, "15, 1e400, -1e400, 7]");
	cJSON *root = parse_ok(text->str);
	double v = 0;
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(root, 0), &v));
	g_assert_cmpfloat(v, ==, 1e79);
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(root, 1), &v));
	g_assert_cmpfloat(v, ==, 1.5e-71);
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(root, 2), &v) && isinf(v) && v > 0);
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(root, 3), &v) && isinf(v) && v < 0);
	g_assert_true(ckpt_json_number(cJSON_GetArrayItem(root, 4), &v) && v == 7);
	cJSON_Delete(root);
	g_string_free(text, TRUE);
}

static void test_unicode_strings(void)
{
	cJSON *root = parse_ok("{\"k\": \"caf\\u00e9 \\ud83d\\ude00 \xc3\xa9\", \"e\": \"\"}");
	g_assert_cmpstr(cJSON_GetObjectItemCaseSensitive(root, "k")->valuestring, ==,
			"caf\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9");
	g_assert_cmpstr(cJSON_GetObjectItemCaseSensitive(root, "e")->valuestring, ==, "");
	cJSON_Delete(root);
}

static void test_input_not_nul_terminated(void)
{
	/* The length ends the text, not a NUL: what follows must not be read. */
	const char text[] = "{\"epoch\": 3}GARBAGE";
	cJSON *root = NULL;
	g_assert_cmpint(ckpt_json_parse(&root, text, 12, "t.json"), ==, 0);
	g_assert_cmpfloat(number_of(root, "epoch"), ==, 3);
	cJSON_Delete(root);
	/* An exact-size heap copy lets ASan catch any read past the end. */
	char *exact = g_memdup2("[1, 22]", 7);
	g_assert_cmpint(ckpt_json_parse(&root, exact, 7, "t.json"), ==, 0);
	g_assert_cmpint(cJSON_GetArraySize(root), ==, 2);
	cJSON_Delete(root);
	g_free(exact);
	exact = g_memdup2("[1, 22", 6);
	g_assert_cmpint(ckpt_json_parse(&root, exact, 6, "t.json"), ==, CKPT_EFORMAT);
	g_free(exact);
}

static void test_nesting_64_accepted(void)
{
	GString *text = g_string_new(NULL);
	for (int i = 0; i < 64; i++)
		g_string_append_c(text, '[');
	for (int i = 0; i < 64; i++)
		g_string_append_c(text, ']');
	cJSON *root = parse_ok(text->str);
	cJSON_Delete(root);
	g_string_insert_c(text, 0, '[');
	g_string_append_c(text, ']');
	parse_fails(text->str, "nested deeper than 64 levels");
	g_string_free(text, TRUE);
}

/* ---- JSON: refused input ------------------------------------------------ */

static void test_reject_empty(void)
{
	parse_fails("", "empty file");
	parse_fails(" \n\t\r ", "empty file");
	cJSON *root = NULL;
	g_assert_cmpint(ckpt_json_parse(&root, NULL, 0, "test.json"), ==, CKPT_EFORMAT);
	assert_message_has("empty file");
}

static void test_reject_truncated(void)
{
	const char *full = "{\"epoch\": 30, \"save_best_metric\": \"val_loss\", \"x\": [1, 2]}";
	/* Every proper prefix that is not just whitespace is refused. */
	for (size_t len = 1; len < strlen(full); len++)
		parse_fails_len(full, len, "line 1, column");
	parse_fails("{\"epoch\": 30", "unexpected end of input");
	parse_fails("{\"a\": \"unterminated", "unterminated string");
}

static void test_reject_deep_nesting(void)
{
	GString *text = g_string_new(NULL);
	for (int i = 0; i < 10000; i++)
		g_string_append(text, i % 2 ? "{\"k\": " : "[");
	parse_fails(text->str, "nested deeper than 64 levels");
	g_string_free(text, TRUE);
}

static void test_reject_nul_bytes(void)
{
	parse_fails_len("{\"a\": 1}\0", 9, "contains a NUL byte at offset 8");
	parse_fails_len("{\"a\0\": 1}", 9, "contains a NUL byte at offset 3");
	/* \u0000 would silently cut a C string short. */
	parse_fails("{\"model_file\": \"model.h5\\u0000evil\"}", "\\u0000 in string");
}

static void test_reject_invalid_utf8(void)
{
	static const struct {
		const char *text;
		const char *needle;
	} cases[] = {
		{"{\"a\": \"\xff\"}", "invalid UTF-8 at offset 7"},
		{"{\"a\": \"\xc0\xaf\"}", "invalid UTF-8 at offset 7"},      /* overlong '/' */
		{"{\"a\": \"\xe0\x80\xaf\"}", "invalid UTF-8 at offset 7"},  /* overlong */
		{"{\"a\": \"\xed\xa0\x80\"}", "invalid UTF-8 at offset 7"},  /* surrogate */
		{"{\"a\": \"\xf4\x90\x80\x80\"}", "invalid UTF-8 at offset 7"}, /* > U+10FFFF */
		{"{\"a\": \"\x80\"}", "invalid UTF-8 at offset 7"},          /* lone continuation */
		{"{\"a\": \"\xc3\"}", "invalid UTF-8 at offset 7"},          /* cut sequence */
		{"{\"a\": 1}\xe2\x82", "invalid UTF-8 at offset 8"},         /* cut at the end */
		{"{\"a\": \"\\udc00\"}", "unpaired surrogate"},
		{"{\"a\": \"\\ud800x\"}", "unpaired surrogate"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		parse_fails(cases[i].text, cases[i].needle);
}

static void test_reject_duplicate_keys(void)
{
	parse_fails("{\"epoch\": 1, \"x\": 2, \"epoch\": 1}", "duplicate key 'epoch'");
	parse_fails("[{\"ok\": 1}, {\"in\": {\"k\": 1, \"k\": 2}}]", "duplicate key 'k'");
	/* The same key spelled with an escape is still the same key. */
	parse_fails("{\"ab\": 1, \"\\u0061b\": 2}", "duplicate key 'ab'");
	cJSON *root = parse_ok("{\"a\": {\"a\": 1}, \"b\": [{\"a\": 2}, {\"a\": 3}]}");
	cJSON_Delete(root);
}

static void test_reject_bad_syntax(void)
{
	static const struct {
		const char *text;
		const char *needle;
	} cases[] = {
		{"{\"a\": 1} x", "trailing garbage"},
		{"{\"a\": 1}{}", "trailing garbage"},
		{"[1] [2]", "trailing garbage"},
		{"\xef\xbb\xbf{}", "byte order mark"},
		{"{'a': 1}", "expected a key in double quotes"},
		{"{\"a\" 1}", "expected ':'"},
		{"{\"a\": 1,}", "expected a key"},
		{"[1, 2,]", "unexpected ']'"},
		{"[1 2]", "unexpected '2'"},
		{"{\"a\": 01}", "invalid number '01'"},
		{"{\"a\": +1}", "unexpected '+'"},
		{"{\"a\": 1.}", "invalid number"},
		{"{\"a\": .5}", "unexpected '.'"},
		{"{\"a\": 1e}", "invalid number"},
		{"{\"a\": 1.5.3}", "invalid number"},
		{"{\"a\": -}", "invalid number"},
		{"{\"a\": 0x10}", "invalid number"},
		{"{\"a\": infinity}", "unexpected word 'infinity'"},
		{"{\"a\": -NaN}", "unexpected word '-NaN'"},
		{"{\"a\": nan}", "unexpected word 'nan'"},
		{"{\"a\": None}", "unexpected word 'None'"},
		{"{\"a\": True}", "unexpected word 'True'"},
		{"{\"a\": nulls}", "unexpected word 'nulls'"},
		{"{\"a\": \"tab\there\"}", "control character 0x09 in string"},
		{"{\"a\": \"\\x41\"}", "invalid escape"},
		{"{\"a\": \"\\u12g4\"}", "invalid \\u escape"},
		{"{\"a\":\x0b 1}", "control character 0x0b"},
		{"]", "unexpected ']'"},
		{"{\"a\": [1}", "unexpected '}'"},
		{"{\"a\": \"\xc3\xa9\" \xc3\xa9}", "unexpected '\xc3\xa9'"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		parse_fails(cases[i].text, cases[i].needle);
}

static void test_error_line_and_column(void)
{
	parse_fails("{\n  \"epoch\": 30,\n  \"x\": ]\n}", "line 3, column 8: unexpected ']'");
	/* Columns count characters, as Python does, not bytes. */
	parse_fails("{\"\xc3\xa9\xc3\xa9\": x}", "line 1, column 8: unexpected word 'x'");
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
	cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(*out_expect, "runs")) {
		const char *name = string_of(run, "name");
		bool legacy = strcmp(string_of(run, "layout"), "candle-legacy") == 0;
		cJSON *epoch;
		cJSON_ArrayForEach(epoch, cJSON_GetObjectItemCaseSensitive(run, "epochs")) {
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

/* NULL (test skipped) when the fixtures are absent; *tmp holds the tree. */
static char *unpack_fixtures(char **tmp)
{
	*tmp = tu_tmpdir();
	char *runs = tu_unpack_fixtures(*tmp);
	if (!runs) {
		tu_rmtree(*tmp);
		g_free(*tmp);
		*tmp = NULL;
	}
	return runs;
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

static void test_info_fixtures_read(void)
{
	char *tmp = NULL;
	char *runs = unpack_fixtures(&tmp);
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
		double best = expected_number(cJSON_GetObjectItemCaseSensitive(e,
									       "best_metric_last"));
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
	char *runs = unpack_fixtures(&tmp);
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
	char *runs = unpack_fixtures(&tmp);
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
	};
	ckpt_metric extra[] = {{"loss", 0.25}, {"acc", INFINITY}};
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_info_format(&buf, &info, extra, 2);
	g_assert_cmpstr(buf.data, ==,
			"{\"epoch\": 7, \"save_best_metric\": \"val_loss\", "
			"\"best_metric_last\": -Infinity, \"model_file\": \"model.h5\", "
			"\"checksum\": \"" SHA256_ABC "\", \"timestamp\": \"2026-03-02 09:00:50\", "
			"\"time_elapsed\": 1.7, "
			"\"metadata\": \"job \\\"7\\\"\\tcaf\\u00e9 \\ud83d\\ude00\\b\", "
			"\"metric_value\": NaN, \"direction\": \"+\", "
			"\"metrics\": {\"loss\": 0.25, \"acc\": Infinity}}\n");

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
	ckpt_info_clear(&back);
	ckpt_buf_free(&buf);

	/* __FIRST__, null metadata, absent optional fields left out. */
	ckpt_info first = {.epoch = 1, .first = true, .model_file = "model.h5"};
	ckpt_buf_init(&buf);
	ckpt_info_format(&buf, &first, NULL, 0);
	g_assert_cmpstr(buf.data, ==, "{\"epoch\": 1, \"model_file\": \"model.h5\", "
			"\"time_elapsed\": \"__FIRST__\", \"metadata\": null}\n");
	g_assert_cmpint(read_info_text(&back, tmp, buf.data), ==, 0);
	g_assert_true(back.first && !back.has_time_elapsed && !back.has_best_metric_last);
	g_assert_null(back.checksum);
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
	char *runs = unpack_fixtures(&tmp);
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
	g_assert_cmpint(ckpt_checksum_matches(&match, path, "sha256:BA7816BF8F01CFEA414140DE5DAE"
					      "2223B00361A396177A9CB410FF61F20015AD", NULL), ==, 0);
	g_assert_true(match);
	g_assert_cmpint(ckpt_checksum_matches(&match, path, "sha256:00" "7816bf8f01cfea414140de5dae"
					      "2223b00361a396177a9cb410ff61f20015ad", NULL), ==, 0);
	g_assert_false(match);

	static const char *const invalid[] = {
		"__DISABLED__", "", "-1", "4294967296", "12a", "sha256:abc", "md5:0", "0x10",
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
	char stage[64];
	volatile int cancel;
	int cancel_after; /* raise the flag on this call (1-based), 0: never */
} progress_log;

static void on_progress(const char *stage, uint64_t done, uint64_t total, void *payload)
{
	progress_log *log = payload;
	g_array_append_val(log->done, done);
	log->total = total;
	g_strlcpy(log->stage, stage, sizeof log->stage);
	if (log->cancel_after && (int)log->done->len == log->cancel_after)
		log->cancel = 1;
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
	g_assert_cmpstr(log.stage, ==, "checksum model.h5");
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
	static const struct {
		const char *path;
		GTestFunc fn;
	} tests[] = {
		{"/ckpt/json/python-tokens/bare-values-read-as-numbers", test_tokens_bare_values},
		{"/ckpt/json/python-tokens/inside-arrays-and-objects", test_tokens_nested},
		{"/ckpt/json/python-tokens/same-words-in-strings-left-alone",
		 test_tokens_in_strings_untouched},
		{"/ckpt/json/numbers/long-and-out-of-range", test_numbers_long_and_huge},
		{"/ckpt/json/strings/unicode-escapes-and-utf8", test_unicode_strings},
		{"/ckpt/json/input/length-bounds-the-text", test_input_not_nul_terminated},
		{"/ckpt/json/nesting/64-levels-accepted-65-refused", test_nesting_64_accepted},
		{"/ckpt/json/reject/empty", test_reject_empty},
		{"/ckpt/json/reject/truncated", test_reject_truncated},
		{"/ckpt/json/reject/10000-levels-of-nesting", test_reject_deep_nesting},
		{"/ckpt/json/reject/nul-bytes", test_reject_nul_bytes},
		{"/ckpt/json/reject/invalid-utf8", test_reject_invalid_utf8},
		{"/ckpt/json/reject/duplicate-keys", test_reject_duplicate_keys},
		{"/ckpt/json/reject/bad-syntax-and-trailing-garbage", test_reject_bad_syntax},
		{"/ckpt/json/errors/name-line-and-column", test_error_line_and_column},
		{"/ckpt/info/read/every-fixture-matches-expect", test_info_fixtures_read},
		{"/ckpt/info/read/fixture-values", test_info_fixture_values},
		{"/ckpt/info/format/fixtures-byte-for-byte", test_info_format_fixtures_exact},
		{"/ckpt/info/format/python-layout-additions-round-trip",
		 test_info_format_layout_and_additions},
		{"/ckpt/info/read/unknown-keys-ignored", test_info_unknown_keys_ignored},
		{"/ckpt/info/read/missing-is-enoent", test_info_missing_is_enoent},
		{"/ckpt/info/reject/wrong-types-name-key", test_info_reject_wrong_types},
		{"/ckpt/info/reject/hostile-content", test_info_reject_hostile_content},
		{"/ckpt/info/reject/2mib-file", test_info_reject_too_large},
		{"/ckpt/info/reject/symlink", test_info_reject_symlink},
		{"/ckpt/info/reject/fifo-without-hanging", test_info_reject_fifo},
		{"/ckpt/checksum/known-values-crc32-sha256", test_checksum_known_values},
		{"/ckpt/checksum/multi-buffer-equals-one-shot", test_checksum_multi_buffer},
		{"/ckpt/checksum/crc32-equals-zlib-any-length-alignment", test_crc32_equals_zlib},
		{"/ckpt/checksum/fixture-model-matches-stored", test_checksum_fixture_model},
		{"/ckpt/checksum/matches/stored-forms", test_checksum_matches_forms},
		{"/ckpt/checksum/progress-reported", test_checksum_progress_reported},
		{"/ckpt/checksum/cancel-flag-honoured", test_checksum_cancel_honoured},
		{"/ckpt/checksum/refuses-fifo-and-directory", test_checksum_refuses_non_regular},
	};
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(tests); i++)
		g_test_add_func(tests[i].path, tests[i].fn);
	return g_test_run();
}

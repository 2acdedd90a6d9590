/* test-json.c: the JSON reader: Python's bare tokens (NaN, Infinity), long
 * numbers, UTF-8 and escapes, the length bounding the text, and hostile input
 * refused with a message naming the file, line and column. */
#include "internal.h"
#include "json-fixture.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

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
	    {"{\"a\": \"\xc0\xaf\"}", "invalid UTF-8 at offset 7"},         /* overlong '/' */
	    {"{\"a\": \"\xe0\x80\xaf\"}", "invalid UTF-8 at offset 7"},     /* overlong */
	    {"{\"a\": \"\xed\xa0\x80\"}", "invalid UTF-8 at offset 7"},     /* surrogate */
	    {"{\"a\": \"\xf4\x90\x80\x80\"}", "invalid UTF-8 at offset 7"}, /* > U+10FFFF */
	    {"{\"a\": \"\x80\"}", "invalid UTF-8 at offset 7"},             /* lone continuation */
	    {"{\"a\": \"\xc3\"}", "invalid UTF-8 at offset 7"},             /* cut sequence */
	    {"{\"a\": 1}\xe2\x82", "invalid UTF-8 at offset 8"},            /* cut at the end */
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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/json/python-tokens/bare-values-read-as-numbers",
			test_tokens_bare_values);
	g_test_add_func("/ckpt/json/python-tokens/inside-arrays-and-objects", test_tokens_nested);
	g_test_add_func("/ckpt/json/python-tokens/same-words-in-strings-left-alone",
			test_tokens_in_strings_untouched);
	g_test_add_func("/ckpt/json/numbers/long-and-out-of-range", test_numbers_long_and_huge);
	g_test_add_func("/ckpt/json/strings/unicode-escapes-and-utf8", test_unicode_strings);
	g_test_add_func("/ckpt/json/input/length-bounds-the-text", test_input_not_nul_terminated);
	g_test_add_func("/ckpt/json/nesting/64-levels-accepted-65-refused",
			test_nesting_64_accepted);
	g_test_add_func("/ckpt/json/reject/empty", test_reject_empty);
	g_test_add_func("/ckpt/json/reject/truncated", test_reject_truncated);
	g_test_add_func("/ckpt/json/reject/10000-levels-of-nesting", test_reject_deep_nesting);
	g_test_add_func("/ckpt/json/reject/nul-bytes", test_reject_nul_bytes);
	g_test_add_func("/ckpt/json/reject/invalid-utf8", test_reject_invalid_utf8);
	g_test_add_func("/ckpt/json/reject/duplicate-keys", test_reject_duplicate_keys);
	g_test_add_func("/ckpt/json/reject/bad-syntax-and-trailing-garbage",
			test_reject_bad_syntax);
	g_test_add_func("/ckpt/json/errors/name-line-and-column", test_error_line_and_column);
	return g_test_run();
}

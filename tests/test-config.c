/* test-config.c: the three sources of parameters: JSON files (typed values,
 * Python's Infinity, errors naming file and line), CANDLE config files
 * (sections, comments, literals, continuations) and argument words. */
#include "internal.h"
#include "params-fixture.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------- */

static char *write_temp(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);
	tu_write(path, text);
	return path;
}

/* ---- JSON files --------------------------------------------------------------- */

static void test_json_typed_values(void)
{
	char *dir = tu_tmpdir();
	char *path =
	    write_temp(dir, "params.json",
		       "{\"epochs\": 30, \"ckpt_keep_limit\": \"3\", "
		       "\"ckpt_best_metric_last\": 0.356323, \"ckpt_save_best\": false, "
		       "\"metadata\": null, \"dense\": [1000, 500], "
		       "\"opt\": {\"name\": \"sgd\", \"lr\": 0.01}, \"model_name\": \"nt3\"}");
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "metadata", "replaced by null"), ==, 0);
	g_assert_cmpint(ckpt_params_load_json(params, path), ==, 0);
	g_assert_cmpint(ckpt_params_lookup(params, "epochs")->kind, ==, CKPT_PARAM_INT);
	g_assert_cmpint(ckpt_params_lookup(params, "ckpt_keep_limit")->kind, ==, CKPT_PARAM_TEXT);
	g_assert_cmpint(ckpt_params_lookup(params, "ckpt_save_best")->kind, ==, CKPT_PARAM_BOOL);
	g_assert_cmpint(ckpt_params_lookup(params, "metadata")->kind, ==, CKPT_PARAM_NULL);
	assert_get(params, "epochs", "30");
	assert_get(params, "ckpt_best_metric_last", "0.356323");
	assert_get(params, "metadata", NULL);
	assert_get(params, "dense", "[1000,500]");
	assert_get(params, "opt", "{\"name\":\"sgd\",\"lr\":0.01}");
	assert_get(params, "model_name", "nt3");
	ckpt_settings s = settings_of(params);
	g_assert_cmpint(s.epochs, ==, 30);
	g_assert_cmpint(s.keep_limit, ==, 3);
	g_assert_cmpfloat(s.best_metric_last, ==, 0.356323);
	g_assert_false(s.save_best);
	g_assert_null(s.metadata);
	ckpt_settings_clear(&s);
	ckpt_params_free(params);
	g_free(path);
	tu_rmtree(dir);
	g_free(dir);
}

static void assert_json_fails(const char *text, int code, const char *message_tail)
{
	char *dir = tu_tmpdir();
	char *path = write_temp(dir, "bad.json", text);
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_load_json(params, path), ==, code);
	char *message = g_strdup_printf("%s: ", path);
	g_assert_true(g_str_has_prefix(ckpt_error_last(), message));
	if (!strstr(ckpt_error_last(), message_tail))
		g_error("message '%s' lacks '%s'", ckpt_error_last(), message_tail);
	/* A bad file changes nothing. */
	g_assert_null(ckpt_params_lookup(params, "x"));
	assert_get(params, "epochs", "10");
	g_free(message);
	ckpt_params_free(params);
	g_free(path);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_json_malformed_names_file_and_line(void)
{
	assert_json_fails("{\n  \"x\": 1,\n  \"epochs\": ]\n}\n", CKPT_EFORMAT,
			  "line 3, column 13");
	assert_json_fails("{\"x\": 1} trailing", CKPT_EFORMAT, "line 1, column 10");
}

static void test_json_truncated_names_file(void)
{
	assert_json_fails("{\"x\": 1,\n \"epochs\": 3", CKPT_EFORMAT, "line 2");
	assert_json_fails("", CKPT_EFORMAT, "empty");
}

static void test_json_python_infinity_accepted(void)
{
	char *dir = tu_tmpdir();
	char *path =
	    write_temp(dir, "python.json", "{\"epochs\": 5, \"ckpt_best_metric_last\": -Infinity}");
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_load_json(params, path), ==, 0);
	ckpt_settings settings;
	g_assert_cmpint(ckpt_settings_from_params(&settings, params), ==, 0);
	g_assert_true(settings.has_best_metric_last);
	g_assert_true(isinf(settings.best_metric_last) && settings.best_metric_last < 0);
	ckpt_settings_clear(&settings);
	ckpt_params_free(params);
	g_free(path);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_json_not_an_object(void)
{
	assert_json_fails("[{\"x\": 1}]", CKPT_EFORMAT, "expected a JSON object of parameters");
}

static void test_json_nul_byte_rejected(void)
{
	char *dir = tu_tmpdir();
	char *path = g_build_filename(dir, "nul.json", NULL);
	tu_write_bytes(path, "{\"x\": 1}\0{", 10);
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_load_json(params, path), ==, CKPT_EFORMAT);
	g_assert_nonnull(strstr(ckpt_error_last(), "NUL byte"));
	g_assert_null(ckpt_params_lookup(params, "x"));
	ckpt_params_free(params);
	g_free(path);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_missing_file_is_enoent_naming_path(void)
{
	char *dir = tu_tmpdir();
	char *path = g_build_filename(dir, "absent.json", NULL);
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_load_json(params, path), ==, CKPT_ENOENT);
	g_assert_true(g_str_has_prefix(ckpt_error_last(), path));
	g_assert_cmpint(ckpt_params_load_config(params, path), ==, CKPT_ENOENT);
	g_assert_true(g_str_has_prefix(ckpt_error_last(), path));
	ckpt_params_free(params);
	g_free(path);
	tu_rmtree(dir);
	g_free(dir);
}

/* ---- CANDLE config files ----------------------------------------------------- */

static const char candle_config[] = "# NT3 defaults\n"
				    "[Global_Params]\n"
				    "model_name = 'nt3'\n"
				    "epochs=30\n"
				    "dense = [1000, 500]\n"
				    "conv=[ 'a#1', \"b\" ]   # a list with a '#' inside quotes\n"
				    "learning_rate = 1e-3\n"
				    "ckpt_save_best = True\n"
				    "ckpt_checksum=False\r\n"
				    "\n"
				    "[Monitor_Params]\n"
				    "  ckpt_keep_limit = 3  # keep three\n"
				    "ckpt_best_metric_last = inf\n"
				    "metadata = None\n"
				    "ckpt_save_best_metric = \"val_\\\"acc\\\"\"\n"
				    "output_dir = 'out # not a comment'\n"
				    "CKPT_KEEP_MODE = 'all'\n"
				    "; a configparser comment\n"
				    "ckpt_keep_limit = 4\n";

static void test_config_candle_file(void)
{
	char *dir = tu_tmpdir();
	char *path = write_temp(dir, "nt3_default_model.txt", candle_config);
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_load_config(params, path), ==, 0);
	assert_get(params, "model_name", "nt3");
	assert_get(params, "dense", "[1000, 500]");
	assert_get(params, "conv", "[ 'a#1', \"b\" ]");
	assert_get(params, "learning_rate", "0.001");
	assert_get(params, "ckpt_save_best", "true");
	assert_get(params, "ckpt_checksum", "false");
	assert_get(params, "ckpt_best_metric_last", "Infinity");
	assert_get(params, "metadata", NULL);
	assert_get(params, "ckpt_save_best_metric", "val_\"acc\"");
	assert_get(params, "output_dir", "out # not a comment");
	g_assert_cmpint(ckpt_params_lookup(params, "epochs")->kind, ==, CKPT_PARAM_INT);
	g_assert_cmpint(ckpt_params_lookup(params, "metadata")->kind, ==, CKPT_PARAM_NULL);
	ckpt_settings s = settings_of(params);
	g_assert_cmpint(s.epochs, ==, 30);
	g_assert_cmpint(s.keep_limit, ==, 4); /* the later line wins */
	g_assert_cmpint(s.keep_mode, ==, CKPT_KEEP_ALL);
	g_assert_true(s.save_best);
	g_assert_false(s.checksum);
	g_assert_true(isinf(s.best_metric_last) && s.best_metric_last > 0);
	g_assert_cmpstr(s.directory, ==, "out # not a comment/ckpts");
	ckpt_settings_clear(&s);
	ckpt_params_free(params);
	g_free(path);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_config_quote_escapes(void)
{
	char *dir = tu_tmpdir();
	char *path = write_temp(dir, "q.txt",
				"a = 'it\\'s'\nb = \"back\\\\slash\"\nc = 'tab\\there'\n"
				"d = 'keep\\d'\ne = ''\n");
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_load_config(params, path), ==, 0);
	assert_get(params, "a", "it's");
	assert_get(params, "b", "back\\slash");
	assert_get(params, "c", "tab\there");
	assert_get(params, "d", "keep\\d");
	assert_get(params, "e", "");
	ckpt_params_free(params);
	g_free(path);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_config_continuation_and_colon(void)
{
	char *dir = tu_tmpdir();
	char *path = write_temp(dir, "multi.txt",
				"[Global_Params]\n"
				"dense = [1000,\n"
				"    500,\n"
				"\t100]\n"
				"epochs: 30\n"
				"ckpt_directory = /scratch/a:b\n");
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_load_config(params, path), ==, 0);
	assert_get(params, "dense", "[1000, 500, 100]");
	assert_get(params, "epochs", "30");
	assert_get(params, "ckpt_directory", "/scratch/a:b");
	ckpt_params_free(params);
	g_free(path);
	tu_rmtree(dir);
	g_free(dir);
}

static void assert_config_fails(const char *text, const char *message_tail)
{
	char *dir = tu_tmpdir();
	char *path = write_temp(dir, "config.txt", text);
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_load_config(params, path), ==, CKPT_EFORMAT);
	char *message = g_strdup_printf("%s: ", path);
	g_assert_true(g_str_has_prefix(ckpt_error_last(), message));
	if (!strstr(ckpt_error_last(), message_tail))
		g_error("message '%s' lacks '%s'", ckpt_error_last(), message_tail);
	/* Lines before the bad one are not applied either. */
	assert_get(params, "epochs", "10");
	g_assert_null(ckpt_params_lookup(params, "x"));
	g_free(message);
	ckpt_params_free(params);
	g_free(path);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_config_errors_name_line(void)
{
	assert_config_fails("[Global_Params]\nepochs = 5\nx = 1\n\njust words\n",
			    "line 5: expected key = value");
	assert_config_fails("x = 1\n= 3\n", "line 2: expected key = value");
	assert_config_fails("x = 1\ny = 'open\n", "line 2: unterminated string");
	assert_config_fails("x = 1\ny = 'a' b\n", "line 2: unexpected text after the string");
	assert_config_fails("x = 1\n[Global_Params\n",
			    "line 2: expected ']' after the section name");
}

/* ---- argument words ------------------------------------------------------------- */

static void test_args_equals_and_space_forms(void)
{
	char *argv[] = {
	    "train.py", "--epochs=12", "--ckpt_keep_limit", "2", "--ckpt_best_metric_last",
	    "-0.5",     "--metadata="};
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	int used = -1;
	g_assert_cmpint(ckpt_params_parse_args(&used, params, G_N_ELEMENTS(argv), argv), ==, 0);
	g_assert_cmpint(used, ==, 6);
	assert_get(params, "epochs", "12");
	assert_get(params, "ckpt_keep_limit", "2");
	assert_get(params, "ckpt_best_metric_last", "-0.5");
	assert_get(params, "metadata", "");
	g_assert_null(ckpt_params_lookup(params, "train.py"));
	ckpt_settings s = settings_of(params);
	g_assert_cmpint(s.keep_limit, ==, 2);
	g_assert_cmpfloat(s.best_metric_last, ==, -0.5);
	ckpt_settings_clear(&s);
	ckpt_params_free(params);
}

static void test_args_hyphen_form_and_alias(void)
{
	char *argv[] = {"--ckpt-keep-limit=7", "--ckpt-restart-mode", "off",
			"--ckpt-metadata=j1",  "--output-dir",        "o"};
	ckpt_params *params = params_with_epochs();
	int used = 0;
	g_assert_cmpint(ckpt_params_parse_args(&used, params, G_N_ELEMENTS(argv), argv), ==, 0);
	g_assert_cmpint(used, ==, 6);
	assert_get(params, "ckpt_keep_limit", "7");
	assert_get(params, "ckpt_restart_mode", "off");
	assert_get(params, "metadata", "j1");
	assert_get(params, "output_dir", "o");
	g_assert_null(ckpt_params_lookup(params, "ckpt-keep-limit"));
	ckpt_params_free(params);
}

static void test_args_unknown_words_left_alone(void)
{
	char *argv[] = {"--lr=0.1", "--epochs",         "3",  "-v",      "data.csv", "--batch_size",
			"32",       "--epochs_extra=1", "--", "epochs=4"};
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	int used = 0;
	g_assert_cmpint(ckpt_params_parse_args(&used, params, G_N_ELEMENTS(argv), argv), ==, 0);
	g_assert_cmpint(used, ==, 2);
	assert_get(params, "epochs", "3");
	g_assert_null(ckpt_params_lookup(params, "lr"));
	g_assert_null(ckpt_params_lookup(params, "batch_size"));
	g_assert_null(ckpt_params_lookup(params, "epochs_extra"));
	g_assert_cmpint(ckpt_params_parse_args(NULL, params, 0, NULL), ==, 0);
	ckpt_params_free(params);
}

static void test_args_trailing_key_without_value(void)
{
	char *argv[] = {"--ckpt_skip_epochs=2", "--ckpt-keep-limit"};
	ckpt_params *params = params_with_epochs();
	int used = -1;
	g_assert_cmpint(ckpt_params_parse_args(&used, params, G_N_ELEMENTS(argv), argv), ==,
			CKPT_EINVAL);
	g_assert_cmpstr(ckpt_error_last(), ==,
			"parameter 'ckpt_keep_limit': --ckpt-keep-limit needs a value");
	g_assert_cmpint(used, ==, 0);
	g_assert_null(ckpt_params_lookup(params, "ckpt_skip_epochs"));

	char *argv2[] = {"--epochs", "--ckpt_checksum=1"};
	g_assert_cmpint(ckpt_params_parse_args(NULL, params, G_N_ELEMENTS(argv2), argv2), ==,
			CKPT_EINVAL);
	g_assert_cmpstr(ckpt_error_last(), ==, "parameter 'epochs': --epochs needs a value");
	assert_get(params, "epochs", "10");
	ckpt_params_free(params);
}

int main(int argc, char *argv[])
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/params/json/typed-null-and-nested-values", test_json_typed_values);
	g_test_add_func("/ckpt/params/json/malformed-names-file-and-line",
			test_json_malformed_names_file_and_line);
	g_test_add_func("/ckpt/params/json/truncated-names-file", test_json_truncated_names_file);
	g_test_add_func("/ckpt/params/json/python-infinity-accepted",
			test_json_python_infinity_accepted);
	g_test_add_func("/ckpt/params/json/not-an-object-rejected", test_json_not_an_object);
	g_test_add_func("/ckpt/params/json/nul-byte-rejected", test_json_nul_byte_rejected);
	g_test_add_func("/ckpt/params/files/missing-is-enoent-naming-path",
			test_missing_file_is_enoent_naming_path);
	g_test_add_func("/ckpt/params/config/candle-file-sections-comments-literals",
			test_config_candle_file);
	g_test_add_func("/ckpt/params/config/continuation-lines-and-colon",
			test_config_continuation_and_colon);
	g_test_add_func("/ckpt/params/config/quote-escapes", test_config_quote_escapes);
	g_test_add_func("/ckpt/params/config/errors-name-file-and-line-and-change-nothing",
			test_config_errors_name_line);
	g_test_add_func("/ckpt/params/args/equals-and-space-forms",
			test_args_equals_and_space_forms);
	g_test_add_func("/ckpt/params/args/hyphen-form-and-alias", test_args_hyphen_form_and_alias);
	g_test_add_func("/ckpt/params/args/unknown-words-left-alone",
			test_args_unknown_words_left_alone);
	g_test_add_func("/ckpt/params/args/trailing-key-without-value-changes-nothing",
			test_args_trailing_key_without_value);
	return g_test_run();
}

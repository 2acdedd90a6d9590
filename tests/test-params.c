/* test-params.c: the parameter store of SPEC §1 (text forms, set, unset,
 * aliases) and every type rule and allowed-value list with its exact
 * message, the required key, the defaults and what null means. */
#include "internal.h"
#include "params-fixture.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------- */

static ckpt_params *params_with_text(const char *key, const char *value)
{
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_set(params, key, value), ==, 0);
	return params;
}

static void assert_check_fails(const ckpt_params *params, const char *message)
{
	g_assert_cmpint(ckpt_params_check(params), ==, CKPT_EINVAL);
	g_assert_cmpstr(ckpt_error_last(), ==, message);
}

static void assert_text_rejected(const char *key, const char *value, const char *rule)
{
	ckpt_params *params = params_with_text(key, value);
	char *message = g_strdup_printf("parameter '%s' is '%s' but must be %s", key, value, rule);
	assert_check_fails(params, message);
	g_free(message);
	ckpt_params_free(params);
}

#define BOOL_RULE "a boolean (yes/no, true/false, t/f, y/n, 1/0)"

/* ---- the store -------------------------------------------------------- */

static void test_store_text_forms(void)
{
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set_int(params, "i", -42), ==, 0);
	g_assert_cmpint(ckpt_params_set_double(params, "half", 0.5), ==, 0);
	g_assert_cmpint(ckpt_params_set_double(params, "whole", 3.0), ==, 0);
	g_assert_cmpint(ckpt_params_set_double(params, "inf", -INFINITY), ==, 0);
	g_assert_cmpint(ckpt_params_set_bool(params, "yes", 7), ==, 0);
	g_assert_cmpint(ckpt_params_set_bool(params, "no", 0), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "text", "hello"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "none", NULL), ==, 0);
	assert_get(params, "i", "-42");
	assert_get(params, "half", "0.5");
	assert_get(params, "whole", "3.0");
	assert_get(params, "inf", "-Infinity");
	assert_get(params, "yes", "true");
	assert_get(params, "no", "false");
	assert_get(params, "text", "hello");
	assert_get(params, "none", NULL);
	ckpt_params_free(params);
}

static void test_store_unset_key_is_enoent(void)
{
	ckpt_params *params = params_with_epochs();
	const char *text = "unchanged";
	g_assert_cmpint(ckpt_params_get(&text, params, "nope"), ==, CKPT_ENOENT);
	g_assert_null(text);
	g_assert_cmpstr(ckpt_error_last(), ==, "parameter 'nope' is not set");
	ckpt_params_free(params);
}

static void test_store_set_replaces_value_and_type(void)
{
	ckpt_params *params = params_with_text("ckpt_keep_limit", "0");
	g_assert_cmpint(ckpt_params_set_int(params, "ckpt_keep_limit", 3), ==, 0);
	assert_get(params, "ckpt_keep_limit", "3");
	const ckpt_param_value *value = ckpt_params_lookup(params, "ckpt_keep_limit");
	g_assert_nonnull(value);
	g_assert_cmpint(value->kind, ==, CKPT_PARAM_INT);
	g_assert_cmpint(ckpt_params_check(params), ==, 0);
	ckpt_params_free(params);
}

static void test_store_unset_removes_only_that_key(void)
{
	ckpt_params *params = params_with_text("a", "1");
	g_assert_cmpint(ckpt_params_set(params, "b", "2"), ==, 0);
	g_assert_cmpint(ckpt_params_unset(params, "a"), ==, 0);
	g_assert_null(ckpt_params_lookup(params, "a"));
	assert_get(params, "b", "2");
	assert_get(params, "epochs", "10");
	g_assert_cmpint(ckpt_params_unset(params, "never-set"), ==, 0);
	g_assert_cmpint(ckpt_params_unset(params, "epochs"), ==, 0);
	assert_check_fails(params, "parameter 'epochs' is required");
	ckpt_params_free(params);
}

static void test_store_rejects_empty_key(void)
{
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_set(params, "", "x"), ==, CKPT_EINVAL);
	g_assert_cmpint(ckpt_params_set_int(params, NULL, 1), ==, CKPT_EINVAL);
	g_assert_cmpstr(ckpt_error_last(), ==, "parameter key must not be empty");
	ckpt_params_free(params);
}

static void test_store_unknown_keys_kept(void)
{
	ckpt_params *params = params_with_text("learning_rate", "0.01");
	g_assert_cmpint(ckpt_params_set(params, "optimizer", "sgd"), ==, 0);
	g_assert_cmpint(ckpt_params_check(params), ==, 0);
	assert_get(params, "learning_rate", "0.01");
	assert_get(params, "optimizer", "sgd");
	ckpt_params_free(params);
}

static void test_metadata_alias_shares_value(void)
{
	ckpt_params *params = params_with_text("ckpt_metadata", "job 17");
	assert_get(params, "metadata", "job 17");
	assert_get(params, "ckpt_metadata", "job 17");
	ckpt_settings settings = settings_of(params);
	g_assert_cmpstr(settings.metadata, ==, "job 17");
	ckpt_settings_clear(&settings);
	/* The later setting wins whichever name it uses. */
	g_assert_cmpint(ckpt_params_set(params, "metadata", "job 18"), ==, 0);
	assert_get(params, "ckpt_metadata", "job 18");
	g_assert_cmpint(ckpt_params_unset(params, "ckpt_metadata"), ==, 0);
	g_assert_null(ckpt_params_lookup(params, "metadata"));
	ckpt_params_free(params);
}

/* ---- type rules ----------------------------------------------------------- */

static void test_bool_accepts_words_any_case(void)
{
	const char *yes[] = {"yes", "YES", "True", "true", "t", "T", "y", "Y", "1"};
	const char *no[] = {"no", "No", "FALSE", "false", "f", "F", "n", "N", "0"};
	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
		ckpt_params *params = params_with_text("ckpt_checksum", yes[i]);
		ckpt_settings settings = settings_of(params);
		g_assert_true(settings.checksum);
		ckpt_settings_clear(&settings);
		ckpt_params_free(params);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(no); i++) {
		ckpt_params *params = params_with_text("ckpt_save_best", no[i]);
		ckpt_settings settings = settings_of(params);
		g_assert_false(settings.save_best);
		ckpt_settings_clear(&settings);
		ckpt_params_free(params);
	}
}

static void test_bool_typed_bool_and_int_01(void)
{
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_set_int(params, "ckpt_checksum", 1), ==, 0);
	g_assert_cmpint(ckpt_params_set_int(params, "ckpt_fsync", 0), ==, 0);
	g_assert_cmpint(ckpt_params_set_bool(params, "require_json", 0), ==, 0);
	ckpt_settings settings = settings_of(params);
	g_assert_true(settings.checksum);
	g_assert_false(settings.fsync);
	g_assert_false(settings.require_json);
	ckpt_settings_clear(&settings);
	g_assert_cmpint(ckpt_params_set_int(params, "ckpt_fsync", 2), ==, 0);
	assert_check_fails(params, "parameter 'ckpt_fsync' is '2' but must be " BOOL_RULE);
	g_assert_cmpint(ckpt_params_set_double(params, "ckpt_fsync", 1.0), ==, 0);
	assert_check_fails(params, "parameter 'ckpt_fsync' is '1.0' but must be " BOOL_RULE);
	ckpt_params_free(params);
}

static void test_bool_rejects_other_words(void)
{
	assert_text_rejected("ckpt_save_best", "maybe", BOOL_RULE);
	assert_text_rejected("ckpt_save_weights_only", "", BOOL_RULE);
	assert_text_rejected("require_json", "yes please", BOOL_RULE);
	assert_text_rejected("ckpt_fsync", "on", BOOL_RULE);
}

static void test_int_accepts_whole_numbers(void)
{
	ckpt_params *params = params_with_text("ckpt_skip_epochs", "+7");
	g_assert_cmpint(ckpt_params_set(params, "ckpt_keep_limit", "0012"), ==, 0);
	g_assert_cmpint(ckpt_params_set_double(params, "ckpt_save_interval", 3.0), ==, 0);
	ckpt_settings settings = settings_of(params);
	g_assert_cmpint(settings.skip_epochs, ==, 7);
	g_assert_cmpint(settings.keep_limit, ==, 12);
	g_assert_cmpint(settings.save_interval, ==, 3);
	g_assert_cmpint(settings.epochs, ==, 10);
	ckpt_settings_clear(&settings);
	ckpt_params_free(params);
}

static void test_int_rejects_fraction_and_junk(void)
{
	const char *bad[] = {
	    "3.5", "3x", "1e3", "", " 3", "3 ", "0x10", "ten", "99999999999999999999"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_text_rejected("epochs", bad[i], "an integer");
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_set_double(params, "epochs", 3.5), ==, 0);
	assert_check_fails(params, "parameter 'epochs' is '3.5' but must be an integer");
	g_assert_cmpint(ckpt_params_set_bool(params, "epochs", 1), ==, 0);
	assert_check_fails(params, "parameter 'epochs' is 'true' but must be an integer");
	g_assert_cmpint(ckpt_params_set_double(params, "epochs", NAN), ==, 0);
	assert_check_fails(params, "parameter 'epochs' is 'NaN' but must be an integer");
	ckpt_params_free(params);
}

static void test_int_nonneg_rejects_negative(void)
{
	assert_text_rejected("ckpt_skip_epochs", "-1", "zero or greater");
	assert_text_rejected("ckpt_save_interval", "-5", "zero or greater");
	assert_text_rejected("epochs", "-1", "zero or greater");
	ckpt_params *params = params_with_text("ckpt_save_interval", "0");
	g_assert_cmpint(ckpt_params_set_int(params, "epochs", 0), ==, 0);
	ckpt_settings settings = settings_of(params);
	g_assert_cmpint(settings.save_interval, ==, 0);
	g_assert_cmpint(settings.epochs, ==, 0);
	ckpt_settings_clear(&settings);
	ckpt_params_free(params);
}

static void test_int_pos_rejects_zero(void)
{
	assert_text_rejected("ckpt_keep_limit", "0", "greater than zero");
	assert_text_rejected("ckpt_keep_limit", "-3", "greater than zero");
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_set_int(params, "ckpt_keep_limit", 0), ==, 0);
	assert_check_fails(params,
			   "parameter 'ckpt_keep_limit' is '0' but must be greater than zero");
	g_assert_cmpint(ckpt_params_set_int(params, "ckpt_keep_limit", 1), ==, 0);
	ckpt_settings settings = settings_of(params);
	g_assert_cmpint(settings.keep_limit, ==, 1);
	ckpt_settings_clear(&settings);
	ckpt_params_free(params);
}

static void test_float_accepts_python_forms(void)
{
	struct {
		const char *text;
		double value;
	} good[] = {
	    {"inf", INFINITY},
	    {"-inf", -INFINITY},
	    {"Infinity", INFINITY},
	    {"-Infinity", -INFINITY},
	    {"1e-3", 1e-3},
	    {".5", 0.5},
	    {"2", 2.0},
	    {"-0.356323", -0.356323},
	    {"1E+2", 100.0},
	    {"3.", 3.0},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		ckpt_params *params = params_with_text("ckpt_best_metric_last", good[i].text);
		ckpt_settings settings = settings_of(params);
		g_assert_true(settings.has_best_metric_last);
		g_assert_cmpfloat(settings.best_metric_last, ==, good[i].value);
		ckpt_settings_clear(&settings);
		ckpt_params_free(params);
	}
	ckpt_params *params = params_with_text("ckpt_best_metric_last", "nan");
	ckpt_settings settings = settings_of(params);
	g_assert_true(isnan(settings.best_metric_last));
	ckpt_settings_clear(&settings);
	g_assert_cmpint(ckpt_params_set_int(params, "ckpt_best_metric_last", 3), ==, 0);
	settings = settings_of(params);
	g_assert_cmpfloat(settings.best_metric_last, ==, 3.0);
	ckpt_settings_clear(&settings);
	ckpt_params_free(params);
}

static void test_float_rejects_junk(void)
{
	const char *bad[] = {"abc", "1.5x", "", "0x10", "1e", "--1", "infinite", " 1", "1,5"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_text_rejected("ckpt_best_metric_last", bad[i], "a number");
	ckpt_params *params = params_with_epochs();
	g_assert_cmpint(ckpt_params_set_bool(params, "ckpt_best_metric_last", 1), ==, 0);
	assert_check_fails(params,
			   "parameter 'ckpt_best_metric_last' is 'true' but must be a number");
	ckpt_params_free(params);
}

/* ---- allowed values ------------------------------------------------------- */

static void test_allowed_keep_mode(void)
{
	const char *names[] = {"linear", "all", "exponential"};
	ckpt_keep_mode modes[] = {CKPT_KEEP_LINEAR, CKPT_KEEP_ALL, CKPT_KEEP_EXPONENTIAL};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		ckpt_params *params = params_with_text("ckpt_keep_mode", names[i]);
		ckpt_settings settings = settings_of(params);
		g_assert_cmpint(settings.keep_mode, ==, modes[i]);
		ckpt_settings_clear(&settings);
		ckpt_params_free(params);
	}
	assert_text_rejected("ckpt_keep_mode", "newest", "one of: linear, all, exponential");
	assert_text_rejected("ckpt_keep_mode", "Linear", "one of: linear, all, exponential");
}

static void test_allowed_restart_mode(void)
{
	const char *names[] = {"off", "auto", "required"};
	int modes[] = {CKPT_RESTART_OFF, CKPT_RESTART_AUTO, CKPT_RESTART_REQUIRED};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		ckpt_params *params = params_with_text("ckpt_restart_mode", names[i]);
		ckpt_settings settings = settings_of(params);
		g_assert_cmpint(settings.restart_mode, ==, modes[i]);
		ckpt_settings_clear(&settings);
		ckpt_params_free(params);
	}
	assert_text_rejected("ckpt_restart_mode", "always", "one of: off, auto, required");
}

static void test_allowed_checksum_algorithm(void)
{
	ckpt_params *params = params_with_text("ckpt_checksum_algorithm", "sha256");
	ckpt_settings settings = settings_of(params);
	g_assert_cmpint(settings.checksum_algorithm, ==, CKPT_CHECKSUM_SHA256);
	ckpt_settings_clear(&settings);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_checksum_algorithm", "crc32"), ==, 0);
	settings = settings_of(params);
	g_assert_cmpint(settings.checksum_algorithm, ==, CKPT_CHECKSUM_CRC32);
	ckpt_settings_clear(&settings);
	ckpt_params_free(params);
	assert_text_rejected("ckpt_checksum_algorithm", "md5", "one of: crc32, sha256");
}

/* ---- required, defaults, null ----------------------------------------------- */

static void test_epochs_required(void)
{
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	assert_check_fails(params, "parameter 'epochs' is required");
	g_assert_cmpint(ckpt_params_set(params, "epochs", NULL), ==, 0);
	assert_check_fails(params, "parameter 'epochs' is required");
	ckpt_params_free(params);
}

static void test_defaults(void)
{
	ckpt_params *params = params_with_epochs();
	ckpt_settings s = settings_of(params);
	g_assert_cmpint(s.epochs, ==, 10);
	g_assert_cmpstr(s.directory, ==, "./ckpts");
	g_assert_true(s.save_best);
	g_assert_cmpstr(s.save_best_metric, ==, "val_loss");
	g_assert_false(s.has_best_metric_last);
	g_assert_cmpint(s.skip_epochs, ==, 0);
	g_assert_cmpint(s.save_interval, ==, 1);
	g_assert_true(s.save_weights_only);
	g_assert_false(s.checksum);
	g_assert_cmpint(s.checksum_algorithm, ==, CKPT_CHECKSUM_CRC32);
	g_assert_cmpint(s.keep_mode, ==, CKPT_KEEP_LINEAR);
	g_assert_cmpint(s.keep_limit, ==, 5);
	g_assert_null(s.metadata);
	g_assert_cmpint(s.restart_mode, ==, CKPT_RESTART_AUTO);
	g_assert_true(s.require_json);
	g_assert_true(s.fsync);
	ckpt_settings_clear(&s);
	ckpt_params_free(params);
}

static void test_null_means_not_given(void)
{
	ckpt_params *params = params_with_epochs();
	const char *keys[] = {"ckpt_keep_limit",       "ckpt_save_best", "ckpt_keep_mode",
			      "ckpt_best_metric_last", "ckpt_directory", "metadata"};
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		g_assert_cmpint(ckpt_params_set(params, keys[i], NULL), ==, 0);
	ckpt_settings s = settings_of(params);
	g_assert_cmpint(s.keep_limit, ==, 5);
	g_assert_true(s.save_best);
	g_assert_cmpint(s.keep_mode, ==, CKPT_KEEP_LINEAR);
	g_assert_false(s.has_best_metric_last);
	g_assert_cmpstr(s.directory, ==, "./ckpts");
	g_assert_null(s.metadata);
	ckpt_settings_clear(&s);
	ckpt_params_free(params);
}

static void test_directory_default_under_output_dir(void)
{
	ckpt_params *params = params_with_text("output_dir", "/runs/nt3");
	ckpt_settings s = settings_of(params);
	g_assert_cmpstr(s.directory, ==, "/runs/nt3/ckpts");
	ckpt_settings_clear(&s);
	g_assert_cmpint(ckpt_params_set(params, "output_dir", "out/"), ==, 0);
	s = settings_of(params);
	g_assert_cmpstr(s.directory, ==, "out/ckpts");
	ckpt_settings_clear(&s);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", "/elsewhere"), ==, 0);
	s = settings_of(params);
	g_assert_cmpstr(s.directory, ==, "/elsewhere");
	ckpt_settings_clear(&s);
	ckpt_params_free(params);
}

static void test_directory_empty_rejected(void)
{
	ckpt_params *params = params_with_text("ckpt_directory", "");
	assert_check_fails(params, "parameter 'ckpt_directory' is '' but must not be empty");
	ckpt_params_free(params);
}

int main(int argc, char *argv[])
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/params/store/get-gives-text-form-of-each-kind",
			test_store_text_forms);
	g_test_add_func("/ckpt/params/store/unset-key-is-enoent", test_store_unset_key_is_enoent);
	g_test_add_func("/ckpt/params/store/set-replaces-value-and-type",
			test_store_set_replaces_value_and_type);
	g_test_add_func("/ckpt/params/store/unset-removes-only-that-key",
			test_store_unset_removes_only_that_key);
	g_test_add_func("/ckpt/params/store/rejects-empty-key", test_store_rejects_empty_key);
	g_test_add_func("/ckpt/params/store/unknown-keys-kept-and-readable",
			test_store_unknown_keys_kept);
	g_test_add_func("/ckpt/params/metadata/alias-ckpt-metadata-shares-one-value",
			test_metadata_alias_shares_value);
	g_test_add_func("/ckpt/params/bool/accepts-yes-no-any-case",
			test_bool_accepts_words_any_case);
	g_test_add_func("/ckpt/params/bool/typed-bool-and-int-0-1-only",
			test_bool_typed_bool_and_int_01);
	g_test_add_func("/ckpt/params/bool/rejects-other-words", test_bool_rejects_other_words);
	g_test_add_func("/ckpt/params/int/accepts-whole-text-and-typed",
			test_int_accepts_whole_numbers);
	g_test_add_func("/ckpt/params/int/rejects-fraction-and-junk",
			test_int_rejects_fraction_and_junk);
	g_test_add_func("/ckpt/params/int-nonneg/rejects-negative-accepts-zero",
			test_int_nonneg_rejects_negative);
	g_test_add_func("/ckpt/params/int-pos/rejects-zero-and-negative",
			test_int_pos_rejects_zero);
	g_test_add_func("/ckpt/params/float/accepts-inf-nan-exponent-int",
			test_float_accepts_python_forms);
	g_test_add_func("/ckpt/params/float/rejects-junk", test_float_rejects_junk);
	g_test_add_func("/ckpt/params/allowed/keep-mode", test_allowed_keep_mode);
	g_test_add_func("/ckpt/params/allowed/restart-mode", test_allowed_restart_mode);
	g_test_add_func("/ckpt/params/allowed/checksum-algorithm", test_allowed_checksum_algorithm);
	g_test_add_func("/ckpt/params/epochs/required-and-null-is-missing", test_epochs_required);
	g_test_add_func("/ckpt/params/defaults/every-key", test_defaults);
	g_test_add_func("/ckpt/params/null/means-not-given", test_null_means_not_given);
	g_test_add_func("/ckpt/params/directory/default-under-output-dir-else-dot",
			test_directory_default_under_output_dir);
	g_test_add_func("/ckpt/params/directory/empty-rejected", test_directory_empty_rejected);
	return g_test_run();
}

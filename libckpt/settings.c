/* settings.c: the parameters libckpt knows (SPEC §1): their names, types,
 * allowed values and defaults, and the checked conversion of a params object
 * into the ckpt_settings a writer runs with. */
#include "internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const known_keys[] = {
    "epochs",
    "ckpt_directory",
    "output_dir",
    "ckpt_save_best",
    "ckpt_save_best_metric",
    "ckpt_best_metric_last",
    "ckpt_skip_epochs",
    "ckpt_save_interval",
    "ckpt_save_weights_only",
    "ckpt_checksum",
    "ckpt_keep_mode",
    "ckpt_keep_limit",
    "metadata",
    "ckpt_restart_mode",
    "require_json",
    "ckpt_checksum_algorithm",
    "ckpt_fsync",
};

static const struct {
	const char *alias;
	const char *key;
} key_aliases[] = {
    {"ckpt_metadata", "metadata"},
};

static const char *const keep_modes[] = {"linear", "all", "exponential", NULL};
static const char *const restart_modes[] = {"off", "auto", "required", NULL};
static const char *const checksum_algorithms[] = {"crc32", "sha256", NULL};

static const char *const bool_true[] = {"yes", "true", "t", "y", "1", NULL};
static const char *const bool_false[] = {"no", "false", "f", "n", "0", NULL};

static bool spells(const char *name, size_t len, const char *key, bool hyphens)
{
	if (strlen(key) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] != key[i] && !(hyphens && name[i] == '-' && key[i] == '_'))
			return false;
	return true;
}

const char *ckpt_param_known_key(const char *name, size_t len, bool hyphens)
{
	for (size_t i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++)
		if (spells(name, len, known_keys[i], hyphens))
			return known_keys[i];
	for (size_t i = 0; i < sizeof key_aliases / sizeof key_aliases[0]; i++)
		if (spells(name, len, key_aliases[i].alias, hyphens))
			return key_aliases[i].key;
	return NULL;
}

/* ---- numbers and booleans from text ----------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only: tolower() would follow the caller's locale. */
static bool equals_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
		char cb = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

static bool in_list_nocase(const char *text, const char *const *list)
{
	for (; *list; list++)
		if (equals_nocase(text, *list))
			return true;
	return false;
}

bool ckpt_param_parse_int(const char *text, long long *out)
{
	const char *p = text + (*text == '+' || *text == '-');
	if (!is_digit(*p))
		return false;
	while (is_digit(*p))
		p++;
	/* strtoll would also take leading spaces; the syntax check above does not. */
	return *p == '\0' && ckpt_parse_long(text, out);
}

static bool float_syntax(const char *p)
{
	p += (*p == '+' || *p == '-');
	if (equals_nocase(p, "inf") || equals_nocase(p, "infinity") || equals_nocase(p, "nan"))
		return true;
	size_t digits = 0;
	for (; is_digit(*p); p++)
		digits++;
	if (*p == '.')
		for (p++; is_digit(*p); p++)
			digits++;
	if (digits == 0)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		p += (*p == '+' || *p == '-');
		if (!is_digit(*p))
			return false;
		while (is_digit(*p))
			p++;
	}
	return *p == '\0';
}

bool ckpt_param_parse_float(const char *text, double *out)
{
	if (!float_syntax(text))
		return false;
	/* A trainer may have set a locale whose decimal point is ','. */
	*out = ckpt_strtod(text, NULL);
	return true;
}

/* ---- one key at a time ------------------------------------------------- */

/* The value of key unless it is unset or null (both mean "not given"). */
static const ckpt_param_value *given(const ckpt_params *params, const char *key)
{
	const ckpt_param_value *value = ckpt_params_lookup(params, key);
	return value && value->kind != CKPT_PARAM_NULL ? value : NULL;
}

static int bad_value(const char *key, const ckpt_param_value *value, const char *rule)
{
	return ckpt_fail(CKPT_EINVAL, "parameter '%s' is '%s' but must be %s", key, value->text,
			 rule);
}

static int check_allowed(const char *key, const ckpt_param_value *value, const char *const *allowed)
{
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(value->text, *a) == 0)
			return 0;
	ckpt_buf rule;
	ckpt_buf_init(&rule);
	ckpt_buf_puts(&rule, "one of: ");
	for (const char *const *a = allowed; *a; a++)
		ckpt_buf_printf(&rule, "%s%s", a == allowed ? "" : ", ", *a);
	int rc = rule.oom ? ckpt_fail(CKPT_ENOMEM, "parameter '%s': out of memory", key)
			  : bad_value(key, value, rule.data);
	ckpt_buf_free(&rule);
	return rc;
}

/* A string key: typed values count by their text form. *out is borrowed
 * from params, or dflt when not given. */
static int get_string(const ckpt_params *params, const char *key, const char *const *allowed,
		      const char *dflt, const char **out)
{
	const ckpt_param_value *value = given(params, key);
	*out = dflt;
	if (!value)
		return 0;
	if (allowed) {
		int rc = check_allowed(key, value, allowed);
		if (rc < 0)
			return rc;
	}
	*out = value->text;
	return 0;
}

static int get_bool(const ckpt_params *params, const char *key, bool dflt, bool *out)
{
	const ckpt_param_value *value = given(params, key);
	*out = dflt;
	if (!value)
		return 0;
	if (value->kind == CKPT_PARAM_BOOL)
		*out = value->b;
	else if (value->kind == CKPT_PARAM_INT && (value->i == 0 || value->i == 1))
		*out = value->i == 1;
	else if (value->kind == CKPT_PARAM_TEXT && in_list_nocase(value->text, bool_true))
		*out = true;
	else if (value->kind == CKPT_PARAM_TEXT && in_list_nocase(value->text, bool_false))
		*out = false;
	else
		return bad_value(key, value, "a boolean (yes/no, true/false, t/f, y/n, 1/0)");
	return 0;
}

typedef enum { INT_ANY, INT_NONNEG, INT_POS } int_rule;

static int get_int(const ckpt_params *params, const char *key, int_rule rule, long dflt,
		   bool *out_given, long *out)
{
	const ckpt_param_value *value = given(params, key);
	*out = dflt;
	if (out_given)
		*out_given = value != NULL;
	if (!value)
		return 0;
	long long n = 0;
	bool whole = false;
	if (value->kind == CKPT_PARAM_INT) {
		n = value->i;
		whole = true;
	} else if (value->kind == CKPT_PARAM_DOUBLE) {
		/* Python's int(30.0) is 30; a fraction is not an epoch count. */
		whole =
		    isfinite(value->d) && value->d == trunc(value->d) && fabs(value->d) < 9.2e18;
		n = whole ? (long long)value->d : 0;
	} else if (value->kind == CKPT_PARAM_TEXT) {
		whole = ckpt_param_parse_int(value->text, &n);
	}
	if (!whole || n < LONG_MIN || n > LONG_MAX)
		return bad_value(key, value, "an integer");
	if (rule == INT_NONNEG && n < 0)
		return bad_value(key, value, "zero or greater");
	if (rule == INT_POS && n <= 0)
		return bad_value(key, value, "greater than zero");
	*out = (long)n;
	return 0;
}

static int get_float(const ckpt_params *params, const char *key, bool *out_given, double *out)
{
	const ckpt_param_value *value = given(params, key);
	*out_given = value != NULL;
	*out = 0;
	if (!value)
		return 0;
	if (value->kind == CKPT_PARAM_DOUBLE)
		*out = value->d;
	else if (value->kind == CKPT_PARAM_INT)
		*out = (double)value->i;
	else if (value->kind != CKPT_PARAM_TEXT || !ckpt_param_parse_float(value->text, out))
		return bad_value(key, value, "a number");
	return 0;
}

static int list_index(const char *text, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(text, list[i]) == 0)
			return i;
	return 0;
}

/* ---- the whole set ------------------------------------------------------ */

static int get_directory(const ckpt_params *params, char **out)
{
	const char *dir, *output_dir;
	int rc = get_string(params, "ckpt_directory", NULL, NULL, &dir);
	if (rc == 0)
		rc = get_string(params, "output_dir", NULL, NULL, &output_dir);
	if (rc < 0)
		return rc;
	if (dir && !*dir)
		return ckpt_fail(CKPT_EINVAL,
				 "parameter 'ckpt_directory' is '' but must not be empty");
	if (dir)
		*out = ckpt_strdup(dir);
	else if (output_dir && *output_dir)
		*out = ckpt_path_join(output_dir, "ckpts");
	else
		*out = ckpt_strdup("./ckpts");
	return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "parameter 'ckpt_directory': out of memory");
}

static int get_strings(ckpt_settings *s, const ckpt_params *params)
{
	const char *metric, *metadata;
	int rc = get_string(params, "ckpt_save_best_metric", NULL, "val_loss", &metric);
	if (rc == 0)
		rc = get_string(params, "metadata", NULL, NULL, &metadata);
	if (rc < 0)
		return rc;
	s->save_best_metric = ckpt_strdup(metric);
	s->metadata = ckpt_strdup(metadata);
	if (!s->save_best_metric || (metadata && !s->metadata))
		return ckpt_fail(CKPT_ENOMEM, "parameters: out of memory");
	return 0;
}

static int get_choices(ckpt_settings *s, const ckpt_params *params)
{
	const char *keep, *restart, *algorithm;
	int rc = get_string(params, "ckpt_keep_mode", keep_modes, "linear", &keep);
	if (rc == 0)
		rc = get_string(params, "ckpt_restart_mode", restart_modes, "auto", &restart);
	if (rc == 0)
		rc = get_string(params, "ckpt_checksum_algorithm", checksum_algorithms, "crc32",
				&algorithm);
	if (rc < 0)
		return rc;
	static const ckpt_keep_mode keep_values[] = {CKPT_KEEP_LINEAR, CKPT_KEEP_ALL,
						     CKPT_KEEP_EXPONENTIAL};
	static const ckpt_checksum_algorithm algorithm_values[] = {CKPT_CHECKSUM_CRC32,
								   CKPT_CHECKSUM_SHA256};
	s->keep_mode = keep_values[list_index(keep, keep_modes)];
	s->checksum_algorithm = algorithm_values[list_index(algorithm, checksum_algorithms)];
	switch (list_index(restart, restart_modes)) {
	case 0: s->restart_mode = CKPT_RESTART_OFF; break;
	case 1: s->restart_mode = CKPT_RESTART_AUTO; break;
	default: s->restart_mode = CKPT_RESTART_REQUIRED; break;
	}
	return 0;
}

static int get_numbers(ckpt_settings *s, const ckpt_params *params)
{
	bool have_epochs;
	int rc = get_int(params, "epochs", INT_NONNEG, 0, &have_epochs, &s->epochs);
	if (rc == 0 && !have_epochs)
		rc = ckpt_fail(CKPT_EINVAL, "parameter 'epochs' is required");
	if (rc == 0)
		rc = get_float(params, "ckpt_best_metric_last", &s->has_best_metric_last,
			       &s->best_metric_last);
	if (rc == 0)
		rc = get_int(params, "ckpt_skip_epochs", INT_NONNEG, 0, NULL, &s->skip_epochs);
	if (rc == 0)
		rc = get_int(params, "ckpt_save_interval", INT_NONNEG, 1, NULL, &s->save_interval);
	if (rc == 0)
		rc = get_int(params, "ckpt_keep_limit", INT_POS, 5, NULL, &s->keep_limit);
	return rc;
}

static int get_bools(ckpt_settings *s, const ckpt_params *params)
{
	int rc = get_bool(params, "ckpt_save_best", true, &s->save_best);
	if (rc == 0)
		rc = get_bool(params, "ckpt_save_weights_only", true, &s->save_weights_only);
	if (rc == 0)
		rc = get_bool(params, "ckpt_checksum", false, &s->checksum);
	if (rc == 0)
		rc = get_bool(params, "require_json", true, &s->require_json);
	if (rc == 0)
		rc = get_bool(params, "ckpt_fsync", true, &s->fsync);
	return rc;
}

int ckpt_settings_from_params(ckpt_settings *out, const ckpt_params *params)
{
	memset(out, 0, sizeof *out);
	if (!params)
		return ckpt_fail(CKPT_EINVAL, "no parameters given");
	int rc = get_numbers(out, params);
	if (rc == 0)
		rc = get_directory(params, &out->directory);
	if (rc == 0)
		rc = get_bools(out, params);
	if (rc == 0)
		rc = get_strings(out, params);
	if (rc == 0)
		rc = get_choices(out, params);
	if (rc < 0)
		ckpt_settings_clear(out);
	return rc;
}

void ckpt_settings_clear(ckpt_settings *settings)
{
	if (!settings)
		return;
	free(settings->directory);
	free(settings->save_best_metric);
	free(settings->metadata);
	memset(settings, 0, sizeof *settings);
}

int ckpt_params_check(const ckpt_params *params)
{
	ckpt_settings settings;
	int rc = ckpt_settings_from_params(&settings, params);
	ckpt_settings_clear(&settings);
	return rc;
}

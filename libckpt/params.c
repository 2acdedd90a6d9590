/* params.c: the parameter store of SPEC §1, an ordered key → value map that
 * remembers each value's kind and text form, and its three sources: JSON
 * files, CANDLE config files and --key=value words. Checking is settings.c's. */
#include "internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Real parameter files are a few KiB; the cap only stops a wrong path (a
 * model, say) from being read whole. */
#define PARAMS_MAX_BYTES ((size_t)4 << 20)

typedef struct param {
	char *key;
	char *text; /* owned; value.text points here */
	ckpt_param_value value;
} param;

struct ckpt_params {
	param *items; /* in insertion order */
	size_t n;
	size_t cap;
};

int ckpt_params_new(ckpt_params **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "parameters: out of memory");
}

void ckpt_params_free(ckpt_params *params)
{
	if (!params)
		return;
	for (size_t i = 0; i < params->n; i++) {
		free(params->items[i].key);
		free(params->items[i].text);
	}
	free(params->items);
	free(params);
}

/* An alias is stored under its key, so that the two names share one value. */
static const char *canonical_key(const char *key)
{
	const char *known = ckpt_param_known_key(key, strlen(key), false);
	return known ? known : key;
}

static param *find(const ckpt_params *params, const char *key)
{
	key = canonical_key(key);
	for (size_t i = 0; i < params->n; i++)
		if (strcmp(params->items[i].key, key) == 0)
			return &params->items[i];
	return NULL;
}

const ckpt_param_value *ckpt_params_lookup(const ckpt_params *params, const char *key)
{
	const param *item = params && key ? find(params, key) : NULL;
	return item ? &item->value : NULL;
}

/* The text form ckpt_params_get gives; NULL for null and on ENOMEM. */
static char *text_form(const ckpt_param_value *value)
{
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	switch (value->kind) {
	case CKPT_PARAM_TEXT: ckpt_buf_puts(&buf, value->text); break;
	case CKPT_PARAM_INT: ckpt_buf_printf(&buf, "%lld", value->i); break;
	case CKPT_PARAM_DOUBLE: ckpt_buf_json_number(&buf, value->d); break;
	case CKPT_PARAM_BOOL: ckpt_buf_puts(&buf, value->b ? "true" : "false"); break;
	case CKPT_PARAM_NULL: return NULL;
	}
	return ckpt_buf_steal(&buf);
}

static int check_key(const ckpt_params *params, const char *key)
{
	if (!params)
		return ckpt_fail(CKPT_EINVAL, "no parameters given");
	if (!key || !*key)
		return ckpt_fail(CKPT_EINVAL, "parameter key must not be empty");
	return 0;
}

/* Sets key (replacing its value in place, so the order stays that of the
 * first setting); value->text is copied for text values. */
static int put(ckpt_params *params, const char *key, const ckpt_param_value *value)
{
	int rc = check_key(params, key);
	if (rc < 0)
		return rc;
	key = canonical_key(key);
	char *text = text_form(value);
	if (!text && value->kind != CKPT_PARAM_NULL)
		return ckpt_fail(CKPT_ENOMEM, "parameter '%s': out of memory", key);
	param *item = find(params, key);
	if (!item) {
		if (params->n == params->cap) {
			size_t cap = params->cap ? params->cap * 2 : 16;
			param *items = realloc(params->items, cap * sizeof *items);
			if (!items) {
				free(text);
				return ckpt_fail(CKPT_ENOMEM, "parameter '%s': out of memory", key);
			}
			params->items = items;
			params->cap = cap;
		}
		char *copy = ckpt_strdup(key);
		if (!copy) {
			free(text);
			return ckpt_fail(CKPT_ENOMEM, "parameter '%s': out of memory", key);
		}
		item = &params->items[params->n++];
		item->key = copy;
		item->text = NULL;
	}
	free(item->text);
	item->text = text;
	item->value = *value;
	item->value.text = text;
	return 0;
}

int ckpt_params_set(ckpt_params *params, const char *key, const char *value)
{
	ckpt_param_value v = {.kind = value ? CKPT_PARAM_TEXT : CKPT_PARAM_NULL, .text = value};
	return put(params, key, &v);
}

int ckpt_params_set_int(ckpt_params *params, const char *key, int64_t value)
{
	return put(params, key, &(ckpt_param_value){.kind = CKPT_PARAM_INT, .i = value});
}

int ckpt_params_set_double(ckpt_params *params, const char *key, double value)
{
	return put(params, key, &(ckpt_param_value){.kind = CKPT_PARAM_DOUBLE, .d = value});
}

int ckpt_params_set_bool(ckpt_params *params, const char *key, bool value)
{
	return put(params, key, &(ckpt_param_value){.kind = CKPT_PARAM_BOOL, .b = value});
}

int ckpt_params_set_null(ckpt_params *params, const char *key)
{
	return put(params, key, &(ckpt_param_value){.kind = CKPT_PARAM_NULL});
}

int ckpt_params_unset(ckpt_params *params, const char *key)
{
	int rc = check_key(params, key);
	if (rc < 0)
		return rc;
	param *item = find(params, key);
	if (!item)
		return 0;
	free(item->key);
	free(item->text);
	size_t i = (size_t)(item - params->items);
	memmove(item, item + 1, (params->n - i - 1) * sizeof *item);
	params->n--;
	return 0;
}

int ckpt_params_get(const char **out, const ckpt_params *params, const char *key)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_params_get: no place for the value");
	*out = NULL;
	int rc = check_key(params, key);
	if (rc < 0)
		return rc;
	const param *item = find(params, key);
	if (!item)
		return ckpt_fail(CKPT_ENOENT, "parameter '%s' is not set", key);
	*out = item->text;
	return 0;
}

/* Every loader fills a staging copy first and merges it only when the
 * whole source was good, so a bad file or word changes nothing. */
static int merge(ckpt_params *into, const ckpt_params *from)
{
	for (size_t i = 0; i < from->n; i++) {
		int rc = put(into, from->items[i].key, &from->items[i].value);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- JSON files ------------------------------------------------------- */

static int json_value(ckpt_param_value *out, char **printed, const cJSON *item)
{
	*printed = NULL;
	if (cJSON_IsNumber(item)) {
		double d = item->valuedouble;
		/* cJSON keeps no token: a whole number (30, 30.0) is an int. */
		if (d == trunc(d) && fabs(d) <= 9007199254740992.0)
			*out = (ckpt_param_value){.kind = CKPT_PARAM_INT, .i = (long long)d};
		else
			*out = (ckpt_param_value){.kind = CKPT_PARAM_DOUBLE, .d = d};
	} else if (cJSON_IsBool(item)) {
		*out = (ckpt_param_value){.kind = CKPT_PARAM_BOOL, .b = cJSON_IsTrue(item)};
	} else if (cJSON_IsNull(item)) {
		*out = (ckpt_param_value){.kind = CKPT_PARAM_NULL};
	} else if (cJSON_IsString(item)) {
		*out = (ckpt_param_value){.kind = CKPT_PARAM_TEXT, .text = item->valuestring};
	} else {
		/* Arrays and objects belong to the trainer: kept as their JSON text. */
		*printed = cJSON_PrintUnformatted(item);
		if (!*printed)
			return ckpt_fail(CKPT_ENOMEM, "parameter '%s': out of memory",
					 item->string);
		*out = (ckpt_param_value){.kind = CKPT_PARAM_TEXT, .text = *printed};
	}
	return 0;
}

static int json_fill(ckpt_params *into, const cJSON *root, const char *path)
{
	if (!cJSON_IsObject(root))
		return ckpt_fail(CKPT_EFORMAT, "%s: expected a JSON object of parameters", path);
	for (const cJSON *item = root->child; item; item = item->next) {
		ckpt_param_value value;
		char *printed;
		int rc = json_value(&value, &printed, item);
		if (rc == 0)
			rc = put(into, item->string, &value);
		cJSON_free(printed);
		if (rc < 0)
			return ckpt_fail_prefix(rc, path);
	}
	return 0;
}

int ckpt_params_parse_json_text(ckpt_params *params, const char *text, size_t len, const char *what)
{
	/* ckpt_json_parse also reads Python's bare Infinity/NaN, as json.dump
	 * writes them for a float parameter such as ckpt_best_metric_last. */
	cJSON *root = NULL;
	int rc = ckpt_json_parse(&root, text, len, what);
	if (rc < 0)
		return rc;
	ckpt_params *staged;
	rc = ckpt_params_new(&staged);
	if (rc == 0)
		rc = json_fill(staged, root, what);
	if (rc == 0)
		rc = merge(params, staged);
	ckpt_params_free(staged);
	cJSON_Delete(root);
	return rc;
}

typedef int (*text_parser)(ckpt_params *params, const char *text, size_t len, const char *what);

static int load_file(ckpt_params *params, const char *path, text_parser parse)
{
	if (!params || !path)
		return ckpt_fail(CKPT_EINVAL, "no parameters or no path given");
	char *text;
	size_t len;
	int rc = ckpt_read_file(&text, &len, path, PARAMS_MAX_BYTES, false);
	if (rc < 0)
		return rc;
	rc = parse(params, text, len, path);
	free(text);
	return rc;
}

int ckpt_params_load_json(ckpt_params *params, const char *path)
{
	return load_file(params, path, ckpt_params_parse_json_text);
}

/* ---- CANDLE config files ------------------------------------------------ */

/* Not isspace(): that follows the caller's locale. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static char *trim(char *text)
{
	while (is_blank(*text))
		text++;
	size_t len = strlen(text);
	while (len > 0 && is_blank(text[len - 1]))
		text[--len] = '\0';
	return text;
}

/* Unquotes the Python string literal at text (opening quote included) in
 * place; *out_rest is what follows the closing quote. False when it does
 * not close. Unknown escapes keep their backslash, as in Python. */
static bool unquote(char *text, char **out_rest)
{
	char quote = text[0];
	char *w = text;
	for (char *r = text + 1; *r; r++) {
		if (*r == quote) {
			*w = '\0';
			*out_rest = r + 1;
			return true;
		}
		if (*r == '\\' && r[1]) {
			r++;
			switch (*r) {
			case 'n': *w++ = '\n'; break;
			case 't': *w++ = '\t'; break;
			case '\\':
			case '\'':
			case '"': *w++ = *r; break;
			default:
				*w++ = '\\';
				*w++ = *r;
				break;
			}
			continue;
		}
		*w++ = *r;
	}
	return false;
}

/* Cuts a '#' comment that is outside any quotes (lists hold strings). */
static void cut_comment(char *text)
{
	char quote = 0;
	for (char *p = text; *p; p++) {
		if (quote && *p == '\\' && p[1])
			p++;
		else if (quote && *p == quote)
			quote = 0;
		else if (!quote && (*p == '\'' || *p == '"'))
			quote = *p;
		else if (!quote && *p == '#') {
			*p = '\0';
			return;
		}
	}
}

/* A Python literal; lists, tuples, dicts and bare words stay text. */
static int config_value(ckpt_param_value *out, char *text, const char *path, size_t line)
{
	if (text[0] == '\'' || text[0] == '"') {
		char *rest;
		if (!unquote(text, &rest))
			return ckpt_fail(CKPT_EFORMAT, "%s: line %zu: unterminated string", path,
					 line);
		rest = trim(rest);
		if (*rest && *rest != '#')
			return ckpt_fail(CKPT_EFORMAT,
					 "%s: line %zu: unexpected text after the string", path,
					 line);
		*out = (ckpt_param_value){.kind = CKPT_PARAM_TEXT, .text = text};
		return 0;
	}
	cut_comment(text);
	text = trim(text);
	long long i;
	double d;
	if (strcmp(text, "True") == 0 || strcmp(text, "False") == 0)
		*out = (ckpt_param_value){.kind = CKPT_PARAM_BOOL, .b = text[0] == 'T'};
	else if (strcmp(text, "None") == 0)
		*out = (ckpt_param_value){.kind = CKPT_PARAM_NULL};
	else if (ckpt_param_parse_int(text, &i))
		*out = (ckpt_param_value){.kind = CKPT_PARAM_INT, .i = i};
	else if (ckpt_param_parse_float(text, &d))
		*out = (ckpt_param_value){.kind = CKPT_PARAM_DOUBLE, .d = d};
	else
		*out = (ckpt_param_value){.kind = CKPT_PARAM_TEXT, .text = text};
	return 0;
}

static int config_line(ckpt_params *into, char *line, const char *path, size_t number)
{
	line = trim(line);
	/* configparser's whole-line comments are '#' and ';'. */
	if (!*line || *line == '#' || *line == ';')
		return 0;
	if (*line == '[') {
		/* A section only groups (keys are one flat map); configparser, too,
		 * ignores what follows the ']'. */
		if (strchr(line, ']'))
			return 0;
		return ckpt_fail(CKPT_EFORMAT, "%s: line %zu: expected ']' after the section name",
				 path, number);
	}
	/* configparser takes '=' or ':', whichever comes first. */
	char *eq = line + strcspn(line, "=:");
	if (*eq)
		*eq = '\0';
	else
		eq = NULL;
	char *key = trim(line);
	if (!eq || !*key)
		return ckpt_fail(CKPT_EFORMAT, "%s: line %zu: expected key = value", path, number);
	/* configparser lowercases keys, so the original reads KEY as key. */
	for (char *p = key; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	ckpt_param_value value;
	int rc = config_value(&value, trim(eq + 1), path, number);
	return rc < 0 ? rc : put(into, key, &value);
}

/* An indented line continues the value above it, as in configparser
 * ("dense = [1000,\n    500]"): it is joined to it with a space. */
static bool continues_value(const char *line, const ckpt_buf *logical)
{
	if (logical->len == 0 || (*line != ' ' && *line != '\t'))
		return false;
	line += strspn(line, " \t\r");
	return *line && *line != '#' && *line != ';';
}

static int config_fill(ckpt_params *into, char *text, const char *path)
{
	if (strncmp(text, "\xEF\xBB\xBF", 3) == 0)
		text += 3;
	ckpt_buf logical;
	ckpt_buf_init(&logical);
	size_t number = 1, logical_number = 1;
	int rc = 0;
	for (char *line = text; line && rc == 0; number++) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (continues_value(line, &logical)) {
			ckpt_buf_puts(&logical, " ");
			ckpt_buf_puts(&logical, line + strspn(line, " \t"));
		} else {
			if (logical.len)
				rc = config_line(into, logical.data, path, logical_number);
			logical.len = 0;
			ckpt_buf_puts(&logical, line);
			logical_number = number;
		}
		if (logical.oom)
			rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
		line = next;
	}
	if (rc == 0 && logical.len)
		rc = config_line(into, logical.data, path, logical_number);
	ckpt_buf_free(&logical);
	return rc;
}

int ckpt_params_parse_config_text(ckpt_params *params, const char *text, size_t len,
				  const char *what)
{
	if (memchr(text, '\0', len))
		return ckpt_fail(CKPT_EFORMAT, "%s: contains a NUL byte", what);
	char *copy = malloc(len + 1);
	if (!copy)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", what);
	memcpy(copy, text, len);
	copy[len] = '\0';
	ckpt_params *staged;
	int rc = ckpt_params_new(&staged);
	if (rc == 0)
		rc = config_fill(staged, copy, what);
	if (rc == 0)
		rc = merge(params, staged);
	ckpt_params_free(staged);
	free(copy);
	return rc;
}

int ckpt_params_load_config(ckpt_params *params, const char *path)
{
	return load_file(params, path, ckpt_params_parse_config_text);
}

/* ---- command-line words --------------------------------------------------- */

/* Only known keys are taken: every other word belongs to the trainer. */
static int args_fill(ckpt_params *into, int argc, char *const argv[], int *out_used)
{
	for (int i = 0; i < argc; i++) {
		const char *word = argv[i];
		if (!word || strncmp(word, "--", 2) != 0)
			continue;
		const char *name = word + 2;
		const char *eq = strchr(name, '=');
		const char *key =
		    ckpt_param_known_key(name, eq ? (size_t)(eq - name) : strlen(name), true);
		if (!key)
			continue;
		const char *value = eq ? eq + 1 : NULL;
		if (!value) {
			/* "-1" is a value; "--epochs" is the next option, not a value. */
			if (i + 1 >= argc || !argv[i + 1] || strncmp(argv[i + 1], "--", 2) == 0)
				return ckpt_fail(CKPT_EINVAL, "parameter '%s': %s needs a value",
						 key, word);
			value = argv[++i];
			(*out_used)++;
		}
		(*out_used)++;
		int rc = ckpt_params_set(into, key, value);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int ckpt_params_parse_args(int *out_used, ckpt_params *params, int argc, char *const argv[])
{
	int used = 0;
	if (out_used)
		*out_used = 0;
	if (!params || argc < 0 || (argc > 0 && !argv))
		return ckpt_fail(CKPT_EINVAL, "no parameters or no arguments given");
	ckpt_params *staged;
	int rc = ckpt_params_new(&staged);
	if (rc == 0)
		rc = args_fill(staged, argc, argv, &used);
	if (rc == 0)
		rc = merge(params, staged);
	ckpt_params_free(staged);
	if (rc == 0 && out_used)
		*out_used = used;
	return rc;
}

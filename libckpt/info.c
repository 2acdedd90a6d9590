/* info.c: ckpt-info.json, the per-epoch record shared with CANDLE's Python
 * original: reading it with every field checked by type, and writing it
 * byte for byte as Python's json.dump does (field order, spacing, escapes). */
#include "internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Epoch directories have at most 9 digits (ckpt_epoch_dir_parse). */
#define INFO_EPOCH_MAX 999999999L
#define FIRST_TOKEN "__FIRST__"

static int wrong_type(const char *path, const char *key, const char *expected)
{
	return ckpt_fail(CKPT_EFORMAT, "%s: key '%s': expected %s", path, key, expected);
}

static int read_epoch(ckpt_info *info, const cJSON *root, const char *path)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "epoch");
	if (!item)
		return ckpt_fail(CKPT_EFORMAT, "%s: key 'epoch' is missing", path);
	double value;
	if (!ckpt_json_number(item, &value) || value != floor(value) || value < 1 ||
	    value > INFO_EPOCH_MAX)
		return wrong_type(path, "epoch", "a whole number from 1 to 999999999");
	info->epoch = (long)value;
	return 0;
}

/* A string field (or null when null_ok); absent leaves *out NULL. */
static int read_string(char **out, const cJSON *root, const char *key, bool null_ok,
		       const char *path)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!item || (null_ok && cJSON_IsNull(item)))
		return 0;
	if (!cJSON_IsString(item))
		return wrong_type(path, key, null_ok ? "a string or null" : "a string");
	*out = ckpt_strdup(item->valuestring);
	if (!*out)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	return 0;
}

static int read_number(bool *has, double *out, const cJSON *root, const char *key, const char *path)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!item)
		return 0;
	if (!ckpt_json_number(item, out))
		return wrong_type(path, key, "a number");
	*has = true;
	return 0;
}

static int read_time_elapsed(ckpt_info *info, const cJSON *root, const char *path)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "time_elapsed");
	if (!item)
		return 0;
	if (cJSON_IsString(item) && strcmp(item->valuestring, FIRST_TOKEN) == 0) {
		info->first = true;
		return 0;
	}
	if (!ckpt_json_number(item, &info->time_elapsed))
		return wrong_type(path, "time_elapsed", "a number or \"" FIRST_TOKEN "\"");
	info->has_time_elapsed = true;
	return 0;
}

static int read_direction(ckpt_info *info, const cJSON *root, const char *path)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "direction");
	if (!item)
		return 0;
	if (!cJSON_IsString(item) ||
	    (strcmp(item->valuestring, "-") != 0 && strcmp(item->valuestring, "+") != 0))
		return wrong_type(path, "direction", "\"-\" or \"+\"");
	info->direction = item->valuestring[0];
	return 0;
}

/* "metrics": {"loss": 0.2, ...}, the trainer's extra metrics in its order. */
static int read_metrics(ckpt_info *info, const cJSON *root, const char *path)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "metrics");
	if (!item)
		return 0;
	if (!cJSON_IsObject(item))
		return wrong_type(path, "metrics", "an object of numbers");
	size_t n = 0;
	for (const cJSON *metric = item->child; metric; metric = metric->next) {
		double value;
		if (!ckpt_json_number(metric, &value))
			return wrong_type(path, "metrics", "an object of numbers");
		n++;
	}
	if (n == 0)
		return 0;
	info->extra_names = calloc(n, sizeof *info->extra_names);
	info->extra_values = calloc(n, sizeof *info->extra_values);
	if (!info->extra_names || !info->extra_values)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	for (const cJSON *metric = item->child; metric; metric = metric->next) {
		if (!(info->extra_names[info->n_extra] = ckpt_strdup(metric->string)))
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
		ckpt_json_number(metric, &info->extra_values[info->n_extra++]);
	}
	return 0;
}

/* The writer's retention, as libckpt records it for `ckpt clean`. */
static int read_keep(ckpt_info *info, const cJSON *root, const char *path)
{
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(root, "keep_limit");
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(root, "keep_mode");
	double value;
	if (limit) {
		if (!ckpt_json_number(limit, &value) || value != floor(value) || value < 1 ||
		    value > 1e15)
			return wrong_type(path, "keep_limit", "a whole number greater than zero");
		info->keep_limit = (long)value;
	}
	if (mode) {
		ckpt_keep_mode parsed;
		if (!cJSON_IsString(mode) ||
		    ckpt_keep_mode_from_name(&parsed, mode->valuestring) != 0)
			return wrong_type(path, "keep_mode", "\"linear\", \"all\" or \"exponential\"");
		info->keep_mode = (int)parsed;
	}
	return 0;
}

static int info_from_json(ckpt_info *info, const cJSON *root, const char *path)
{
	if (!cJSON_IsObject(root))
		return ckpt_fail(CKPT_EFORMAT, "%s: expected a JSON object at the top level", path);
	int rc = read_epoch(info, root, path);
	if (!rc)
		rc = read_string(&info->save_best_metric, root, "save_best_metric", true, path);
	if (!rc)
		rc = read_number(&info->has_best_metric_last, &info->best_metric_last, root,
				 "best_metric_last", path);
	if (!rc)
		rc = read_string(&info->model_file, root, "model_file", false, path);
	if (!rc)
		rc = read_string(&info->checksum, root, "checksum", false, path);
	if (!rc)
		rc = read_string(&info->timestamp, root, "timestamp", false, path);
	if (!rc)
		rc = read_time_elapsed(info, root, path);
	if (!rc)
		rc = read_string(&info->metadata, root, "metadata", true, path);
	if (!rc)
		rc = read_number(&info->has_metric_value, &info->metric_value, root, "metric_value",
				 path);
	if (!rc)
		rc = read_direction(info, root, path);
	if (!rc)
		rc = read_metrics(info, root, path);
	if (!rc)
		rc = read_string(&info->session, root, "session", false, path);
	if (!rc)
		rc = read_keep(info, root, path);
	return rc;
}

int ckpt_info_parse_in(ckpt_info *out, const char *text, size_t len, const char *what,
		       char *pool, size_t pool_size)
{
	/* The usual file quickly; the rest, and every fault, the strict way. */
	int rc = text ? ckpt_info_parse_fast(out, text, len, pool, pool_size) : 1;
	if (rc <= 0)
		return rc == CKPT_ENOMEM ? ckpt_fail(CKPT_ENOMEM, "%s: out of memory", what) : rc;
	return ckpt_info_parse_strict(out, text, len, what);
}

int ckpt_info_parse(ckpt_info *out, const char *text, size_t len, const char *what)
{
	return ckpt_info_parse_in(out, text, len, what, NULL, 0);
}

int ckpt_info_parse_strict(ckpt_info *out, const char *text, size_t len, const char *what)
{
	memset(out, 0, sizeof *out);
	out->keep_mode = -1;
	cJSON *root;
	int rc = ckpt_json_parse(&root, text, len, what);
	if (rc)
		return rc;
	rc = info_from_json(out, root, what);
	cJSON_Delete(root);
	if (rc)
		ckpt_info_clear(out);
	return rc;
}

int ckpt_info_read(ckpt_info *out, const char *path)
{
	memset(out, 0, sizeof *out);
	out->keep_mode = -1;
	char *text;
	size_t len;
	int rc = ckpt_read_file(&text, &len, path, CKPT_INFO_MAX_BYTES, true);
	if (rc)
		return rc;
	rc = ckpt_info_parse(out, text, len, path);
	free(text);
	return rc;
}

void ckpt_info_clear(ckpt_info *info)
{
	if (!info)
		return;
	if (!info->borrowed) {
		free(info->save_best_metric);
		free(info->model_file);
		free(info->checksum);
		free(info->timestamp);
		free(info->metadata);
		for (size_t i = 0; i < info->n_extra; i++)
			free(info->extra_names[i]);
		free(info->extra_names);
		free(info->extra_values);
		free(info->session);
	}
	memset(info, 0, sizeof *info);
	info->keep_mode = -1;
}

/* The next code point of well-formed UTF-8, or U+FFFD for a bad byte. */
static unsigned decode_utf8(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
	unsigned cp = n == 1 ? s[0] : s[0] & (0x7F >> n);
	if (s[0] >= 0x80 && (n == 1 || s[0] > 0xF4)) {
		(*p)++;
		return 0xFFFD;
	}
	for (unsigned i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			(*p)++;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		(*p)++;
		return 0xFFFD;
	}
	*p += n;
	return cp;
}

/* Python's json.dumps string (ensure_ascii): short escapes for the usual
 * control characters, \uXXXX (surrogate pairs past U+FFFF) for the rest. */
static void put_python_string(ckpt_buf *buf, const char *text)
{
	ckpt_buf_puts(buf, "\"");
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		unsigned cp = decode_utf8(&p);
		const char *shortcut = NULL;
		switch (cp) {
		case '"': shortcut = "\\\""; break;
		case '\\': shortcut = "\\\\"; break;
		case '\n': shortcut = "\\n"; break;
		case '\r': shortcut = "\\r"; break;
		case '\t': shortcut = "\\t"; break;
		case '\b': shortcut = "\\b"; break;
		case '\f': shortcut = "\\f"; break;
		default: break;
		}
		if (shortcut) {
			ckpt_buf_puts(buf, shortcut);
		} else if (cp >= 0x20 && cp < 0x7F) {
			char c = (char)cp;
			ckpt_buf_append(buf, &c, 1);
		} else if (cp < 0x10000) {
			ckpt_buf_printf(buf, "\\u%04x", cp);
		} else {
			cp -= 0x10000;
			ckpt_buf_printf(buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10),
					0xDC00 + (cp & 0x3FF));
		}
	}
	ckpt_buf_puts(buf, "\"");
}

static void put_key(ckpt_buf *buf, bool *first, const char *key)
{
	ckpt_buf_puts(buf, *first ? "{" : ", ");
	*first = false;
	put_python_string(buf, key);
	ckpt_buf_puts(buf, ": ");
}

static void put_string_field(ckpt_buf *buf, bool *first, const char *key, const char *value)
{
	if (!value)
		return;
	put_key(buf, first, key);
	put_python_string(buf, value);
}

static void put_number_field(ckpt_buf *buf, bool *first, const char *key, bool has, double value)
{
	if (!has)
		return;
	put_key(buf, first, key);
	ckpt_buf_json_number(buf, value);
}

static void put_extra_metrics(ckpt_buf *buf, bool *first, const ckpt_metric *extra, size_t n_extra)
{
	if (!extra || n_extra == 0)
		return;
	put_key(buf, first, "metrics");
	for (size_t i = 0; i < n_extra; i++) {
		ckpt_buf_puts(buf, i == 0 ? "{" : ", ");
		put_python_string(buf, extra[i].name ? extra[i].name : "");
		ckpt_buf_puts(buf, ": ");
		ckpt_buf_json_number(buf, extra[i].value);
	}
	ckpt_buf_puts(buf, "}");
}

/* Absent fields are left out, except metadata, which the original writes as
 * null when there is none. */
void ckpt_info_format(ckpt_buf *buf, const ckpt_info *info, const ckpt_metric *extra,
		      size_t n_extra)
{
	bool first = true;
	put_key(buf, &first, "epoch");
	ckpt_buf_printf(buf, "%ld", info->epoch);
	put_string_field(buf, &first, "save_best_metric", info->save_best_metric);
	put_number_field(buf, &first, "best_metric_last", info->has_best_metric_last,
			 info->best_metric_last);
	put_string_field(buf, &first, "model_file", info->model_file);
	put_string_field(buf, &first, "checksum", info->checksum);
	put_string_field(buf, &first, "timestamp", info->timestamp);
	if (info->first)
		put_string_field(buf, &first, "time_elapsed", FIRST_TOKEN);
	else
		put_number_field(buf, &first, "time_elapsed", info->has_time_elapsed,
				 info->time_elapsed);
	put_key(buf, &first, "metadata");
	if (info->metadata)
		put_python_string(buf, info->metadata);
	else
		ckpt_buf_puts(buf, "null");
	put_number_field(buf, &first, "metric_value", info->has_metric_value, info->metric_value);
	if (info->direction == '-' || info->direction == '+') {
		char direction[2] = {info->direction, '\0'};
		put_string_field(buf, &first, "direction", direction);
	}
	put_extra_metrics(buf, &first, extra, n_extra);
	put_string_field(buf, &first, "session", info->session);
	if (info->keep_limit > 0) {
		put_key(buf, &first, "keep_limit");
		ckpt_buf_printf(buf, "%ld", info->keep_limit);
	}
	if (info->keep_mode >= 0)
		put_string_field(buf, &first, "keep_mode",
				 ckpt_keep_mode_name((ckpt_keep_mode)info->keep_mode));
	ckpt_buf_puts(buf, "}\n");
}

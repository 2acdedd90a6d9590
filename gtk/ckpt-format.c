/* ckpt-format.c: the app's words and numbers (see ckpt-format.h). */
#include "ckpt-format.h"

#include <math.h>
#include <string.h>
#include <time.h>

char *ckpt_text_escape(const char *text)
{
	size_t need = ckpt_escape(NULL, 0, text, 0);
	char *out = g_malloc(need + 1);
	ckpt_escape(out, need + 1, text, 0);
	return out;
}

char *ckpt_format_bytes(int64_t bytes)
{
	if (bytes < 0)
		return g_strdup("—");
	return g_format_size((guint64)bytes);
}

char *ckpt_format_ago(int64_t then, int64_t now)
{
	if (then <= 0)
		return g_strdup("never");
	int64_t d = now - then;
	if (d < 0)
		d = 0;
	if (d < 60)
		return g_strdup("just now");
	if (d < 3600)
		return g_strdup_printf("%lld min ago", (long long)(d / 60));
	if (d < 86400)
		return g_strdup_printf("%lld h ago", (long long)(d / 3600));
	if (d < 86400 * 14) {
		long long days = (long long)(d / 86400);
		return g_strdup_printf("%lld %s ago", days, days == 1 ? "day" : "days");
	}
	time_t t = (time_t)then, n = (time_t)now;
	struct tm tm, tm_now;
	char text[32];
	if (!localtime_r(&t, &tm) || !localtime_r(&n, &tm_now))
		return g_strdup("?");
	/* This year: "Mar 3"; before: "2025-03-03". */
	size_t n_text = tm.tm_year == tm_now.tm_year ? strftime(text, sizeof text, "%b %-d", &tm)
						     : strftime(text, sizeof text, "%Y-%m-%d", &tm);
	if (!n_text)
		return g_strdup("?");
	return g_strdup(text);
}

char *ckpt_format_metric(double value)
{
	if (isnan(value))
		return g_strdup("—");
	char text[CKPT_NUMBER_TEXT_MAX];
	ckpt_format_number(text, value);
	if (strlen(text) > 8 && isfinite(value))
		return g_strdup_printf("%.6g", value);
	return g_strdup(text);
}

static char *upper_words(const char *name)
{
	char *s = g_ascii_strup(name, -1);
	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = ' ';
	return s;
}

char *ckpt_format_check(ckpt_check_state state, ckpt_verify_result result, int64_t when,
			int64_t now)
{
	if (state == CKPT_CHECK_NEVER)
		return g_strdup("not checked");
	if (state == CKPT_CHECK_CHANGED)
		return g_strdup("changed since verified");
	if (ckpt_verify_result_is_problem(result))
		return upper_words(ckpt_verify_result_name(result));
	g_autofree char *ago = ckpt_format_ago(when, now);
	switch (result) {
	case CKPT_VERIFY_OK: return g_strdup_printf("ok, %s", ago);
	case CKPT_VERIFY_NO_CHECKSUM: return g_strdup_printf("no checksum, %s", ago);
	default: return g_strdup(ckpt_verify_result_name(result));
	}
}

const char *ckpt_check_style(ckpt_check_state state, ckpt_verify_result result)
{
	if (state == CKPT_CHECK_NEVER)
		return "dim-label";
	if (state == CKPT_CHECK_CHANGED)
		return "warning";
	if (ckpt_verify_result_is_problem(result))
		return "error";
	return result == CKPT_VERIFY_OK ? "success" : "dim-label";
}

int ckpt_check_rank(ckpt_check_state state, ckpt_verify_result result)
{
	if (state == CKPT_CHECK_CURRENT && ckpt_verify_result_is_problem(result))
		return 0;
	if (state == CKPT_CHECK_CHANGED)
		return 1;
	if (state == CKPT_CHECK_NEVER)
		return 2;
	return result == CKPT_VERIFY_OK ? 4 : 3;
}

char *ckpt_csv_field(const char *text)
{
	if (!text)
		text = "";
	bool formula = strchr("=+-@", text[0]) && text[0];
	if (!formula && !strpbrk(text, ",\"\r\n"))
		return g_strdup(text);
	GString *s = g_string_new("\"");
	if (formula)
		g_string_append_c(s, '\'');
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			g_string_append_c(s, '"');
		g_string_append_c(s, *p);
	}
	g_string_append_c(s, '"');
	return g_string_free(s, FALSE);
}

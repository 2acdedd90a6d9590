/* format.c: pure formatting of values for the front ends (sizes, durations,
 * ages, metric values, checksum states, progress lines). Display widths are
 * in width.c, tables that fit a width in table.c. No I/O and no locale: the
 * program sets only LC_CTYPE, so "%g" always writes '.'. */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fmt_size(char out[FMT_SHORT], uint64_t bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	const size_t n_units = sizeof units / sizeof units[0];
	if (bytes < 1024) {
		snprintf(out, FMT_SHORT, "%llu B", (unsigned long long)bytes);
		return out;
	}
	size_t unit = 0;
	double value = (double)bytes;
	while (value >= 1024.0 && unit + 1 < n_units) {
		value /= 1024.0;
		unit++;
	}
	/* Rounding may reach the next unit ("1024 KiB" is "1.0 MiB"). */
	if (value >= 1023.5 && unit + 1 < n_units) {
		value /= 1024.0;
		unit++;
	}
	snprintf(out, FMT_SHORT, value < 9.95 ? "%.1f %s" : "%.0f %s", value, units[unit]);
	return out;
}

const char *fmt_duration(char out[FMT_SHORT], double seconds)
{
	if (!isfinite(seconds) || seconds < 0) {
		snprintf(out, FMT_SHORT, "-");
		return out;
	}
	if (seconds < 59.5) {
		snprintf(out, FMT_SHORT, seconds < 9.95 ? "%.1f s" : "%.0f s", seconds);
		return out;
	}
	/* Whole seconds from here; larger units carry the remainder. */
	unsigned long long s = (unsigned long long)(seconds + 0.5);
	if (s < 3600)
		snprintf(out, FMT_SHORT, "%llu min %02llu s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, FMT_SHORT, "%llu h %02llu min", s / 3600, s % 3600 / 60);
	else
		snprintf(out, FMT_SHORT, "%llu d %02llu h", s / 86400, s % 86400 / 3600);
	return out;
}

const char *fmt_age(char out[FMT_SHORT], int64_t then, int64_t now)
{
	int64_t s = now - then;
	if (then <= 0)
		snprintf(out, FMT_SHORT, "never");
	else if (s < -60)
		snprintf(out, FMT_SHORT, "in the future");
	else if (s < 5)
		snprintf(out, FMT_SHORT, "just now");
	else if (s < 60)
		snprintf(out, FMT_SHORT, "%lld s ago", (long long)s);
	else if (s < 3600)
		snprintf(out, FMT_SHORT, "%lld min ago", (long long)(s / 60));
	else if (s < 86400)
		snprintf(out, FMT_SHORT, "%lld h ago", (long long)(s / 3600));
	else if (s < 60 * 86400)
		snprintf(out, FMT_SHORT, "%lld d ago", (long long)(s / 86400));
	else if (s < 730 * 86400)
		snprintf(out, FMT_SHORT, "%lld months ago", (long long)(s / (30 * 86400 + 37800)));
	else
		snprintf(out, FMT_SHORT, "%lld years ago", (long long)(s / (365 * 86400 + 21600)));
	return out;
}

/* ---- numbers ------------------------------------------------------------ */

static const char *fmt_non_finite(char out[FMT_SHORT], double value)
{
	if (isnan(value))
		snprintf(out, FMT_SHORT, "nan");
	else if (isinf(value))
		snprintf(out, FMT_SHORT, value > 0 ? "inf" : "-inf");
	else
		return NULL;
	return out;
}

const char *fmt_metric_exact(char out[FMT_SHORT], double value)
{
	if (!fmt_non_finite(out, value))
		snprintf(out, FMT_SHORT, "%.*g", ckpt_number_digits(value), value);
	return out;
}

const char *fmt_metric_digits(char out[FMT_SHORT], double value, int digits)
{
	if (fmt_non_finite(out, value))
		return out;
	int exact = ckpt_number_digits(value);
	digits = digits < 1 ? 1 : digits > 17 ? 17 : digits;
	/* "0.21", not the "0.20999999999999999" that %.17g writes for it. */
	snprintf(out, FMT_SHORT, "%.*g", exact <= digits ? exact : digits, value);
	return out;
}

const char *fmt_metric(char out[FMT_SHORT], double value)
{
	return fmt_metric_digits(out, value, 6);
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int fmt_distinct_digits(const double *values, size_t n)
{
	double *sorted = n ? malloc(n * sizeof *sorted) : NULL;
	size_t m = 0;
	for (size_t i = 0; sorted && i < n; i++)
		if (isfinite(values[i]))
			sorted[m++] = values[i];
	if (sorted)
		qsort(sorted, m, sizeof *sorted, compare_doubles);
	/* Each value's shortest exact precision once (fmt_metric_digits would
	 * find it again at every comparison: a table of a thousand runs). */
	int *exact = sorted ? malloc((m ? m : 1) * sizeof *exact) : NULL;
	for (size_t i = 0; exact && i < m; i++)
		exact[i] = ckpt_number_digits(sorted[i]);
	/* Rounding keeps order, so neighbours are the only values that can
	 * print alike. */
	int digits = 6;
	for (size_t i = 1; exact && i < m; i++) {
		if (sorted[i] == sorted[i - 1])
			continue;
		char a[FMT_SHORT], b[FMT_SHORT];
		while (digits < 17) {
			/* As fmt_metric_digits prints them. */
			snprintf(a, sizeof a, "%.*g",
				 exact[i - 1] <= digits ? exact[i - 1] : digits, sorted[i - 1]);
			snprintf(b, sizeof b, "%.*g", exact[i] <= digits ? exact[i] : digits,
				 sorted[i]);
			if (strcmp(a, b) != 0)
				break;
			digits++;
		}
	}
	free(exact);
	free(sorted);
	return digits;
}

const char *fmt_check(char out[FMT_SHORT], ckpt_checksum_kind kind, ckpt_check_state state,
		      ckpt_verify_result result, int64_t checked_at, int64_t now)
{
	char age[FMT_SHORT];
	if (kind == CKPT_CHECKSUM_KIND_DISABLED)
		snprintf(out, FMT_SHORT, "disabled");
	else if (state == CKPT_CHECK_CHANGED)
		snprintf(out, FMT_SHORT, "changed since verified");
	else if (state == CKPT_CHECK_CURRENT && result == CKPT_VERIFY_OK)
		snprintf(out, FMT_SHORT, "ok %s", fmt_age(age, checked_at, now));
	else if (state == CKPT_CHECK_CURRENT && result == CKPT_VERIFY_NO_CHECKSUM)
		snprintf(out, FMT_SHORT, "no checksum");
	else if (state == CKPT_CHECK_CURRENT) {
		/* A problem: capitals, so that it stands out in a column of "ok". */
		const char *name = ckpt_verify_result_name(result);
		size_t i = 0;
		for (; name[i] && i + 1 < FMT_SHORT; i++)
			out[i] = name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 'a' + 'A')
								  : name[i];
		out[i] = '\0';
	} else if (kind == CKPT_CHECKSUM_KIND_NONE)
		snprintf(out, FMT_SHORT, "no checksum");
	else
		snprintf(out, FMT_SHORT, "not checked");
	return out;
}

/* ---- progress for people --------------------------------------------- */

const char *fmt_progress(char *out, size_t size, const char *stage, uint64_t done, uint64_t total,
			 double bytes_per_second, int width)
{
	if (!out || size == 0)
		return out;
	char percent[16] = "", rate[32] = "";
	if (total > 0) {
		uint64_t capped = done > total ? total : done;
		snprintf(percent, sizeof percent, "  %3d%%",
			 (int)((double)capped * 100.0 / (double)total));
	}
	if (bytes_per_second >= 0 && isfinite(bytes_per_second))
		snprintf(rate, sizeof rate, "  %.1f MB/s", bytes_per_second / 1e6);
	snprintf(out, size, "%s%s%s", stage ? stage : "", percent, rate);
	if (width > 0)
		out[fmt_prefix_for_width(out, (size_t)width)] = '\0';
	return out;
}



const char *fmt_bar(char *out, size_t size, uint64_t done, uint64_t total, size_t width, bool ascii)
{
	if (!out || size == 0)
		return out;
	size_t filled = 0;
	if (total > 0)
		filled =
		    (size_t)((double)(done > total ? total : done) / (double)total * (double)width +
			     0.5);
	/* "█" and "░" are three bytes each in UTF-8. */
	const char *full = ascii ? "#" : "\xe2\x96\x88", *empty = ascii ? "." : "\xe2\x96\x91";
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < width; i++) {
		const char *glyph = i < filled ? full : empty;
		size_t n = strlen(glyph);
		if (len + n + 1 > size)
			break;
		memcpy(out + len, glyph, n + 1);
		len += n;
	}
	return out;
}

const char *fmt_transfer(char *out, size_t size, uint64_t done, uint64_t total, double elapsed)
{
	char a[FMT_SHORT], b[FMT_SHORT], left[FMT_SHORT];
	double rate = elapsed > 0.2 ? (double)done / elapsed : -1.0;
	int n = snprintf(out, size, "%s", fmt_size(a, done));
	if (total > 0 && n >= 0 && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n, " of %s", fmt_size(b, total));
	if (rate > 0 && isfinite(rate) && n >= 0 && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n, ", %.1f MB/s", rate / 1e6);
	if (rate > 0 && total > done && n >= 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, ", %s left",
			 fmt_duration(left, (double)(total - done) / rate));
	return out;
}

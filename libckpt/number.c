/* number.c: a double as the shortest decimal text that reads back as the
 * same double, in Python's repr layout ("0.1", "1e-07", "1e+16"): the form
 * of every number libckpt writes, to ckpt-info.json and to --json output. */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIGITS 17 /* %.17g always reads back exactly */

/* Rounds the 17 digits of d to n (half up), in place; false when the digits
 * cut off are exactly half way, where rounding the rounded text could differ
 * from rounding the value itself. *exponent grows on a carry out (9.99 → 10.0). */
static bool round_digits(char *d, int n, int *exponent)
{
	if (d[n] == '5') {
		bool rest_zero = true;
		for (int i = n + 1; i < MAX_DIGITS; i++)
			rest_zero = rest_zero && d[i] == '0';
		if (rest_zero)
			return false;
	}
	bool up = d[n] >= '5';
	d[n] = '\0';
	for (int i = n - 1; up && i >= 0; i--) {
		up = d[i] == '9';
		d[i] = up ? '0' : (char)(d[i] + 1);
	}
	if (up) {
		memmove(d + 1, d, (size_t)n);
		d[0] = '1';
		d[n] = '\0';
		(*exponent)++;
	}
	return true;
}

/* Whether the digits d (d[0] before the point) times 10^exponent read back as value. */
static bool reads_back(const char *d, int exponent, double value, bool negative)
{
	char text[48];
	snprintf(text, sizeof text, "%s%c.%se%d", negative ? "-" : "", d[0], d + 1, exponent);
	return ckpt_strtod(text, NULL) == value;
}

/* sci ("-d.ddde+XX") split into its digits, without trailing zeros, and exponent. */
static void split_sci(char digits[MAX_DIGITS + 2], int *exponent, const char *sci)
{
	const char *p = sci + (sci[0] == '-');
	int n = 0;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[n++] = *p;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exponent = atoi(p + 1);
}

/* Subnormals carry fewer bits, so 15 digits may be more than they need:
 * the search digit by digit, as rare as they are. */
static void subnormal_digits(char digits[MAX_DIGITS + 2], int *exponent, double value)
{
	char sci[48];
	locale_t previous = ckpt_enter_c_locale();
	for (int precision = 0; precision < MAX_DIGITS; precision++) {
		snprintf(sci, sizeof sci, "%.*e", precision, value);
		if (ckpt_strtod(sci, NULL) == value)
			break;
	}
	ckpt_leave_c_locale(previous);
	split_sci(digits, exponent, sci);
}

/* The shortest digits of a finite value (no trailing zeros) and its decimal
 * exponent. One %.16e print gives the exact 17-digit rounding; shorter ones
 * are its roundings (a 15-digit candidate that reads back is the shortest
 * with its zeros stripped, since 15 digits always suffice when fewer do),
 * each checked by reading it back: at most one print and two reads where the
 * search digit by digit took up to 17 of each. */
static void shortest_digits(char digits[MAX_DIGITS + 2], int *out_exponent, double value)
{
	char sci[48];
	if (fabs(value) < DBL_MIN && value != 0) {
		subnormal_digits(digits, out_exponent, value);
		return;
	}
	locale_t previous = ckpt_enter_c_locale();
	snprintf(sci, sizeof sci, "%.16e", value);
	bool negative = sci[0] == '-';
	char all[MAX_DIGITS + 2];
	const char *p = sci + negative;
	int n = 0;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			all[n++] = *p;
	all[n] = '\0';
	int exponent = atoi(p + 1);
	strcpy(digits, all);
	*out_exponent = exponent;
	for (int want = 15; want <= 16; want++) {
		char d[MAX_DIGITS + 2];
		int e = exponent;
		strcpy(d, all);
		if (!round_digits(d, want, &e)) {
			/* Half way: let printf round the value itself. */
			snprintf(sci, sizeof sci, "%.*e", want - 1, value);
			split_sci(d, &e, sci);
		}
		if (reads_back(d, e, value, negative)) {
			strcpy(digits, d);
			*out_exponent = e;
			break;
		}
	}
	ckpt_leave_c_locale(previous);
	size_t len = strlen(digits);
	while (len > 1 && digits[len - 1] == '0')
		digits[--len] = '\0';
}

int ckpt_number_digits(double value)
{
	if (!isfinite(value))
		return 0;
	char digits[MAX_DIGITS + 2];
	int exponent;
	shortest_digits(digits, &exponent, value);
	return (int)strlen(digits);
}

/* Python's float repr: the shortest digits that read back exactly, in fixed
 * notation for exponents -4..15 and scientific ("1e-05", "1e+16") outside. */
void ckpt_buf_json_number(ckpt_buf *buf, double value)
{
	if (isnan(value)) {
		ckpt_buf_puts(buf, "NaN");
		return;
	}
	if (isinf(value)) {
		ckpt_buf_puts(buf, value > 0 ? "Infinity" : "-Infinity");
		return;
	}
	char digits[MAX_DIGITS + 2];
	int exponent;
	shortest_digits(digits, &exponent, value);
	size_t n_digits = strlen(digits);
	if (signbit(value))
		ckpt_buf_puts(buf, "-");
	if (exponent >= -4 && exponent < 16) {
		if (exponent < 0) {
			ckpt_buf_puts(buf, "0.");
			for (int i = -1; i > exponent; i--)
				ckpt_buf_puts(buf, "0");
			ckpt_buf_puts(buf, digits);
		} else if ((size_t)exponent + 1 >= n_digits) {
			ckpt_buf_puts(buf, digits);
			for (size_t i = n_digits; i < (size_t)exponent + 1; i++)
				ckpt_buf_puts(buf, "0");
			ckpt_buf_puts(buf, ".0");
		} else {
			ckpt_buf_append(buf, digits, (size_t)exponent + 1);
			ckpt_buf_puts(buf, ".");
			ckpt_buf_puts(buf, digits + exponent + 1);
		}
		return;
	}
	ckpt_buf_append(buf, digits, 1);
	if (n_digits > 1) {
		ckpt_buf_puts(buf, ".");
		ckpt_buf_puts(buf, digits + 1);
	}
	ckpt_buf_printf(buf, "e%c%02d", exponent < 0 ? '-' : '+', abs(exponent));
}

/* test-text.c: text for people (text.c): ckpt_escape makes every byte a
 * hostile tree may hold safe for a terminal, and ckpt_format_number gives
 * the shortest text that reads back as the same double. */
#include "ckpt.h"
#include "internal.h" /* ckpt_decimal_value */

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole escaped text, through a buffer of exactly the size it needs. */
static char *escaped(const char *text, unsigned flags)
{
	size_t n = ckpt_escape(NULL, 0, text, flags);
	char *out = g_malloc(n + 1);
	g_assert_cmpuint(ckpt_escape(out, n + 1, text, flags), ==, n);
	g_assert_cmpuint(strlen(out), ==, n);
	return out;
}

static void assert_escape(const char *text, unsigned flags, const char *expected)
{
	char *got = escaped(text, flags);
	g_assert_cmpstr(got, ==, expected);
	g_free(got);
}

/* UTF-8 of a code point (1-4 bytes) into out[5]. */
static void utf8(char out[5], unsigned long cp)
{
	GString *s = g_string_new(NULL);
	g_string_append_unichar(s, (gunichar)cp);
	g_assert_cmpuint(s->len, <, 5);
	memcpy(out, s->str, s->len + 1);
	g_string_free(s, TRUE);
}

static void test_c0_controls(void)
{
	for (int c = 1; c < 0x20; c++) {
		char text[4] = {'a', (char)c, 'b', '\0'};
		char expected[16];
		if (c == '\n')
			snprintf(expected, sizeof expected, "a\\nb");
		else if (c == '\t')
			snprintf(expected, sizeof expected, "a\\tb");
		else if (c == '\r')
			snprintf(expected, sizeof expected, "a\\rb");
		else
			snprintf(expected, sizeof expected, "a\\x%02xb", c);
		assert_escape(text, 0, expected);
		assert_escape(text, CKPT_ESCAPE_ASCII, expected);
	}
	/* A terminal's colour and title sequences arrive as inert text. */
	assert_escape("\x1b[31mred\x1b]0;title\x07", 0, "\\x1b[31mred\\x1b]0;title\\x07");
}

static void test_del(void)
{
	assert_escape("x\x7fy", 0, "x\\x7fy");
	assert_escape("\x7f", CKPT_ESCAPE_ASCII, "\\x7f");
}

static void test_c1_controls(void)
{
	for (unsigned long cp = 0x80; cp <= 0x9f; cp++) {
		char bytes[5], text[16], expected[16];
		utf8(bytes, cp);
		g_assert_cmpuint(strlen(bytes), ==, 2);
		snprintf(text, sizeof text, "<%s>", bytes);
		snprintf(expected, sizeof expected, "<\\u%04lx>", cp);
		assert_escape(text, 0, expected);
	}
	/* U+00A0, just past C1, is an ordinary character. */
	assert_escape("\xc2\xa0", 0, "\xc2\xa0");
}

static void test_bidi_and_separators(void)
{
	static const unsigned long controls[] = {
	    0x202a, 0x202b, 0x202c, 0x202d, 0x202e, /* embeddings and overrides */
	    0x2066, 0x2067, 0x2068, 0x2069,         /* isolates */
	    0x2028, 0x2029,                         /* line and paragraph separators */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(controls); i++) {
		char bytes[5], text[32], expected[32];
		utf8(bytes, controls[i]);
		snprintf(text, sizeof text, "run%sgpj.exe", bytes);
		snprintf(expected, sizeof expected, "run\\u%04lxgpj.exe", controls[i]);
		assert_escape(text, 0, expected);
	}
	/* Neighbours that do not reorder text stay as they are. */
	assert_escape("\xe2\x80\xa9", 0, "\\u2029");
	assert_escape("\xe2\x80\xaf", 0, "\xe2\x80\xaf"); /* U+202F */
	assert_escape("\xe2\x81\xa5", 0, "\xe2\x81\xa5"); /* U+2065 */
}

static void test_invalid_utf8(void)
{
	assert_escape("a\xff"
		      "b",
		      0, "a\\xffb");
	assert_escape("\x80", 0, "\\x80");                            /* lone continuation byte */
	assert_escape("\xc3", 0, "\\xc3");                            /* cut short at the end */
	assert_escape("\xc3(", 0, "\\xc3(");                          /* cut short by ASCII */
	assert_escape("\xc0\xaf", 0, "\\xc0\\xaf");                   /* overlong '/' */
	assert_escape("\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf");          /* overlong, 3 bytes */
	assert_escape("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");          /* a surrogate */
	assert_escape("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
	assert_escape("\xfe\xfe", CKPT_ESCAPE_ASCII, "\\xfe\\xfe");
	/* Every output is valid UTF-8, whatever the input bytes. */
	for (int b = 0x80; b <= 0xff; b++) {
		char text[3] = {(char)b, 'z', '\0'};
		char *got = escaped(text, 0);
		g_assert_true(g_utf8_validate(got, -1, NULL));
		g_free(got);
	}
}

static void test_backslash(void)
{
	assert_escape("a\\b", 0, "a\\\\b");
	/* So an escape in the input cannot pass for one the library made. */
	assert_escape("\\x1b", 0, "\\\\x1b");
	assert_escape("\\", CKPT_ESCAPE_ASCII, "\\\\");
}

static void test_plain_text_kept(void)
{
	char printable[128];
	size_t n = 0;
	for (int c = 0x20; c < 0x7f; c++)
		if (c != '\\')
			printable[n++] = (char)c;
	printable[n] = '\0';
	assert_escape(printable, 0, printable);
	assert_escape(printable, CKPT_ESCAPE_ASCII, printable);
	const char *utf = "h\xc3\xa9llo w\xc3\xb6rld \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80";
	assert_escape(utf, 0, utf);
	assert_escape("", 0, "");
}

static void test_ascii_flag(void)
{
	assert_escape("caf\xc3\xa9", CKPT_ESCAPE_ASCII, "caf\\u00e9");
	assert_escape("\xe6\x97\xa5", CKPT_ESCAPE_ASCII, "\\u65e5");
	assert_escape("\xf0\x9f\x98\x80", CKPT_ESCAPE_ASCII, "\\U0001f600");
	assert_escape("\xe2\x80\xae", CKPT_ESCAPE_ASCII, "\\u202e");
	assert_escape("a\nb\xc3\xa9", CKPT_ESCAPE_ASCII, "a\\nb\\u00e9");
	char *got = escaped("\xc2\xa0\xef\xbf\xbd", CKPT_ESCAPE_ASCII);
	for (const char *p = got; *p; p++)
		g_assert_cmpint((unsigned char)*p, <, 0x80);
	g_assert_cmpstr(got, ==, "\\u00a0\\ufffd");
	g_free(got);
}

/* Like snprintf: the whole length back and a NUL written, nothing past
 * size touched; but only whole characters and escapes are kept, the most
 * that fit in size-1 bytes. */
static void test_truncation(void)
{
	const char *text = "ab\x1b\xe6\x97\xa5\xff\\\xe2\x80\xae.";
	char *full = escaped(text, 0);
	size_t len = strlen(full);
	g_assert_cmpstr(full, ==, "ab\\x1b\xe6\x97\xa5\\xff\\\\\\u202e.");
	/* Where the pieces of `full` end: a, b, \x1b, 日, \xff, \\, \u202e, '.'. */
	static const size_t ends[] = {0, 1, 2, 6, 9, 13, 15, 21, 22};
	for (size_t size = 0; size <= len + 2; size++) {
		char buf[64];
		memset(buf, 'Z', sizeof buf);
		g_assert_cmpuint(ckpt_escape(buf, size, text, 0), ==, len);
		size_t kept = 0;
		for (size_t i = 0; size > 0 && i < G_N_ELEMENTS(ends); i++)
			if (ends[i] <= size - 1)
				kept = ends[i];
		g_assert_cmpmem(buf, kept, full, kept);
		if (size > 0)
			g_assert_cmpint(buf[kept], ==, '\0');
		for (size_t i = size; i < sizeof buf; i++)
			g_assert_cmpint(buf[i], ==, 'Z');
	}
	g_assert_cmpuint(ckpt_escape(NULL, 0, text, 0), ==, len);
	g_free(full);
}

static void test_null_text(void)
{
	char buf[8] = "junk";
	g_assert_cmpuint(ckpt_escape(buf, sizeof buf, NULL, 0), ==, 0);
	g_assert_cmpstr(buf, ==, "");
	char *dup = ckpt_escape_dup(NULL, 0);
	g_assert_nonnull(dup);
	g_assert_cmpstr(dup, ==, "");
	ckpt_free(dup);
}

static void test_escape_dup(void)
{
	const char *texts[] = {"plain",
			       "a\tb\n",
			       "\xff\xfe",
			       "\xe2\x80\xae"
			       "evil",
			       "caf\xc3\xa9",
			       "x\\y"};
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		for (unsigned flags = 0; flags <= CKPT_ESCAPE_ASCII; flags++) {
			char *dup = ckpt_escape_dup(texts[i], flags);
			char *want = escaped(texts[i], flags);
			g_assert_nonnull(dup);
			g_assert_cmpstr(dup, ==, want);
			ckpt_free(dup);
			g_free(want);
		}
	}
	/* Long text: the allocation is not capped anywhere. */
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 5000; i++)
		g_string_append(s, "\x01\xe2\x80\xae");
	char *dup = ckpt_escape_dup(s->str, 0);
	g_assert_cmpuint(strlen(dup), ==, 5000 * (4 + 6));
	g_assert_true(g_str_has_suffix(dup, "\\x01\\u202e"));
	ckpt_free(dup);
	g_string_free(s, TRUE);
}

/* ---- numbers --------------------------------------------------------------- */

static void assert_number(double value, const char *expected)
{
	char out[CKPT_NUMBER_TEXT_MAX];
	memset(out, 'Z', sizeof out);
	const char *got = ckpt_format_number(out, value);
	g_assert_true(got == out);
	g_assert_cmpstr(out, ==, expected);
}

static void test_number_known_values(void)
{
	assert_number(0.1, "0.1");
	assert_number(0.21000000000000002, "0.21000000000000002");
	assert_number(1e-07, "1e-07");
	assert_number(1e16, "1e+16");
	assert_number(-0.0, "-0.0");
	assert_number(0.0, "0.0");
	assert_number(5e-324, "5e-324");
	assert_number(-1.7976931348623157e308, "-1.7976931348623157e+308");
	assert_number(2.0, "2.0");
	assert_number(0.0001, "0.0001");
	assert_number(123456.789, "123456.789");
	assert_number(INFINITY, "inf");
	assert_number(-INFINITY, "-inf");
	assert_number(NAN, "nan");
	assert_number(-NAN, "nan");
}

/* The fewest significant digits that read back as value. */
static int fewest_digits(double value)
{
	char text[64];
	for (int precision = 0; precision < 17; precision++) {
		snprintf(text, sizeof text, "%.*e", precision, value);
		if (strtod(text, NULL) == value)
			return precision + 1;
	}
	return 17;
}

static void test_number_digits_not_finite(void)
{
	g_assert_cmpint(ckpt_number_digits(NAN), ==, 0);
	g_assert_cmpint(ckpt_number_digits(INFINITY), ==, 0);
	g_assert_cmpint(ckpt_number_digits(0.0), ==, 1);
	g_assert_cmpint(ckpt_number_digits(0.1), ==, 1);
	g_assert_cmpint(ckpt_number_digits(0.21000000000000002), ==, 17);
}

/* Significant digits of a decimal text, as a string of its digits only. */
static void digits_of(char *out, size_t size, const char *text)
{
	size_t n = 0;
	for (const char *p = text; *p && *p != 'e' && n + 1 < size; p++)
		if (*p >= '0' && *p <= '9' && (n > 0 || *p != '0'))
			out[n++] = *p;
	while (n > 1 && out[n - 1] == '0')
		n--;
	out[n] = '\0';
}

/* A random finite double of one of the kinds metrics take. */
static double random_value(GRand *rand, int kind)
{
	guint64 bits = ((guint64)g_rand_int(rand) << 32) | g_rand_int(rand);
	double value;
	switch (kind % 4) {
	case 0: memcpy(&value, &bits, sizeof value); return value; /* every exponent */
	case 1: return g_rand_double_range(rand, -10.0, 10.0);
	case 2: return (float)g_rand_double_range(rand, 0.0, 3.0); /* a float32 loss */
	default: return pow(10.0, g_rand_double_range(rand, -8.0, 16.0)); /* any magnitude */
	}
}

/* value reads back exactly from the fewest digits that can, and those digits
 * are its correct rounding to that many (printf's). */
static void assert_shortest(double value)
{
	char out[CKPT_NUMBER_TEXT_MAX];
	ckpt_format_number(out, value);
	g_assert_cmpuint(strlen(out), <, CKPT_NUMBER_TEXT_MAX);
	char *end = NULL;
	double back = strtod(out, &end);
	g_assert_cmpint(*end, ==, '\0');
	if (memcmp(&back, &value, sizeof value) != 0)
		g_error("%.17g formatted as '%s' reads back as %.17g", value, out, back);
	int fewest = fewest_digits(value);
	if (value != 0.0) {
		char reference[64], want[32], got[32];
		snprintf(reference, sizeof reference, "%.*e", fewest - 1, value);
		digits_of(want, sizeof want, reference);
		digits_of(got, sizeof got, out);
		if (strcmp(want, got) != 0)
			g_error("%.17g formatted as '%s', not as %s", value, out, reference);
	}
	/* The precision "%.*g" needs to read back exactly: the same count. */
	int digits = ckpt_number_digits(value);
	g_assert_cmpint(digits, ==, fewest);
	char text[40];
	snprintf(text, sizeof text, "%.*g", digits, value);
	g_assert_true(strtod(text, NULL) == value);
}

static void test_number_round_trips(void)
{
	GRand *rand = g_rand_new_with_seed(20260301);
	for (int checked = 0; checked < 100000;) {
		double value = random_value(rand, checked);
		if (isfinite(value)) {
			assert_shortest(value);
			checked++;
		}
	}
	g_rand_free(rand);
}

/* Powers of two have a neighbour below half as far as the one above: the
 * reading-back test must use the narrower gap there. */
static void test_number_powers_of_two(void)
{
	for (int k = -1074; k <= 1023; k++) {
		double value = ldexp(1.0, k);
		assert_shortest(value);
		assert_shortest(nextafter(value, 0.0));
		assert_shortest(nextafter(value, INFINITY));
		assert_shortest(-value);
	}
}

/* Decimals of 1 to 15 significant digits (the values metrics mostly hold)
 * are read back as themselves: 15 digits always round-trip, so the source's
 * digits are the only short text for the value, at every magnitude. */
static void test_number_short_decimals(void)
{
	GRand *rand = g_rand_new_with_seed(20261202);
	for (int i = 0; i < 200000; i++) {
		int k = g_rand_int_range(rand, 1, 16);
		guint64 mantissa = 1 + (guint64)(g_rand_double(rand) * 9.0);
		for (int d = 1; d < k; d++)
			mantissa = mantissa * 10 + (guint64)g_rand_int_range(rand, 0, 10);
		if (mantissa % 10 == 0)
			mantissa++;
		int exponent = g_rand_int_range(rand, -40, 40);
		char source[64], want[32], got[32];
		snprintf(source, sizeof source, "%s%llue%d", i % 2 ? "-" : "",
			 (unsigned long long)mantissa, exponent);
		double value = strtod(source, NULL);
		char out[CKPT_NUMBER_TEXT_MAX];
		ckpt_format_number(out, value);
		g_assert_true(strtod(out, NULL) == value);
		digits_of(want, sizeof want, source);
		digits_of(got, sizeof got, out);
		if (strcmp(want, got) != 0)
			g_error("%s formatted as '%s'", source, out);
		g_assert_cmpint(ckpt_number_digits(value), ==, k);
	}
	g_rand_free(rand);
}

/* Numbers read as strtod reads them, to the bit, for every kind of text:
 * whole numbers, fractions, leading zeros, 1 to 25 digits, exponents. */
static void assert_reads_as_strtod(const char *text)
{
	double want = strtod(text, NULL), got = ckpt_decimal_value(text, strlen(text));
	if (memcmp(&want, &got, sizeof want) != 0)
		g_error("'%s' read as %.17g, strtod reads %.17g", text, got, want);
}

static void test_number_reading(void)
{
	GRand *rand = g_rand_new_with_seed(20261203);
	char text[96];
	for (int i = 0; i < 300000; i++) {
		size_t n = 0;
		if (g_rand_boolean(rand))
			text[n++] = '-';
		int whole = g_rand_int_range(rand, 0, 4) == 0 ? 0 : g_rand_int_range(rand, 1, 20);
		int fraction = g_rand_int_range(rand, 0, 22);
		if (whole == 0)
			text[n++] = '0';
		for (int d = 0; d < whole; d++)
			text[n++] = (char)('0' + g_rand_int_range(rand, d == 0 ? 1 : 0, 10));
		if (fraction > 0) {
			text[n++] = '.';
			int zeros = g_rand_int_range(rand, 0, 4) == 0 ? g_rand_int_range(rand, 1, 12) : 0;
			for (int d = 0; d < fraction; d++)
				text[n++] = (char)('0' + (d < zeros ? 0 : g_rand_int_range(rand, 0, 10)));
		}
		if (g_rand_int_range(rand, 0, 3) == 0)
			n += (size_t)snprintf(text + n, sizeof text - n, "e%d",
					      g_rand_int_range(rand, -40, 40));
		text[n] = '\0';
		assert_reads_as_strtod(text);
		/* And the texts writers make: repr, %.17g of float32 values. */
		double value = random_value(rand, i);
		if (isfinite(value)) {
			ckpt_format_number(text, value);
			assert_reads_as_strtod(text);
			snprintf(text, sizeof text, "%.17g", value);
			assert_reads_as_strtod(text);
		}
	}
	const char *edges[] = {"0", "-0", "0.0", "1", "9007199254740993", "9007199254740992.5",
			       "18446744073709551615", "1e22", "1e23", "123456789012345678e3",
			       "0.1", "1e-19", "1234567890123456789e-19", "4.9e-324", "1e308",
			       "2.2250738585072014e-308", "0.30000000000000004"};
	for (size_t i = 0; i < G_N_ELEMENTS(edges); i++)
		assert_reads_as_strtod(edges[i]);
	g_rand_free(rand);
}

/* JSON's number grammar, taken greedily as a reader goes: the length of
 * the number at text, or -1 where the grammar breaks off ("1.", "1e+", "-"). */
static int json_number_length(const char *text, int n)
{
	int i = 0;
	if (i < n && text[i] == '-')
		i++;
	if (i >= n || !g_ascii_isdigit(text[i]))
		return -1;
	if (text[i] == '0')
		i++;
	else
		while (i < n && g_ascii_isdigit(text[i]))
			i++;
	if (i < n && text[i] == '.') {
		if (++i >= n || !g_ascii_isdigit(text[i]))
			return -1;
		while (i < n && g_ascii_isdigit(text[i]))
			i++;
	}
	if (i < n && (text[i] == 'e' || text[i] == 'E')) {
		i++;
		if (i < n && (text[i] == '+' || text[i] == '-'))
			i++;
		if (i >= n || !g_ascii_isdigit(text[i]))
			return -1;
		while (i < n && g_ascii_isdigit(text[i]))
			i++;
	}
	return i;
}

/* The one-pass reader ends where the grammar says, reads the value strtod
 * reads, and never looks past the end it is given (each text is alone in
 * a block of its own size, for AddressSanitizer to watch). */
static void test_number_scan(void)
{
	static const char alphabet[] = "0123456789000.-+eE x";
	GRand *rand = g_rand_new_with_seed(20261204);
	for (int i = 0; i < 300000; i++) {
		int n = g_rand_int_range(rand, 0, 40);
		char *text = g_malloc(n ? (gsize)n : 1);
		for (int j = 0; j < n; j++) {
			/* Mostly digits, so that long and valid numbers come up often. */
			bool digit = g_rand_int_range(rand, 0, 4) != 0;
			text[j] = digit ? (char)('0' + g_rand_int_range(rand, 0, 10))
					: alphabet[g_rand_int_range(rand, 0, (int)sizeof alphabet - 1)];
		}
		if (n > 0 && g_rand_boolean(rand))
			text[0] = g_rand_boolean(rand) ? '-' : (char)('1' + g_rand_int_range(rand, 0, 9));
		double got = 0;
		const char *end = ckpt_number_scan(text, text + n, &got);
		int want = json_number_length(text, n);
		char copy[48];
		memcpy(copy, text, (size_t)n);
		copy[n] = '\0';
		if (want < 0) {
			if (end)
				g_error("'%s': read %d bytes where the grammar breaks off", copy,
					(int)(end - text));
		} else {
			if (!end || end - text != want)
				g_error("'%s': read %d bytes, the grammar says %d", copy,
					end ? (int)(end - text) : -1, want);
			copy[want] = '\0';
			double strtod_value = strtod(copy, NULL);
			if (memcmp(&got, &strtod_value, sizeof got) != 0)
				g_error("'%s' read as %.17g, strtod reads %.17g", copy, got,
					strtod_value);
		}
		g_free(text);
	}
	g_rand_free(rand);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/text/escape/c0-controls-become-escapes", test_c0_controls);
	g_test_add_func("/ckpt/text/escape/del-becomes-x7f", test_del);
	g_test_add_func("/ckpt/text/escape/c1-controls-become-u-escapes", test_c1_controls);
	g_test_add_func("/ckpt/text/escape/bidi-controls-and-separators-escaped",
			test_bidi_and_separators);
	g_test_add_func("/ckpt/text/escape/invalid-utf8-bytes-become-x-escapes", test_invalid_utf8);
	g_test_add_func("/ckpt/text/escape/backslash-doubled", test_backslash);
	g_test_add_func("/ckpt/text/escape/plain-text-kept", test_plain_text_kept);
	g_test_add_func("/ckpt/text/escape/ascii-flag-escapes-all-non-ascii", test_ascii_flag);
	g_test_add_func("/ckpt/text/escape/truncates-like-snprintf", test_truncation);
	g_test_add_func("/ckpt/text/escape/null-text-is-empty", test_null_text);
	g_test_add_func("/ckpt/text/escape-dup/same-as-escape", test_escape_dup);
	g_test_add_func("/ckpt/text/number/known-values", test_number_known_values);
	g_test_add_func("/ckpt/text/number/shortest-and-round-trips", test_number_round_trips);
	g_test_add_func("/ckpt/text/number/digits-of-special-values", test_number_digits_not_finite);
	g_test_add_func("/ckpt/text/number/powers-of-two-and-neighbours", test_number_powers_of_two);
	g_test_add_func("/ckpt/text/number/reads-as-strtod-reads", test_number_reading);
	g_test_add_func("/ckpt/text/number/scan-ends-where-the-grammar-does", test_number_scan);
	g_test_add_func("/ckpt/text/number/short-decimals-are-their-own-digits",
			test_number_short_decimals);
	return g_test_run();
}

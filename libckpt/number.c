/* number.c: a double as the shortest decimal text that reads back as the
 * same double, in Python's repr layout ("0.1", "1e-07", "1e+16"): the form
 * of every number libckpt writes, to ckpt-info.json and to --json output. */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
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

/* ---- exact digits in 128-bit integers ---------------------------------- */

/* Most metrics lie well inside [1e-5, 1e14), where a double M * 2^-s and
 * its scaling by 10^k (k <= 22) fit in 128 bits: their digits and the test
 * of whether a decimal reads back need no printf and no strtod. */
typedef unsigned __int128 u128;

#define EXACT_MIN 1e-5
#define EXACT_MAX 1e14

#define TEN_19 10000000000000000000ULL
static const u128 powers_of_ten[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL, TEN_19, (u128)TEN_19 * 10,
	(u128)TEN_19 * 100, (u128)TEN_19 * 1000,
};
#define MAX_POWER 22

static int bit_length(u128 x)
{
	uint64_t high = (uint64_t)(x >> 64), low = (uint64_t)x;
	return high ? 128 - __builtin_clzll(high) : low ? 64 - __builtin_clzll(low) : 0;
}

/* value == m * 2^-s, m < 2^53; lower_gap_halves: value is a power of two,
 * whose neighbour below is half as far as the one above. */
typedef struct binary {
	uint64_t m;
	int s;
	bool lower_gap_halves;
} binary;

/* value * 10^k rounded half to even (k >= 0; the product fits, see above). */
static u128 scaled_rounded(const binary *b, int k, bool round)
{
	u128 x = (u128)b->m * powers_of_ten[k];
	u128 n = x >> b->s, rest = x & (((u128)1 << b->s) - 1), half = (u128)1 << (b->s - 1);
	if (round && (rest > half || (rest == half && (n & 1))))
		n++;
	return n;
}

/* Whether n * 10^-k reads back as the value: whether it lies between the
 * midpoints to the neighbouring doubles, ends included when m is even
 * (reading rounds half to even; in this range no decimal of 17 digits or
 * fewer is a midpoint, but the rule costs nothing). False too when the test
 * would not fit. */
static bool reads_back_exactly(const binary *b, u128 n, int k)
{
	u128 ten = powers_of_ten[k];
	if (bit_length(n) + b->s + 2 > 127 || 55 + bit_length(ten) > 127)
		return false;
	u128 lhs = n << (b->s + 2);
	u128 upper = (u128)(4 * b->m + 2) * ten;
	u128 lower = (u128)(4 * b->m - (b->lower_gap_halves ? 1 : 2)) * ten;
	if (b->m % 2 == 0)
		return lhs >= lower && lhs <= upper;
	return lhs > lower && lhs < upper;
}

/* "00" to "99": the digits of a number two at a time. */
static const char digit_pairs[] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* n (< 10^18) in decimal, ending at end; returns where it starts. Eight
 * digits at a time are split off, and taken in 32-bit pieces. */
static char *put_decimal(char *end, uint64_t n)
{
	char *p = end;
	while (n >= 100000000) {
		uint32_t low = (uint32_t)(n % 100000000);
		n /= 100000000;
		for (int i = 0; i < 4; i++, low /= 100) {
			p -= 2;
			memcpy(p, digit_pairs + 2 * (low % 100), 2);
		}
	}
	uint32_t rest = (uint32_t)n;
	for (; rest >= 100; rest /= 100) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (rest % 100), 2);
	}
	if (rest >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * rest, 2);
	} else {
		*--p = (char)('0' + rest);
	}
	return p;
}

/* What shortest_digits finds (the first of the 15-, 16- and 17-digit
 * roundings that reads back), computed exactly; false outside the range. */
static bool exact_digits(char digits[MAX_DIGITS + 2], int *out_exponent, double value)
{
	double magnitude = fabs(value);
	if (!(magnitude >= EXACT_MIN && magnitude < EXACT_MAX))
		return false;
	uint64_t bits;
	memcpy(&bits, &magnitude, sizeof bits);
	uint64_t fraction = bits & ((1ULL << 52) - 1);
	int biased = (int)(bits >> 52);
	binary b = {fraction | (1ULL << 52), 1075 - biased, fraction == 0};
	/* The decimal exponent from the binary one (floor(log10(2) * e2) is
	 * log10's floor or one less), made exact: 10^16 <= value * 10^(16 - e10)
	 * < 10^17. */
	int e10 = (int)floor((biased - 1023) * 0.30102999566398120);
	for (int tries = 0; tries < 3; tries++) {
		if (16 - e10 > MAX_POWER)
			return false;
		u128 whole = scaled_rounded(&b, 16 - e10, false);
		if (whole >= powers_of_ten[17])
			e10++;
		else if (whole < powers_of_ten[16])
			e10--;
		else
			break;
	}
	for (int want = 15; want <= MAX_DIGITS; want++) {
		int k = want - 1 - e10;
		if (k < 0 || k > MAX_POWER)
			return false;
		u128 rounded = scaled_rounded(&b, k, true);
		if (!reads_back_exactly(&b, rounded, k))
			continue;
		char text[24], *end = text + sizeof text;
		char *p = put_decimal(end, (uint64_t)rounded); /* 1 to 10^17 */
		/* A carry (9.99.. to 10.0) makes one digit more, all after it 0. */
		int len = (int)(end - p);
		*out_exponent = len - 1 - k;
		while (len > 1 && p[len - 1] == '0')
			len--;
		memcpy(digits, p, (size_t)len);
		digits[len] = '\0';
		return true;
	}
	return false;
}

/* ---- reading decimals -------------------------------------------------- */

/* x * 2^exponent (x > 0) rounded half to even to a double; sticky: bits
 * below x were cut off, so a half way x is in fact above it. Normal
 * results only (the callers' ranges never reach subnormals). */
static double rounded_to_double(u128 x, int exponent, bool sticky)
{
	int extra = bit_length(x) - 54; /* keep 53 bits and one to round by */
	if (extra > 0) {
		sticky = sticky || (x & (((u128)1 << extra) - 1)) != 0;
		x >>= extra;
		exponent += extra;
	} else {
		x <<= -extra;
		exponent += extra;
	}
	uint64_t m = (uint64_t)(x >> 1);
	exponent++;
	if ((x & 1) && (sticky || (m & 1)))
		m++;
	if (m == 1ULL << 53) { /* the carry: one bit fewer, one power more */
		m >>= 1;
		exponent++;
	}
	/* m * 2^exponent, m in [2^52, 2^53): its bits put together, not ldexp. */
	uint64_t bits = ((uint64_t)(exponent + 52 + 1023) << 52) | (m & ((1ULL << 52) - 1));
	double value;
	memcpy(&value, &bits, sizeof value);
	return value;
}

static double read_slowly(const char *text, size_t len)
{
	char small[64], *copy = len < sizeof small ? small : malloc(len + 1);
	if (!copy)
		return NAN;
	memcpy(copy, text, len);
	copy[len] = '\0';
	double value = ckpt_strtod(copy, NULL);
	if (copy != small)
		free(copy);
	return value;
}

/* 10^0 to 10^22: every one exact in a double. */
static const double double_powers[MAX_POWER + 1] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The value of eight digit values, one per byte (the first in memory the
 * most significant), in three multiplies. */
static uint64_t eight_digit_value(uint64_t d)
{
	d = d * 10 + (d >> 8);
	const uint64_t pairs = 0x000000FF000000FFULL;
	return ((d & pairs) * (100 + (1000000ULL << 32)) +
		((d >> 16) & pairs) * (1 + (10000ULL << 32))) >> 32;
}

/* How many of the eight bytes of w (little-endian, as read from text) are
 * digits before the first that is not: each byte tested on its own (its
 * high half 3, its low half plus 6 below 16), no carry between bytes. */
static int leading_digits(uint64_t w)
{
	const uint64_t highs = 0xF0F0F0F0F0F0F0F0ULL, lows = 0x0F0F0F0F0F0F0F0FULL;
	uint64_t not_digit = ((w & highs) ^ 0x3030303030303030ULL) |
			     (((w & lows) + 0x0606060606060606ULL) & highs);
	return not_digit ? __builtin_ctzll(not_digit) / 8 : 8;
}

/* The digits at *p into *n while they fit 19 significant ones, up to eight
 * at a time (as many as stand in a row); returns how many were passed
 * (leading zeros too, which are not significant). */
static inline int read_digits(const char **p, const char *end, uint64_t *n, int *digits)
{
	const char *q = *p;
	for (; *n == 0 && q < end && *q == '0'; q++)
		;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Past the zeros every digit is significant: eight more fit below 20. */
	for (uint64_t w; end - q >= 8 && *digits <= 11;) {
		memcpy(&w, q, sizeof w);
		int k = leading_digits(w);
		if (k == 0)
			break;
		/* The k digits moved to the top, the bytes after them shifted out. */
		uint64_t values = (w & 0x0F0F0F0F0F0F0F0FULL) << (8 * (8 - k));
		*n = *n * (uint64_t)powers_of_ten[k] + eight_digit_value(values);
		*digits += k;
		q += k;
		if (k < 8)
			break;
	}
#endif
	for (; q < end && *q >= '0' && *q <= '9' && *digits < 19; q++) {
		*digits += *n != 0 || *q != '0';
		*n = *n * 10 + (uint64_t)(*q - '0');
	}
	int passed = (int)(q - *p);
	*p = q;
	return passed;
}

/* n * 10^exponent (n holding up to 19 significant digits), exactly as
 * strtod reads text, in integers when the power of ten allows (metrics:
 * "0.13127142190933228", "1e-05"), else by strtod of the text itself. */
static double decimal_value_of(uint64_t n, int exponent, bool negative, const char *text,
			       size_t len)
{
	double value;
	if (n == 0) {
		value = 0.0;
	} else if (n < (1ULL << 53) && exponent >= -MAX_POWER && exponent <= MAX_POWER) {
		/* Both exact: one operation rounds correctly (Clinger). */
		double power = double_powers[exponent >= 0 ? exponent : -exponent];
		value = exponent >= 0 ? (double)n * power : (double)n / power;
	} else if (exponent >= 0 && exponent <= MAX_POWER &&
		   bit_length(n) + bit_length(powers_of_ten[exponent]) <= 127) {
		value = rounded_to_double((u128)n * powers_of_ten[exponent], 0, false);
	} else if (exponent < 0 && exponent >= -19) {
		/* n / 10^k with 62 bits or more of quotient, the remainder sticky. */
		int shift = 127 - bit_length(n);
		u128 scaled = (u128)n << shift, ten = powers_of_ten[-exponent];
		u128 quotient = scaled / ten;
		value = rounded_to_double(quotient, -shift, scaled - quotient * ten != 0);
	} else {
		return read_slowly(text, len);
	}
	return negative ? -value : value;
}

double ckpt_decimal_value(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	bool negative = p < end && *p == '-';
	p += negative;
	uint64_t n = 0;
	int digits = 0, exponent = 0;
	read_digits(&p, end, &n, &digits);
	if (p < end && *p == '.') {
		p++;
		exponent -= read_digits(&p, end, &n, &digits);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool minus = ++p < end && *p == '-';
		p += p < end && (*p == '-' || *p == '+');
		int e = 0;
		for (; p < end && *p >= '0' && *p <= '9' && e < 10000; p++)
			e = e * 10 + (*p - '0');
		exponent += minus ? -e : e;
	}
	if (p != end) /* more digits than 19, or a huge exponent */
		return read_slowly(text, len);
	return decimal_value_of(n, exponent, negative, text, len);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_digits(const char *p, const char *end)
{
	while (p < end && is_digit(*p))
		p++;
	return p;
}

/* One pass for both: the grammar checked and the digits gathered as they
 * go by, where checking first and reading after went over them twice. */
const char *ckpt_number_scan(const char *text, const char *end, double *out)
{
	const char *p = text;
	bool negative = p < end && *p == '-';
	p += negative;
	if (p >= end || !is_digit(*p))
		return NULL;
	uint64_t n = 0;
	int digits = 0, exponent = 0;
	bool slowly = false; /* more than 19 significant digits, or a huge exponent */
	if (*p == '0') {
		p++; /* a lone zero: a digit after it is the caller's to refuse */
	} else {
		read_digits(&p, end, &n, &digits);
		slowly = p < end && is_digit(*p);
		p = skip_digits(p, end);
	}
	if (p < end && *p == '.') {
		if (++p >= end || !is_digit(*p))
			return NULL;
		if (!slowly)
			exponent -= read_digits(&p, end, &n, &digits);
		slowly = slowly || (p < end && is_digit(*p));
		p = skip_digits(p, end);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool minus = ++p < end && *p == '-';
		p += p < end && (*p == '-' || *p == '+');
		if (p >= end || !is_digit(*p))
			return NULL;
		int e = 0;
		for (; p < end && is_digit(*p) && e < 10000; p++)
			e = e * 10 + (*p - '0');
		slowly = slowly || (p < end && is_digit(*p));
		p = skip_digits(p, end);
		exponent += minus ? -e : e;
	}
	size_t len = (size_t)(p - text);
	*out = slowly ? read_slowly(text, len) : decimal_value_of(n, exponent, negative, text, len);
	return p;
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
	if (exact_digits(digits, out_exponent, value))
		return;
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

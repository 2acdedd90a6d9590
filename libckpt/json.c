/* json.c: reading JSON as CANDLE's Python writes it. A strict scan of our own
 * (bytes, UTF-8, grammar, depth, Python's bare Infinity/NaN) runs first, so
 * cJSON only ever builds trees from text that is already known to be valid. */
#include "internal.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64
/* cJSON copies at most 63 characters of a number before strtod. */
#define CJSON_NUMBER_MAX 63

/* A number token whose value cJSON cannot compute (the Python tokens, very
 * long numbers): blanked to "0" in the text, its value set after parsing.
 * index counts number tokens in document order, which is also the pre-order
 * of number items in cJSON's tree. */
typedef struct number_fix {
	size_t index;
	double value;
} number_fix;

typedef struct scanner {
	char *text; /* our NUL-terminated copy, rewritten in place */
	size_t len;
	size_t pos;
	const char *what;
	size_t n_numbers;
	number_fix *fixes;
	size_t n_fixes;
	size_t cap_fixes;
} scanner;

enum expect {
	EXPECT_VALUE,
	EXPECT_VALUE_OR_CLOSE, /* just after '[' */
	EXPECT_KEY,
	EXPECT_KEY_OR_CLOSE, /* just after '{' */
	EXPECT_COLON,
	EXPECT_COMMA_OR_CLOSE,
	EXPECT_END,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int check_bytes(const char *text, size_t len, const char *what)
{
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = 0; i < len;) {
		if (s[i] == 0)
			return ckpt_fail(CKPT_EFORMAT, "%s: contains a NUL byte at offset %zu",
					 what, i);
		size_t n = ckpt_utf8_sequence(s + i, len - i);
		if (n == 0)
			return ckpt_fail(CKPT_EFORMAT, "%s: invalid UTF-8 at offset %zu", what, i);
		i += n;
	}
	return 0;
}

/* 1-based line and column (in characters, as Python counts them). */
static void text_position(const char *text, size_t offset, size_t *line, size_t *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			(*column)++;
		}
	}
}

static int scan_fail(const scanner *sc, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int scan_fail(const scanner *sc, size_t offset, const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	size_t line, column;
	text_position(sc->text, offset, &line, &column);
	return ckpt_fail(CKPT_EFORMAT, "%s: line %zu, column %zu: %s", sc->what, line, column,
			 reason);
}

/* What stands at offset, for "unexpected ..." messages. */
static void describe_at(char out[32], const scanner *sc, size_t offset)
{
	const unsigned char *s = (const unsigned char *)sc->text + offset;
	if (offset >= sc->len)
		snprintf(out, 32, "end of input");
	else if (*s < 0x20 || *s == 0x7F)
		snprintf(out, 32, "control character 0x%02x", *s);
	else
		snprintf(out, 32, "'%.*s'", (int)ckpt_utf8_sequence(s, sc->len - offset),
			 (const char *)s);
}

static int scan_unexpected(const scanner *sc, size_t offset)
{
	char what[32];
	describe_at(what, sc, offset);
	return scan_fail(sc, offset, "unexpected %s", what);
}

static int add_fix(scanner *sc, double value)
{
	if (sc->n_fixes == sc->cap_fixes) {
		size_t cap = sc->cap_fixes ? sc->cap_fixes * 2 : 8;
		number_fix *fixes = realloc(sc->fixes, cap * sizeof *fixes);
		if (!fixes)
			return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", sc->what);
		sc->fixes = fixes;
		sc->cap_fixes = cap;
	}
	sc->fixes[sc->n_fixes].index = sc->n_numbers - 1;
	sc->fixes[sc->n_fixes].value = value;
	sc->n_fixes++;
	return 0;
}

/* Keeps offsets unchanged, so cJSON's error positions stay the input's. */
static void blank_token(scanner *sc, size_t start, size_t end)
{
	sc->text[start] = '0';
	memset(sc->text + start + 1, ' ', end - start - 1);
}

/* strtod as JSON means it, whatever locale the program has set. */
static int json_strtod(scanner *sc, size_t start, double *out)
{
	*out = ckpt_strtod(sc->text + start, NULL);
	return 0;
}

/* A word after an optional '-' (at start): true/false/null, or Python's
 * Infinity, -Infinity and NaN. */
static int scan_word(scanner *sc, size_t start)
{
	bool negative = sc->text[start] == '-';
	size_t end = sc->pos;
	while (is_word_char(sc->text[end]))
		end++;
	size_t len = end - sc->pos;
	const char *word = sc->text + sc->pos;
	double value;
	if (!negative &&
	    ((len == 4 && !memcmp(word, "true", 4)) || (len == 5 && !memcmp(word, "false", 5)) ||
	     (len == 4 && !memcmp(word, "null", 4)))) {
		sc->pos = end;
		return 0;
	}
	if (len == 8 && !memcmp(word, "Infinity", 8))
		value = negative ? -INFINITY : INFINITY;
	else if (!negative && len == 3 && !memcmp(word, "NaN", 3))
		value = NAN;
	else
		return scan_fail(sc, start, "unexpected word '%.*s'",
				 (int)(end - start > 40 ? 40 : end - start), sc->text + start);
	sc->n_numbers++;
	int rc = add_fix(sc, value);
	if (rc)
		return rc;
	blank_token(sc, start, end);
	sc->pos = end;
	return 0;
}

static size_t skip_digits(const char *text, size_t i)
{
	while (is_digit(text[i]))
		i++;
	return i;
}

/* JSON's number grammar exactly: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(scanner *sc)
{
	const char *t = sc->text;
	size_t start = sc->pos, i = start;
	if (t[i] == '-')
		i++;
	if ((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z')) {
		sc->pos = i;
		return scan_word(sc, start);
	}
	bool ok = is_digit(t[i]);
	i = t[i] == '0' ? i + 1 : skip_digits(t, i);
	if (ok && t[i] == '.') {
		ok = is_digit(t[i + 1]);
		i = skip_digits(t, i + 1);
	}
	if (ok && (t[i] == 'e' || t[i] == 'E')) {
		i++;
		if (t[i] == '+' || t[i] == '-')
			i++;
		ok = is_digit(t[i]);
		i = skip_digits(t, i);
	}
	if (!ok || is_word_char(t[i]) || t[i] == '.') {
		size_t end = i;
		while (is_word_char(t[end]) || t[end] == '.' || t[end] == '+' || t[end] == '-')
			end++;
		return scan_fail(sc, start, "invalid number '%.*s'",
				 (int)(end - start > 40 ? 40 : end - start), t + start);
	}
	sc->pos = i;
	sc->n_numbers++;
	if (i - start <= CJSON_NUMBER_MAX)
		return 0;
	double value = 0;
	char saved = sc->text[i];
	sc->text[i] = '\0';
	int rc = json_strtod(sc, start, &value);
	sc->text[i] = saved;
	if (!rc)
		rc = add_fix(sc, value);
	if (!rc)
		blank_token(sc, start, i);
	return rc;
}

static int scan_unicode_escape(const scanner *sc, size_t at, unsigned *out)
{
	unsigned value = 0;
	for (size_t k = 0; k < 4; k++) {
		char c = sc->text[at + 2 + k];
		unsigned digit;
		if (is_digit(c))
			digit = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			digit = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			digit = (unsigned)(c - 'A' + 10);
		else
			return scan_fail(sc, at, "invalid \\u escape in string");
		value = value * 16 + digit;
	}
	*out = value;
	return 0;
}

/* A string from its opening quote. Beyond JSON's rules, refuses \u0000 (our
 * strings are C strings) and unpaired surrogates (cJSON cannot decode them). */
static int scan_string(scanner *sc)
{
	size_t start = sc->pos;
	size_t i = start + 1;
	for (;;) {
		if (i >= sc->len)
			return scan_fail(sc, start, "unterminated string");
		unsigned char c = (unsigned char)sc->text[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return scan_fail(sc, i, "control character 0x%02x in string", c);
		if (c != '\\') {
			i++;
			continue;
		}
		char e = sc->text[i + 1];
		if (e == '\0')
			return scan_fail(sc, start, "unterminated string");
		if (strchr("\"\\/bfnrt", e)) {
			i += 2;
			continue;
		}
		if (e != 'u')
			return scan_fail(sc, i, "invalid escape in string");
		unsigned cp;
		int rc = scan_unicode_escape(sc, i, &cp);
		if (rc)
			return rc;
		if (cp == 0)
			return scan_fail(sc, i, "\\u0000 in string");
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return scan_fail(sc, i, "unpaired surrogate \\u%04x in string", cp);
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			unsigned low = 0;
			if (sc->text[i + 6] != '\\' || sc->text[i + 7] != 'u' ||
			    scan_unicode_escape(sc, i + 6, &low) != 0 || low < 0xDC00 ||
			    low > 0xDFFF)
				return scan_fail(sc, i, "unpaired surrogate \\u%04x in string", cp);
			i += 6;
		}
		i += 6;
	}
	sc->pos = i + 1;
	return 0;
}

static enum expect after_value(size_t depth)
{
	return depth == 0 ? EXPECT_END : EXPECT_COMMA_OR_CLOSE;
}

static bool expects_value(enum expect state)
{
	return state == EXPECT_VALUE || state == EXPECT_VALUE_OR_CLOSE;
}

/* One token in the given state: the grammar as a pushdown automaton whose
 * stack holds '{' and '['. */
static int scan_token(scanner *sc, char *stack, size_t *depth, enum expect *state)
{
	size_t at = sc->pos;
	char c = sc->text[at];
	int rc = 0;
	if ((c == '{' || c == '[') && expects_value(*state)) {
		if (*depth == JSON_MAX_DEPTH)
			return scan_fail(sc, at, "nested deeper than %d levels", JSON_MAX_DEPTH);
		stack[(*depth)++] = c;
		sc->pos++;
		*state = c == '{' ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
	} else if ((c == '}' || c == ']') && *depth > 0 &&
		   stack[*depth - 1] == (c == '}' ? '{' : '[') &&
		   (*state == EXPECT_COMMA_OR_CLOSE ||
		    *state == (c == '}' ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE))) {
		(*depth)--;
		sc->pos++;
		*state = after_value(*depth);
	} else if (c == ',' && *state == EXPECT_COMMA_OR_CLOSE) {
		sc->pos++;
		*state = stack[*depth - 1] == '{' ? EXPECT_KEY : EXPECT_VALUE;
	} else if (c == ':' && *state == EXPECT_COLON) {
		sc->pos++;
		*state = EXPECT_VALUE;
	} else if (c == '"' && (*state == EXPECT_KEY || *state == EXPECT_KEY_OR_CLOSE)) {
		rc = scan_string(sc);
		*state = EXPECT_COLON;
	} else if (c == '"' && expects_value(*state)) {
		rc = scan_string(sc);
		*state = after_value(*depth);
	} else if ((c == '-' || is_digit(c)) && expects_value(*state)) {
		rc = scan_number(sc);
		*state = after_value(*depth);
	} else if (is_word_char(c) && !is_digit(c) && expects_value(*state)) {
		rc = scan_word(sc, at);
		*state = after_value(*depth);
	} else if (*state == EXPECT_KEY || *state == EXPECT_KEY_OR_CLOSE) {
		return scan_fail(sc, at, "expected a key in double quotes");
	} else if (*state == EXPECT_COLON) {
		return scan_fail(sc, at, "expected ':' after a key");
	} else {
		return scan_unexpected(sc, at);
	}
	return rc;
}

static int scan_text(scanner *sc)
{
	const unsigned char *s = (const unsigned char *)sc->text;
	if (sc->len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		return ckpt_fail(CKPT_EFORMAT, "%s: starts with a UTF-8 byte order mark", sc->what);
	char stack[JSON_MAX_DEPTH];
	size_t depth = 0;
	enum expect state = EXPECT_VALUE;
	bool any = false;
	for (;;) {
		while (sc->pos < sc->len && is_space(sc->text[sc->pos]))
			sc->pos++;
		if (sc->pos >= sc->len)
			break;
		if (state == EXPECT_END) {
			char what[32];
			describe_at(what, sc, sc->pos);
			return scan_fail(sc, sc->pos, "trailing garbage (%s) after the value",
					 what);
		}
		any = true;
		int rc = scan_token(sc, stack, &depth, &state);
		if (rc)
			return rc;
	}
	if (!any)
		return ckpt_fail(CKPT_EFORMAT, "%s: empty file", sc->what);
	if (state != EXPECT_END)
		return scan_fail(sc, sc->len, "unexpected end of input");
	return 0;
}

/* Pre-order walk setting the values of the blanked number tokens. */
static void apply_fixes(cJSON *item, const scanner *sc, size_t *n_seen, size_t *next_fix)
{
	for (; item; item = item->next) {
		if (cJSON_IsNumber(item)) {
			size_t index = (*n_seen)++;
			if (*next_fix < sc->n_fixes && sc->fixes[*next_fix].index == index) {
				double value = sc->fixes[(*next_fix)++].value;
				item->valuedouble = value;
				item->valueint = isnan(value)       ? 0
						 : value >= INT_MAX ? INT_MAX
						 : value <= INT_MIN ? INT_MIN
								    : (int)value;
			}
		}
		if (item->child)
			apply_fixes(item->child, sc, n_seen, next_fix);
	}
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key as it may appear in a message: short, without control bytes. */
static void printable_key(char out[64], const char *key)
{
	const unsigned char *s = (const unsigned char *)key;
	size_t n = 0;
	for (; s[n] && n < 60; n++)
		out[n] = s[n] < 0x20 ? '?' : (char)s[n];
	while (n > 0 && (s[n] & 0xC0) == 0x80)
		n--; /* do not cut a character in half */
	out[n] = '\0';
}

static int check_object_keys(const cJSON *object, const char *what)
{
	size_t n = 0;
	for (const cJSON *child = object->child; child; child = child->next)
		n++;
	if (n < 2)
		return 0;
	const char **keys = malloc(n * sizeof *keys);
	if (!keys)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", what);
	n = 0;
	for (const cJSON *child = object->child; child; child = child->next)
		keys[n++] = child->string;
	qsort(keys, n, sizeof *keys, compare_keys);
	int rc = 0;
	for (size_t i = 1; i < n && !rc; i++) {
		if (strcmp(keys[i - 1], keys[i]) == 0) {
			char shown[64];
			printable_key(shown, keys[i]);
			rc = ckpt_fail(CKPT_EFORMAT, "%s: duplicate key '%s'", what, shown);
		}
	}
	free(keys);
	return rc;
}

static int check_duplicates(const cJSON *item, const char *what)
{
	for (; item; item = item->next) {
		int rc = cJSON_IsObject(item) ? check_object_keys(item, what) : 0;
		if (!rc && item->child)
			rc = check_duplicates(item->child, what);
		if (rc)
			return rc;
	}
	return 0;
}

/* cJSON 1.7.15 writes a global error position on every parse; serialise. */
static pthread_mutex_t cjson_lock = PTHREAD_MUTEX_INITIALIZER;

static int build_tree(cJSON **out, scanner *sc)
{
	const char *end = NULL;
	pthread_mutex_lock(&cjson_lock);
	cJSON *root = cJSON_ParseWithOpts(sc->text, &end, 1);
	pthread_mutex_unlock(&cjson_lock);
	if (!root) {
		/* Our scan accepted the text, so this is memory or a cJSON quirk. */
		size_t offset = end && end >= sc->text && end <= sc->text + sc->len
				    ? (size_t)(end - sc->text)
				    : 0;
		return scan_fail(sc, offset, "the JSON parser failed here (out of memory?)");
	}
	size_t n_seen = 0, next_fix = 0;
	apply_fixes(root, sc, &n_seen, &next_fix);
	int rc = check_duplicates(root, sc->what);
	if (rc) {
		cJSON_Delete(root);
		return rc;
	}
	*out = root;
	return 0;
}

int ckpt_json_parse(cJSON **out, const char *text, size_t len, const char *what)
{
	*out = NULL;
	if (!what)
		what = "JSON";
	if (!text && len > 0)
		return ckpt_fail(CKPT_EINVAL, "%s: no text", what);
	int rc = check_bytes(text, len, what);
	if (rc)
		return rc;
	scanner sc = {.len = len, .what = what};
	sc.text = malloc(len + 1);
	if (!sc.text)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", what);
	if (len)
		memcpy(sc.text, text, len);
	sc.text[len] = '\0';
	rc = scan_text(&sc);
	if (!rc)
		rc = build_tree(out, &sc);
	free(sc.fixes);
	free(sc.text);
	return rc;
}

bool ckpt_json_number(const cJSON *item, double *out)
{
	if (!item || !cJSON_IsNumber(item))
		return false;
	*out = item->valuedouble;
	return true;
}

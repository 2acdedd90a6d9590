/* info-fast.c: a quick reader for ckpt-info.json as writers leave it: one
 * flat object of plain ASCII strings, numbers, null and Python's bare
 * Infinity/NaN, with "metrics" the only nested object. It decides nothing
 * the full reader (info.c) would not: anything else, and every file with a
 * fault, is handed back to it, so errors and edge cases stay its own. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FAST_MAX_KEYS 48

typedef enum { V_STRING, V_NUMBER, V_NULL, V_BOOL, V_OBJECT } value_kind;

typedef struct span {
	const char *at;
	size_t len;
} span;

typedef struct reader {
	const char *p, *end;
	span *keys; /* FAST_MAX_KEYS listed keys of the object being read, for duplicates */
	size_t n_keys;
	int next_known; /* where find_known looks first: 0 to N_KNOWN - 1 */
	char *pool; /* the caller's room for the strings and arrays, or NULL: malloc */
	size_t pool_left;
	bool oom;
} reader;

static void skip_more_space(reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

/* Inline, one compare for the usual case: a key or value right there. */
static inline void skip_space(reader *r)
{
	if (r->p < r->end && (unsigned char)*r->p <= ' ') {
		/* Python's separators, ": " and ", ": one space, then the next. */
		if (*r->p == ' ' && r->end - r->p >= 2 && (unsigned char)r->p[1] > ' ')
			r->p++;
		else
			skip_more_space(r);
	}
}

/* A string without escapes or bytes outside printable ASCII. */
static bool read_string(reader *r, span *out)
{
	if (r->p >= r->end || *r->p != '"')
		return false;
	const char *start = ++r->p;
	r->p += ckpt_plain_span(start, r->end);
	if (r->p >= r->end || *r->p != '"')
		return false;
	*out = (span){start, (size_t)(r->p - start)};
	r->p++;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The whole word, and no letter, digit, '_' or '.' after it. */
static bool word_rest_is(const reader *r, const char *word, size_t len)
{
	return (size_t)(r->end - r->p) >= len && memcmp(r->p, word, len) == 0 &&
	       ((size_t)(r->end - r->p) == len || !(is_digit(r->p[len]) ||
						     (r->p[len] >= 'a' && r->p[len] <= 'z') ||
						     (r->p[len] >= 'A' && r->p[len] <= 'Z') ||
						     r->p[len] == '_' || r->p[len] == '.'));
}

/* Inline, the first byte tried before any call: most values are not words. */
static inline bool word_is(const reader *r, const char *word, size_t len)
{
	return r->p < r->end && *r->p == word[0] && word_rest_is(r, word, len);
}

/* JSON's number grammar, or Infinity, -Infinity, NaN. */
static bool read_number(reader *r, double *out)
{
	const char *start = r->p;
	bool negative = r->p < r->end && *r->p == '-';
	r->p += negative;
	if (word_is(r, "Infinity", 8)) {
		r->p += 8;
		*out = negative ? -INFINITY : INFINITY;
		return true;
	}
	if (!negative && word_is(r, "NaN", 3)) {
		r->p += 3;
		*out = NAN;
		return true;
	}
	const char *q = ckpt_number_scan(start, r->end, out);
	if (!q || q - start >= 64)
		return false; /* the full reader's to judge */
	if (q < r->end && (is_digit(*q) || *q == '.' || (*q >= 'a' && *q <= 'z') ||
			   (*q >= 'A' && *q <= 'Z') || *q == '_'))
		return false;
	r->p = q;
	return true;
}

/* A key and its colon. */
static bool read_key(reader *r, span *key)
{
	if (!read_string(r, key))
		return false;
	skip_space(r);
	if (r->p >= r->end || *r->p != ':')
		return false;
	r->p++;
	skip_space(r);
	return true;
}

/* Whether key is new among those r listed (the full reader refuses duplicates). */
static bool first_listing(reader *r, const span *key)
{
	if (r->n_keys == FAST_MAX_KEYS)
		return false;
	for (size_t i = 0; i < r->n_keys; i++)
		if (r->keys[i].len == key->len && memcmp(r->keys[i].at, key->at, key->len) == 0)
			return false;
	r->keys[r->n_keys++] = *key;
	return true;
}

static bool span_is(const span *key, const char *name, size_t len)
{
	return key->len == len && (len == 0 || key->at[0] == name[0]) &&
	       memcmp(key->at, name, len) == 0;
}
/* name: a string literal, its length known while compiling. */
#define key_is(key, name) span_is(key, "" name "", sizeof name - 1)

/* size bytes from the pool (aligned for pointers and doubles), else from
 * malloc; NULL with r->oom set when malloc fails, or when the pool is full
 * (the file is then handed back). */
static void *take(reader *r, size_t size)
{
	if (!r->pool) {
		void *out = malloc(size ? size : 1);
		r->oom = r->oom || !out;
		return out;
	}
	size_t pad = (size_t)(-(uintptr_t)r->pool & 7u);
	if (pad + size > r->pool_left)
		return NULL;
	void *out = r->pool + pad;
	r->pool += pad + size;
	r->pool_left -= pad + size;
	return out;
}

static char *dup_span(reader *r, const span *s)
{
	char *out = take(r, s->len + 1);
	if (out) {
		memcpy(out, s->at, s->len);
		out[s->len] = '\0';
	}
	return out;
}

/* After a member: ',' (true, *more) or the closing brace (true, !*more). */
static bool next_member(reader *r, bool *more)
{
	if (r->end - r->p >= 3 && r->p[0] == ',' && r->p[1] == ' ' &&
	    (unsigned char)r->p[2] > ' ') {
		r->p += 2; /* Python's ", " */
		*more = true;
		return true;
	}
	skip_space(r);
	if (r->p < r->end && (*r->p == ',' || *r->p == '}')) {
		*more = *r->p++ == ',';
		skip_space(r);
		return true;
	}
	return false;
}

/* "metrics": {"name": number, ...}, names and values kept in their order. */
static bool read_metrics(reader *r, ckpt_info *info)
{
	if (r->p >= r->end || *r->p != '{')
		return false;
	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return true;
	}
	span listed[FAST_MAX_KEYS]; /* not zeroed: only the n_keys first are read */
	reader inner = {.p = r->p, .end = r->end, .keys = listed};
	span names[FAST_MAX_KEYS];
	double values[FAST_MAX_KEYS];
	size_t n = 0;
	for (bool more = true; more;) {
		if (!read_key(&inner, &names[n]) || !first_listing(&inner, &names[n]) ||
		    !read_number(&inner, &values[n]))
			return false;
		n++;
		if (!next_member(&inner, &more))
			return false;
	}
	r->p = inner.p;
	if (!(info->extra_names = take(r, n * sizeof *info->extra_names)) ||
	    !(info->extra_values = take(r, n * sizeof *info->extra_values)))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!(info->extra_names[i] = dup_span(r, &names[i])))
			return false;
		info->extra_values[i] = values[i];
		info->n_extra = i + 1;
	}
	return true;
}

/* One value: its kind, and the string or number it is. */
static bool read_value(reader *r, value_kind *kind, span *text, double *number)
{
	if (r->p >= r->end)
		return false;
	char c = *r->p;
	if (c == '"') {
		*kind = V_STRING;
		return read_string(r, text);
	}
	if (word_is(r, "null", 4) || word_is(r, "true", 4) || word_is(r, "false", 5)) {
		*kind = c == 'n' ? V_NULL : V_BOOL;
		r->p += c == 'f' ? 5 : 4;
		return true;
	}
	*kind = V_NUMBER;
	return read_number(r, number);
}

static bool whole_in(double v, double lo, double hi)
{
	return v == floor(v) && v >= lo && v <= hi;
}

/* The members the top object may hold, each once, in the order writers
 * put them (looked for in this order). */
typedef enum {
	K_EPOCH, K_SAVE_BEST_METRIC, K_BEST_METRIC_LAST, K_MODEL_FILE, K_CHECKSUM, K_TIMESTAMP,
	K_TIME_ELAPSED, K_METADATA, K_METRIC_VALUE, K_DIRECTION, K_METRICS, K_SESSION,
	K_KEEP_LIMIT, K_KEEP_MODE, N_KNOWN
} known_key;

/* Each name, and the key as writers put it, `"name": `, for one compare. */
#define KNOWN(name) {"" name "", sizeof name - 1, "\"" name "\": ", sizeof name + 3}
static const struct {
	const char *name;
	size_t len;
	const char *as_written;
	size_t written_len; /* 9 to 24, the space included: see same_key_bytes */
} known_keys[N_KNOWN] = {
    [K_EPOCH] = KNOWN("epoch"),
    [K_SAVE_BEST_METRIC] = KNOWN("save_best_metric"),
    [K_BEST_METRIC_LAST] = KNOWN("best_metric_last"),
    [K_MODEL_FILE] = KNOWN("model_file"),
    [K_CHECKSUM] = KNOWN("checksum"),
    [K_TIMESTAMP] = KNOWN("timestamp"),
    [K_TIME_ELAPSED] = KNOWN("time_elapsed"),
    [K_METADATA] = KNOWN("metadata"),
    [K_METRIC_VALUE] = KNOWN("metric_value"),
    [K_DIRECTION] = KNOWN("direction"),
    [K_METRICS] = KNOWN("metrics"),
    [K_SESSION] = KNOWN("session"),
    [K_KEEP_LIMIT] = KNOWN("keep_limit"),
    [K_KEEP_MODE] = KNOWN("keep_mode"),
};

/* Looked for from the one after the last found: in a writer's file, the
 * first tried. */
static int find_known(reader *r, const span *key)
{
	for (int i = 0; i < N_KNOWN; i++) {
		int k = (r->next_known + i) % N_KNOWN;
		if (span_is(key, known_keys[k].name, known_keys[k].len)) {
			r->next_known = k + 1 == N_KNOWN ? 0 : k + 1;
			return k;
		}
	}
	return -1;
}

static inline uint64_t word_at(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* a[0..n) == b[0..n) for 8 <= n <= 24, both that long: in two or three
 * overlapping words, without a call. */
static inline bool same_key_bytes(const char *a, const char *b, size_t n)
{
	uint64_t diff = (word_at(a) ^ word_at(b)) | (word_at(a + n - 8) ^ word_at(b + n - 8));
	if (n > 16)
		diff |= word_at(a + 8) ^ word_at(b + 8);
	return diff == 0;
}

/* The key a writer puts next, exactly as it writes it: its index, r past it
 * and the space after; -1 (r unmoved) for any other, which read_key reads.
 * Python's one space after the colon is matched with the key; other
 * spacing (none, more) is skipped as usual. */
static int take_expected_key(reader *r)
{
	int k = r->next_known;
	size_t len = known_keys[k].written_len, left = (size_t)(r->end - r->p);
	if (len < 9 || len > 24)
		return -1;
	if (left > len && same_key_bytes(r->p, known_keys[k].as_written, len) &&
	    (unsigned char)r->p[len] > ' ') {
		r->p += len;
	} else if (left >= len - 1 && same_key_bytes(r->p, known_keys[k].as_written, len - 1)) {
		r->p += len - 1;
		skip_space(r);
	} else {
		return -1;
	}
	r->next_known = k + 1 == N_KNOWN ? 0 : k + 1;
	return k;
}

static bool take_value(reader *r, int k, ckpt_info *info, unsigned *seen);

/* One member of the top object, checked as info.c checks it; false hands
 * the file back (a wrong type, or a key twice, is the full reader's error
 * to give). */
static bool take_member(reader *r, const span *key, ckpt_info *info, unsigned *seen)
{
	int k = find_known(r, key);
	if (k < 0 && !first_listing(r, key))
		return false;
	return take_value(r, k, info, seen);
}

/* The value of known key k (-1: another key). *seen has a bit for each
 * known key read. */
static bool take_value(reader *r, int k, ckpt_info *info, unsigned *seen)
{
	if (k >= 0 && (*seen & (1u << k)))
		return false;
	if (k >= 0)
		*seen |= 1u << k;
	if (k == K_METRICS)
		return read_metrics(r, info);
	value_kind kind;
	span text = {0};
	double number = 0;
	if (!read_value(r, &kind, &text, &number))
		return false;
	bool string = kind == V_STRING, null = kind == V_NULL, num = kind == V_NUMBER;
	char **target = NULL;
	bool null_ok = false;
	switch (k) {
	case K_EPOCH:
		if (!num || !whole_in(number, 1, 999999999))
			return false;
		info->epoch = (long)number;
		break;
	case K_SAVE_BEST_METRIC: target = &info->save_best_metric, null_ok = true; break;
	case K_BEST_METRIC_LAST:
		if (!num)
			return false;
		info->has_best_metric_last = true, info->best_metric_last = number;
		break;
	case K_MODEL_FILE: target = &info->model_file; break;
	case K_CHECKSUM: target = &info->checksum; break;
	case K_TIMESTAMP: target = &info->timestamp; break;
	case K_TIME_ELAPSED:
		if (string && key_is(&text, "__FIRST__"))
			info->first = true;
		else if (num)
			info->has_time_elapsed = true, info->time_elapsed = number;
		else
			return false;
		break;
	case K_METADATA: target = &info->metadata, null_ok = true; break;
	case K_METRIC_VALUE:
		if (!num)
			return false;
		info->has_metric_value = true, info->metric_value = number;
		break;
	case K_DIRECTION:
		if (!string || text.len != 1 || (text.at[0] != '-' && text.at[0] != '+'))
			return false;
		info->direction = text.at[0];
		break;
	case K_SESSION: target = &info->session; break;
	case K_KEEP_LIMIT:
		if (!num || !whole_in(number, 1, 1e15))
			return false;
		info->keep_limit = (long)number;
		break;
	case K_KEEP_MODE: {
		/* Quietly: a bad name is the full reader's error to give. */
		if (!string)
			return false;
		if (key_is(&text, "linear"))
			info->keep_mode = (int)CKPT_KEEP_LINEAR;
		else if (key_is(&text, "all"))
			info->keep_mode = (int)CKPT_KEEP_ALL;
		else if (key_is(&text, "exponential"))
			info->keep_mode = (int)CKPT_KEEP_EXPONENTIAL;
		else
			return false;
		break;
	}
	default: break; /* another key: read, and left to the full reader's rules (none) */
	}
	if (target) {
		if (null && null_ok)
			return true;
		if (!string)
			return false;
		if (!(*target = dup_span(r, &text)))
			return false;
	}
	return true;
}

int ckpt_info_parse_fast(ckpt_info *out, const char *text, size_t len, char *pool,
			 size_t pool_size)
{
	memset(out, 0, sizeof *out);
	out->keep_mode = -1;
	out->borrowed = pool != NULL;
	span listed[FAST_MAX_KEYS]; /* not zeroed: only the n_keys first are read */
	reader r = {.p = text,
		    .end = text + len,
		    .keys = listed,
		    .pool = pool,
		    .pool_left = pool_size};
	bool more = true, ok = true;
	unsigned seen = 0;
	skip_space(&r);
	if (r.p >= r.end || *r.p++ != '{')
		return 1;
	skip_space(&r);
	if (r.p < r.end && *r.p == '}')
		ok = false; /* {} lacks its epoch: the full reader says so */
	while (ok && more) {
		int k = take_expected_key(&r);
		span key;
		ok = (k >= 0 ? take_value(&r, k, out, &seen)
			     : read_key(&r, &key) && take_member(&r, &key, out, &seen)) &&
		     next_member(&r, &more);
	}
	skip_space(&r);
	ok = ok && r.p == r.end && (seen & (1u << K_EPOCH));
	if (!ok) {
		ckpt_info_clear(out);
		return r.oom ? CKPT_ENOMEM : 1;
	}
	return 0;
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_number(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

bool ckpt_info_equal(const ckpt_info *a, const ckpt_info *b)
{
	if (a->epoch != b->epoch || !same_text(a->save_best_metric, b->save_best_metric) ||
	    a->has_best_metric_last != b->has_best_metric_last ||
	    !same_number(a->best_metric_last, b->best_metric_last) ||
	    !same_text(a->model_file, b->model_file) || !same_text(a->checksum, b->checksum) ||
	    !same_text(a->timestamp, b->timestamp) || a->first != b->first ||
	    a->has_time_elapsed != b->has_time_elapsed ||
	    !same_number(a->time_elapsed, b->time_elapsed) ||
	    !same_text(a->metadata, b->metadata) || a->has_metric_value != b->has_metric_value ||
	    !same_number(a->metric_value, b->metric_value) || a->direction != b->direction ||
	    a->n_extra != b->n_extra || !same_text(a->session, b->session) ||
	    a->keep_limit != b->keep_limit || a->keep_mode != b->keep_mode)
		return false;
	for (size_t i = 0; i < a->n_extra; i++)
		if (!same_text(a->extra_names[i], b->extra_names[i]) ||
		    !same_number(a->extra_values[i], b->extra_values[i]))
			return false;
	return true;
}

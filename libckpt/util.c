/* util.c: strings, paths, numbers, time and whole-file reads shared by the
 * engine's files. Nothing here knows the checkpoint format. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Files we write and read must not depend on the caller's locale (a GTK app
 * in de_DE would otherwise write "0,5"): number formatting and parsing run
 * in the C locale for this thread, then the caller's is restored. */
locale_t ckpt_enter_c_locale(void)
{
	pthread_once(&c_locale_once, make_c_locale);
	return c_locale ? uselocale(c_locale) : (locale_t)0;
}

double ckpt_strtod(const char *text, char **end)
{
	pthread_once(&c_locale_once, make_c_locale);
	return c_locale ? strtod_l(text, end, c_locale) : strtod(text, end);
}

size_t ckpt_utf8_sequence(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

bool ckpt_utf8_valid(const char *text, size_t len, size_t *bad_offset)
{
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = 0; i < len;) {
		size_t n = ckpt_utf8_sequence(s + i, len - i);
		if (n == 0) {
			if (bad_offset)
				*bad_offset = i;
			return false;
		}
		i += n;
	}
	return true;
}

void ckpt_leave_c_locale(locale_t previous)
{
	if (previous)
		uselocale(previous);
}

void ckpt_buf_init(ckpt_buf *buf)
{
	memset(buf, 0, sizeof *buf);
}

void ckpt_buf_free(ckpt_buf *buf)
{
	free(buf->data);
	ckpt_buf_init(buf);
}

bool ckpt_buf_grow(ckpt_buf *buf, size_t extra)
{
	if (buf->oom)
		return false;
	if (buf->len + extra + 1 <= buf->cap)
		return true;
	size_t cap = buf->cap ? buf->cap : 64;
	while (cap < buf->len + extra + 1)
		cap *= 2;
	char *data = realloc(buf->data, cap);
	if (!data) {
		buf->oom = true;
		return false;
	}
	buf->data = data;
	buf->cap = cap;
	return true;
}

void ckpt_buf_printf(ckpt_buf *buf, const char *fmt, ...)
{
	/* Once into the room there is (JSON is mostly short numbers), twice
	 * only when it does not fit. */
	if (!ckpt_buf_grow(buf, 32))
		return;
	locale_t previous = ckpt_enter_c_locale();
	va_list ap;
	va_start(ap, fmt);
	size_t room = buf->cap - buf->len;
	int n = vsnprintf(buf->data + buf->len, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= room && ckpt_buf_grow(buf, (size_t)n)) {
		va_start(ap, fmt);
		vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (n >= 0 && !buf->oom)
		buf->len += (size_t)n;
	if (buf->data)
		buf->data[buf->len] = '\0';
	ckpt_leave_c_locale(previous);
}

void ckpt_buf_uint(ckpt_buf *buf, unsigned long long value)
{
	char digits[24], *p = digits + sizeof digits;
	do
		*--p = (char)('0' + value % 10);
	while ((value /= 10) != 0);
	ckpt_buf_append(buf, p, (size_t)(digits + sizeof digits - p));
}

void ckpt_buf_int(ckpt_buf *buf, long long value)
{
	if (value < 0)
		ckpt_buf_append(buf, "-", 1);
	/* Negated as unsigned: LLONG_MIN has no positive long long. */
	ckpt_buf_uint(buf, value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value);
}

/* Whether byte c can stand in a JSON string as it is. */
static bool json_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

void ckpt_buf_json_string(ckpt_buf *buf, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	ckpt_buf_append(buf, "\"", 1);
	const unsigned char *p = (const unsigned char *)text;
	for (;;) {
		const unsigned char *run = p;
		while (json_plain(*p))
			p++;
		ckpt_buf_append(buf, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '"': ckpt_buf_append(buf, "\\\"", 2); break;
		case '\\': ckpt_buf_append(buf, "\\\\", 2); break;
		case '\n': ckpt_buf_append(buf, "\\n", 2); break;
		case '\r': ckpt_buf_append(buf, "\\r", 2); break;
		case '\t': ckpt_buf_append(buf, "\\t", 2); break;
		default: {
			char escape[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
			ckpt_buf_append(buf, escape, sizeof escape);
		}
		}
		p++;
	}
	ckpt_buf_append(buf, "\"", 1);
}

char *ckpt_buf_steal(ckpt_buf *buf)
{
	char *data = buf->oom ? NULL : buf->data;
	if (buf->oom)
		free(buf->data);
	else if (!data)
		data = calloc(1, 1);
	ckpt_buf_init(buf);
	return data;
}

char *ckpt_strdup(const char *text)
{
	return text ? strdup(text) : NULL;
}

size_t ckpt_pack_size(const char *text)
{
	return text ? strlen(text) + 1 : 0;
}

char *ckpt_pack_string(char **at, const char *text)
{
	if (!text)
		return NULL;
	size_t len = strlen(text) + 1;
	char *copy = memcpy(*at, text, len);
	*at += len;
	return copy;
}

char *ckpt_sprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = NULL;
	if (vasprintf(&out, fmt, ap) < 0)
		out = NULL;
	va_end(ap);
	return out;
}

char *ckpt_path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir);
	bool slash = len > 0 && dir[len - 1] == '/';
	return ckpt_sprintf("%s%s%s", dir, slash ? "" : "/", name);
}

char *ckpt_parent_dir(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 0)
		return ckpt_strdup(".");
	return ckpt_sprintf("%.*s", (int)len, path);
}

char *ckpt_root_label(const char *root)
{
	/* The original quotes paths from its working directory, the run folder:
	 * "ckpts/work", or "save/ckpts/work" in the legacy layout. */
	static const char legacy[] = "/save/ckpts";
	size_t len = strlen(root), legacy_len = sizeof legacy - 1;
	if (len > legacy_len && strcmp(root + len - legacy_len, legacy) == 0)
		return ckpt_strdup(legacy + 1);
	const char *slash = strrchr(root, '/');
	return ckpt_strdup(slash && slash[1] ? slash + 1 : root);
}

void ckpt_epoch_dir_name(char out[32], long epoch)
{
	snprintf(out, 32, "%03ld", epoch);
}

bool ckpt_epoch_dir_parse(const char *name, long *out)
{
	size_t len = strlen(name);
	if (len < 3 || len > 9)
		return false;
	long epoch = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		epoch = epoch * 10 + (name[i] - '0');
	}
	/* Canonical: as ckpt_epoch_dir_name writes it, "%03ld" ("001", "1000"). */
	if (epoch < 1 || (len > 3 && name[0] == '0'))
		return false;
	*out = epoch;
	return true;
}

void ckpt_timestamp_now(char out[32])
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

int ckpt_pread_full(size_t *out_got, int fd, char *buf, size_t want, uint64_t offset,
		    const char *path)
{
	size_t got = 0;
	int rc = 0;
	while (got < want) {
		ssize_t r = pread(fd, buf + got, want - got, (off_t)(offset + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = ckpt_fail(CKPT_EIO, "%s: %s", path, strerror(errno));
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*out_got = got;
	return rc;
}

int ckpt_read_prefix(char **out, size_t *out_len, const char *path, uint64_t n,
		     size_t max_bytes)
{
	*out = NULL;
	*out_len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return ckpt_fail(ckpt_code_from_errno(errno), "%s: %s", path, strerror(errno));
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = ckpt_fail(CKPT_EFORMAT, "%s: not a regular file", path);
	uint64_t want = !rc && (uint64_t)st.st_size < n ? (uint64_t)st.st_size : n;
	if (!rc && want > max_bytes)
		rc = ckpt_fail(CKPT_EFORMAT, "%s: %llu bytes to read, more than the %zu allowed",
			       path, (unsigned long long)want, max_bytes);
	char *data = rc ? NULL : malloc((size_t)want + 1);
	if (!rc && !data)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	size_t got = 0;
	if (!rc)
		rc = ckpt_pread_full(&got, fd, data, (size_t)want, 0, path);
	close(fd);
	if (rc) {
		free(data);
		return rc;
	}
	while (got > 0 && data[got - 1] != '\n')
		got--;
	data[got] = '\0';
	*out = data;
	*out_len = got;
	return 0;
}

int ckpt_read_file(char **out, size_t *out_len, const char *path, size_t max_bytes, bool nofollow)
{
	*out = NULL;
	if (out_len)
		*out_len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0) {
		int err = errno;
		if (err == ELOOP)
			return ckpt_fail(CKPT_EFORMAT, "%s: is a symbolic link, not a file", path);
		return ckpt_fail(ckpt_code_from_errno(err), "%s: %s", path, strerror(err));
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ckpt_fail(CKPT_EFORMAT, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > max_bytes) {
		close(fd);
		return ckpt_fail(CKPT_EFORMAT, "%s: %lld bytes, larger than the %zu allowed", path,
				 (long long)st.st_size, max_bytes);
	}
	size_t cap = (size_t)st.st_size + 1;
	char *data = malloc(cap);
	if (!data) {
		close(fd);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	}
	size_t len = 0;
	for (;;) {
		/* The file may grow while we read: stop at max_bytes. */
		if (len + 1 >= cap) {
			if (cap > max_bytes) {
				free(data);
				close(fd);
				return ckpt_fail(CKPT_EFORMAT,
						 "%s: larger than the %zu bytes allowed", path,
						 max_bytes);
			}
			char *bigger = realloc(data, cap * 2);
			if (!bigger) {
				free(data);
				close(fd);
				return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
			}
			data = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, data + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			free(data);
			close(fd);
			return ckpt_fail(CKPT_EIO, "%s: %s", path, strerror(err));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	data[len] = '\0';
	*out = data;
	if (out_len)
		*out_len = len;
	return 0;
}

bool ckpt_cancelled(const ckpt_progress *progress)
{
	return progress && progress->cancel && __atomic_load_n(progress->cancel, __ATOMIC_RELAXED);
}

void ckpt_meter_init(ckpt_meter *meter, const ckpt_progress *progress, ckpt_stage stage,
		     const char *run)
{
	memset(meter, 0, sizeof *meter);
	meter->progress = progress;
	meter->event.size = sizeof meter->event;
	meter->event.stage = stage;
	meter->event.run = run;
}

bool ckpt_meter_send(ckpt_meter *meter)
{
	const ckpt_progress *p = meter->progress;
	if (!meter->stopped && p && p->fn && p->fn(&meter->event, p->payload) != 0)
		meter->stopped = true;
	return !ckpt_meter_stopped(meter);
}

bool ckpt_meter_stopped(const ckpt_meter *meter)
{
	return meter->stopped || ckpt_cancelled(meter->progress);
}

bool ckpt_parse_long(const char *text, long long *out)
{
	if (!text || !*text)
		return false;
	errno = 0;
	char *end;
	long long value = strtoll(text, &end, 10);
	if (errno || *end || end == text)
		return false;
	*out = value;
	return true;
}

bool ckpt_parse_double(const char *text, double *out)
{
	if (!text || !*text)
		return false;
	char *end;
	double value = ckpt_strtod(text, &end);
	if (*end || end == text)
		return false;
	*out = value;
	return true;
}

static char host_name[256];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void read_host_name(void)
{
	if (gethostname(host_name, sizeof host_name - 1) != 0)
		strcpy(host_name, "unknown");
	host_name[sizeof host_name - 1] = '\0';
}

const char *ckpt_hostname(void)
{
	pthread_once(&host_once, read_host_name);
	return host_name;
}

void ckpt_file_sig_at(ckpt_file_sig *sig, int dfd, const char *name)
{
	struct stat st;
	memset(sig, 0, sizeof *sig);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		sig->err = errno ? errno : EIO;
		return;
	}
	sig->dev = st.st_dev;
	sig->ino = st.st_ino;
	sig->mode = st.st_mode;
	sig->size = st.st_size;
	sig->mtime = st.st_mtim;
	sig->ctime = st.st_ctim;
}

void ckpt_file_sig_fd(ckpt_file_sig *sig, int fd)
{
	struct stat st;
	memset(sig, 0, sizeof *sig);
	if (fstat(fd, &st) != 0) {
		sig->err = errno ? errno : EIO;
		return;
	}
	sig->dev = st.st_dev;
	sig->ino = st.st_ino;
	sig->mode = st.st_mode;
	sig->size = st.st_size;
	sig->mtime = st.st_mtim;
	sig->ctime = st.st_ctim;
}

/* A file changed within this much of the moment it was looked at may
 * change again with the same timestamp (file times tick with the coarse
 * clock, and a file server's clock is not ours): not trusted. */
#define SETTLE_MARGIN_NS 100000000L

static int64_t nanoseconds(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

bool ckpt_file_sig_settled(const ckpt_file_sig *sig, const struct timespec *at)
{
	int64_t limit = nanoseconds(at) - SETTLE_MARGIN_NS;
	return sig->err != 0 || (nanoseconds(&sig->mtime) < limit && nanoseconds(&sig->ctime) < limit);
}

bool ckpt_file_sig_equal(const ckpt_file_sig *a, const ckpt_file_sig *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->mode == b->mode &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

bool ckpt_stamp_seconds(const char *text, int64_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	char tail;
	if (!text || sscanf(text, "%4d-%2d-%2d %2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail) != 6)
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t;
	return true;
}

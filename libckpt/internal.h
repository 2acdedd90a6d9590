/* internal.h: what libckpt's own files share and the public header hides.
 * Tests link the static library and may use these too. */
#ifndef CKPT_INTERNAL_H
#define CKPT_INTERNAL_H

#include "ckpt.h"

#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define CKPT_INTERNAL __attribute__((visibility("hidden")))

/* File names of the shared format (SPEC §3, §7) and our additions. */
#define CKPT_LOG_NAME "ckpt.log"
#define CKPT_EPOCHS_NAME "epochs"
#define CKPT_WORK_NAME "work"
#define CKPT_BEST_NAME "best"
#define CKPT_LAST_NAME "last"
#define CKPT_MODEL_NAME "model.h5"
#define CKPT_INFO_NAME "ckpt-info.json"
#define CKPT_HISTORY_NAME "metrics.jsonl"
#define CKPT_LOCK_NAME "ckpt.lock"
/* Largest ckpt-info.json / metrics.jsonl line we read: real ones are < 4 KiB. */
#define CKPT_INFO_MAX_BYTES (1 << 20)

/* ---- error.c ---------------------------------------------------------- */

/* Sets this thread's message (printf-style) and returns code, so that
 * callers can write `return ckpt_fail(CKPT_EIO, "%s: %s", path, strerror(errno));` */
CKPT_INTERNAL int ckpt_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Maps an errno to a CKPT_E code (ENOENT→ENOENT, ENOMEM→ENOMEM, else EIO). */
CKPT_INTERNAL int ckpt_code_from_errno(int err);
/* Prefixes the current message with "prefix: " (for context added by callers). */
CKPT_INTERNAL int ckpt_fail_prefix(int code, const char *prefix);
/* Empties this thread's message (before a callback that may set one). */
CKPT_INTERNAL void ckpt_error_clear(void);

/* ---- util.c ----------------------------------------------------------- */

/* A growable string; data is always NUL-terminated. Abort-free: on ENOMEM the
 * buffer sets oom and further appends are ignored. */
typedef struct ckpt_buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;
} ckpt_buf;

CKPT_INTERNAL void ckpt_buf_init(ckpt_buf *buf);
CKPT_INTERNAL void ckpt_buf_free(ckpt_buf *buf);
/* Room for extra more bytes and the NUL; false, with oom set, when memory
 * ran out (now or before). */
CKPT_INTERNAL bool ckpt_buf_grow(ckpt_buf *buf, size_t extra);
/* Inline: the JSON writers append a few bytes at a time, tens of millions
 * of times in one `ckpt ls --json`. A buffer out of memory may still take
 * bytes that fit: what it holds is dropped anyway (ckpt_buf_steal). */
static inline void ckpt_buf_append(ckpt_buf *buf, const char *text, size_t len)
{
	if (buf->len + len + 1 > buf->cap && !ckpt_buf_grow(buf, len))
		return;
	memcpy(buf->data + buf->len, text, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}
/* Room for n more bytes (and the NUL) at the end, to be written in place
 * and then committed; NULL out of memory. */
static inline char *ckpt_buf_reserve(ckpt_buf *buf, size_t n)
{
	if (buf->len + n + 1 > buf->cap && !ckpt_buf_grow(buf, n))
		return NULL;
	return buf->data + buf->len;
}
/* The n bytes written at ckpt_buf_reserve's place are the buffer's now. */
static inline void ckpt_buf_commit(ckpt_buf *buf, size_t n)
{
	buf->len += n;
	buf->data[buf->len] = '\0';
}
static inline void ckpt_buf_puts(ckpt_buf *buf, const char *text)
{
	ckpt_buf_append(buf, text, strlen(text));
}
/* The eight bytes of w (read from text with memcpy, little-endian) that a
 * plain ASCII string cannot hold as they are: '"', '\\', a control byte, DEL
 * or a byte >= 0x80, each marked by its top bit (the classic tests for a
 * zero byte and for a byte below n). The lowest byte marked is exact; marks
 * above it may be false (a borrow), so the whole answer is exact as a yes. */
static inline uint64_t ckpt_word_not_plain_bytes(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\'), del = w ^ (ones * 0x7f);
	uint64_t hits = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
			((del - ones) & ~del) | (w - ones * 0x20) | w;
	return hits & highs;
}
static inline bool ckpt_word_not_plain(uint64_t w)
{
	return ckpt_word_not_plain_bytes(w) != 0;
}
/* The same test for one byte. */
static inline bool ckpt_byte_not_plain(unsigned char c)
{
	return c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
}
/* How many bytes from p on (to end at most) are plain: the test above, 16
 * bytes at a time with SSE2 (x86-64's baseline), else 8 at a time. */
static inline size_t ckpt_plain_span(const char *p, const char *end)
{
	const char *start = p;
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
		      space = _mm_set1_epi8(' '), del = _mm_set1_epi8(0x7f);
	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);
		/* Signed, bytes >= 0x80 are below ' ' too. */
		__m128i stops = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
		    _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)));
		int mask = _mm_movemask_epi8(stops);
		if (mask)
			return (size_t)(p - start) + (size_t)__builtin_ctz((unsigned)mask);
	}
#elif __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (uint64_t w; end - p >= 8; p += 8) {
		memcpy(&w, p, sizeof w);
		uint64_t hits = ckpt_word_not_plain_bytes(w);
		if (hits)
			return (size_t)(p - start) + (size_t)__builtin_ctzll(hits) / 8;
	}
#endif
	while (p < end && !ckpt_byte_not_plain((unsigned char)*p))
		p++;
	return (size_t)(p - start);
}
CKPT_INTERNAL void ckpt_buf_printf(ckpt_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends text as a JSON string literal, quotes included (escapes control
 * bytes; bytes >= 0x80 pass through). */
CKPT_INTERNAL void ckpt_buf_json_string(ckpt_buf *buf, const char *text);
/* Appends an integer in decimal. */
CKPT_INTERNAL void ckpt_buf_int(ckpt_buf *buf, long long value);
CKPT_INTERNAL void ckpt_buf_uint(ckpt_buf *buf, unsigned long long value);
/* Appends a double the way Python's json.dumps does: shortest repr that
 * round-trips ("0.206222", "1.0", "1e-07"), and Infinity, -Infinity, NaN. */
CKPT_INTERNAL void ckpt_buf_json_number(ckpt_buf *buf, double value);
/* text[0..len), a number in JSON's grammar (checked by the caller), as the
 * double strtod would read, exactly, mostly without strtod. */
CKPT_INTERNAL double ckpt_decimal_value(const char *text, size_t len);
/* A number in JSON's grammar at text (before end): where it ends, with its
 * value as ckpt_decimal_value gives it in *out; NULL when the text there is
 * not one. What may follow it is the caller's to judge. */
CKPT_INTERNAL const char *ckpt_number_scan(const char *text, const char *end, double *out);
/* Takes ownership of the data (caller frees); buffer is reset. NULL on oom. */
CKPT_INTERNAL char *ckpt_buf_steal(ckpt_buf *buf);

CKPT_INTERNAL char *ckpt_strdup(const char *text);                     /* NULL in, NULL out */
/* Strings packed into one allocation: the room text takes there (0 for
 * NULL), and text copied to *at, which moves past it (NULL in, NULL out). */
CKPT_INTERNAL size_t ckpt_pack_size(const char *text);
CKPT_INTERNAL char *ckpt_pack_string(char **at, const char *text);
CKPT_INTERNAL char *ckpt_path_join(const char *dir, const char *name); /* caller frees */
CKPT_INTERNAL char *ckpt_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The directory path names an entry of: "/a/b" → "/a", "/b" → "/", "b" → ".".
 * Caller frees. */
CKPT_INTERNAL char *ckpt_parent_dir(const char *path);
/* How the log names a root: "ckpts", or "save/ckpts" for the legacy layout.
 * Caller frees. */
CKPT_INTERNAL char *ckpt_root_label(const char *root);
/* "030" for 30, "1000" for 1000 (%03ld). */
CKPT_INTERNAL void ckpt_epoch_dir_name(char out[32], long epoch);
/* True when name is the canonical dir name of an epoch >= 1 (so "007", "1000";
 * not "7", "-1", "1e3", or numbers past 9 digits). */
CKPT_INTERNAL bool ckpt_epoch_dir_parse(const char *name, long *out);
/* Local time "%Y-%m-%d %H:%M:%S". */
CKPT_INTERNAL void ckpt_timestamp_now(char out[32]);
/* Such a text, exactly, as seconds read as if UTC; false for anything else. */
CKPT_INTERNAL bool ckpt_stamp_seconds(const char *text, int64_t *out);
/* Reads a whole regular file (not following a final symlink when nofollow)
 * of at most max_bytes, NUL-terminated. Errors name the path. */
CKPT_INTERNAL int ckpt_read_file(char **out, size_t *out_len, const char *path, size_t max_bytes,
				 bool nofollow);
/* Reads want bytes at offset into buf, retrying short reads and EINTR;
 * *out_got < want at the end of the file. CKPT_EIO naming path on error. */
CKPT_INTERNAL int ckpt_pread_full(size_t *out_got, int fd, char *buf, size_t want,
				  uint64_t offset, const char *path);
/* The first min(n, size) bytes of the regular file path (never through a
 * final symbolic link), cut back to the last whole line, at most max_bytes
 * (CKPT_EFORMAT beyond); NUL-terminated. Errors name the path. */
CKPT_INTERNAL int ckpt_read_prefix(char **out, size_t *out_len, const char *path, uint64_t n,
				   size_t max_bytes);
/* True when the cancel flag of progress (may be NULL) is raised. */
CKPT_INTERNAL bool ckpt_cancelled(const ckpt_progress *progress);
/* A long call's progress: the event it sends (fill in the fields, then
 * send), and whether the caller asked it to stop, by the cancel flag or by
 * a callback's nonzero return (which sticks). */
typedef struct ckpt_meter {
	const ckpt_progress *progress;
	ckpt_progress_event event;
	bool stopped;
} ckpt_meter;
CKPT_INTERNAL void ckpt_meter_init(ckpt_meter *meter, const ckpt_progress *progress,
				   ckpt_stage stage, const char *run);
/* Sends meter->event; false when the call must stop. */
CKPT_INTERNAL bool ckpt_meter_send(ckpt_meter *meter);
CKPT_INTERNAL bool ckpt_meter_stopped(const ckpt_meter *meter);
/* Strict number parsing of a whole string: no leading/trailing junk. */
CKPT_INTERNAL bool ckpt_parse_long(const char *text, long long *out);
CKPT_INTERNAL bool ckpt_parse_double(const char *text, double *out);
CKPT_INTERNAL const char *ckpt_hostname(void); /* static buffer, set once */
/* Switch this thread to the C locale for number formatting/parsing; give
 * the returned value back to ckpt_leave_c_locale. */
CKPT_INTERNAL locale_t ckpt_enter_c_locale(void);
CKPT_INTERNAL void ckpt_leave_c_locale(locale_t previous);
/* strtod in the C locale, whatever locale the program has set. */
CKPT_INTERNAL double ckpt_strtod(const char *text, char **end);
/* Length (1-4) of the well-formed UTF-8 sequence at s (avail bytes), or 0:
 * no overlongs, no surrogates, nothing past U+10FFFF. */
CKPT_INTERNAL size_t ckpt_utf8_sequence(const unsigned char *s, size_t avail);
/* True when text[0..len) is well-formed UTF-8; else *bad_offset (may be
 * NULL) is the first bad byte. */
CKPT_INTERNAL bool ckpt_utf8_valid(const char *text, size_t len, size_t *bad_offset);

/* ---- util.c: what tells that a file may have changed ------------------ */

typedef struct ckpt_file_sig {
	int err; /* errno of the lstat, 0 when present */
	mode_t mode;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
} ckpt_file_sig; /* 64 bytes: a refresh compares thousands */

/* dir-read.c: the entries of a directory open as fd (not taken), "." and
 * ".." left out; NULL at the end, with err set when reading failed. */
typedef struct ckpt_dir_entry {
	const char *name; /* valid until the next call */
	ino_t ino;
	unsigned char type; /* DT_*, DT_UNKNOWN where the file system does not say */
} ckpt_dir_entry;

typedef struct ckpt_dir_reader {
	int fd;
	size_t len, pos;
	int err;
	bool at_end;
	ckpt_dir_entry entry;
	_Alignas(8) char buf[32768];
} ckpt_dir_reader;

CKPT_INTERNAL void ckpt_dir_reader_init(ckpt_dir_reader *r, int fd);
CKPT_INTERNAL const ckpt_dir_entry *ckpt_dir_next(ckpt_dir_reader *r);

/* lstat of dfd/name (dfd may be AT_FDCWD). */
CKPT_INTERNAL void ckpt_file_sig_at(ckpt_file_sig *sig, int dfd, const char *name);
CKPT_INTERNAL void ckpt_file_sig_fd(ckpt_file_sig *sig, int fd);
CKPT_INTERNAL bool ckpt_file_sig_equal(const ckpt_file_sig *a, const ckpt_file_sig *b);
/* Whether what sig shows changed long enough before `at` (the coarse
 * clock when it was taken) that its next change will show in its times;
 * an error (absent, unreadable) counts: a change changes the error. */
CKPT_INTERNAL bool ckpt_file_sig_settled(const ckpt_file_sig *sig, const struct timespec *at);

/* ---- fsops.c: every call that changes the file system ------------------
 * Each is one step for the crash-injection harness (compiled with
 * CKPT_FAILPOINTS) and records what has been made durable. Errors name the
 * path and the cause and map to CKPT_E codes. */

CKPT_INTERNAL int ckpt_fs_mkdir(const char *path, mode_t mode);
/* mkdir -p of the directories in path. */
CKPT_INTERNAL int ckpt_fs_mkdirs(const char *path, mode_t mode);
/* Creates or truncates path, writes data, fsyncs it when sync is true. */
CKPT_INTERNAL int ckpt_fs_write_file(const char *path, const void *data, size_t len, bool sync);
/* Appends text to path (created 0644 if absent); no fsync (logs only). A
 * failed append is taken back. Neither writes through a symbolic link or to
 * a file with another name (a hard link): CKPT_EUNSAFE saying so. */
CKPT_INTERNAL int ckpt_fs_append(const char *path, const char *text, size_t len);
/* A file a writer appends to for its whole life (ckpt.log, metrics.jsonl):
 * fd -1 until the first append opens it. */
typedef struct ckpt_fs_appender {
	int fd;
	dev_t dev;
	ino_t ino;
} ckpt_fs_appender;
#define CKPT_FS_APPENDER_INIT {.fd = -1}
/* ckpt_fs_append through a descriptor kept open, with the same refusals:
 * a link, or another file, found at path since the last append is refused
 * or reopened as ckpt_fs_append would. */
CKPT_INTERNAL int ckpt_fs_append_kept(ckpt_fs_appender *file, const char *path, const char *text,
				      size_t len);
/* fsync of what was appended (path: its name for errors and the harness). */
CKPT_INTERNAL int ckpt_fs_appender_fsync(ckpt_fs_appender *file, const char *path);
CKPT_INTERNAL void ckpt_fs_appender_close(ckpt_fs_appender *file);
/* 0 when ckpt_fs_append(path) would not be refused (absent is fine: it is
 * created); else its error. Changes nothing: checked before an operation
 * changes a run, so that it never changes it unlogged. */
CKPT_INTERNAL int ckpt_fs_check_appendable(const char *path);
CKPT_INTERNAL int ckpt_fs_fsync_path(const char *path); /* a file or directory */
CKPT_INTERNAL int ckpt_fs_rename(const char *from, const char *to);
/* Atomically swaps two existing paths (renameat2 RENAME_EXCHANGE);
 * CKPT_EINVAL with errno EINVAL/ENOSYS when the file system cannot. */
CKPT_INTERNAL int ckpt_fs_exchange(const char *a, const char *b);
CKPT_INTERNAL int ckpt_fs_symlink(const char *target, const char *path);
CKPT_INTERNAL int ckpt_fs_unlink(const char *path);
CKPT_INTERNAL int ckpt_fs_rmdir(const char *path);
/* Removes path and everything below it, never following a symlink (a link
 * is removed, not its target) and never crossing into another file system. */
CKPT_INTERNAL int ckpt_fs_remove_tree(const char *path);
/* Points dir/name at target atomically: a new link under a temporary name in
 * dir, renamed over name, then dir fsynced when sync. */
CKPT_INTERNAL int ckpt_fs_replace_symlink(const char *dir, const char *name, const char *target,
					  bool sync);

/* ---- json-out.c: the --json forms ------------------------------------- */

/* A string as JSON (null for NULL; bytes that are not UTF-8 become U+FFFD). */
CKPT_INTERNAL void ckpt_buf_json_text(ckpt_buf *buf, const char *text);

/* A JSON document written as it goes, compact or (CKPT_JSON_PRETTY, with
 * CKPT_JSON_AT_DEPTH) indented: open a container, then ckpt_out_key before
 * each member of an object or ckpt_out_item before each element of an
 * array, then the value; close it. */
#define CKPT_OUT_NUMBER_MAX 32 /* "-1.2345678901234567e-308" and room */
typedef struct ckpt_out {
	ckpt_buf buf;
	bool pretty;
	bool first; /* the innermost container has nothing in it yet */
	int depth;  /* of the innermost container, the base depth included */
	/* The last two numbers written and their text, copied when one comes
	 * again: an epoch's best so far is mostly the one before's, or its own
	 * metric. */
	uint64_t recent_bits[2];
	char recent_text[2][CKPT_OUT_NUMBER_MAX];
	unsigned char recent_len[2]; /* 0: none yet */
	unsigned char recent_next;
} ckpt_out;

CKPT_INTERNAL void ckpt_out_init(ckpt_out *o, unsigned flags);
CKPT_INTERNAL void ckpt_out_open(ckpt_out *o, char bracket);  /* '{' or '[' */
CKPT_INTERNAL void ckpt_out_close(ckpt_out *o, char bracket); /* '}' or ']' */
/* A key: libckpt's own name, a string literal (its length known while
 * compiling), passed with CKPT_OUT_KEY_PAD bytes after it: a key that
 * short is copied in one fixed-size store. */
#define CKPT_OUT_KEY_PAD 24
#define ckpt_out_key(o, key) \
	ckpt_out_key_n((o), "" key "                        ", sizeof key - 1)
CKPT_INTERNAL void ckpt_out_key_n(ckpt_out *o, const char *padded_key, size_t len);
CKPT_INTERNAL void ckpt_out_name(ckpt_out *o, const char *name); /* a name from the data */
CKPT_INTERNAL void ckpt_out_item(ckpt_out *o);
CKPT_INTERNAL void ckpt_out_string(ckpt_out *o, const char *text); /* ckpt_buf_json_text */
/* A number, null when !has, "inf"/"-inf"/"nan" as strings. */
CKPT_INTERNAL void ckpt_out_number(ckpt_out *o, bool has, double value);
CKPT_INTERNAL void ckpt_out_int(ckpt_out *o, long long value);
CKPT_INTERNAL void ckpt_out_uint(ckpt_out *o, unsigned long long value);
CKPT_INTERNAL void ckpt_out_bool(ckpt_out *o, bool value);
CKPT_INTERNAL void ckpt_out_null(ckpt_out *o);
/* The text written (taken; o is reset). */
CKPT_INTERNAL int ckpt_out_finish(char **out, ckpt_out *o, const char *what);

/* ---- json.c: JSON as CANDLE's Python writes it --------------------------- */

struct cJSON;
/* Parses text[0..len) (need not be NUL-terminated) into a cJSON tree, after
 * rejecting NUL bytes, invalid UTF-8, nesting deeper than 64, duplicate
 * keys and trailing garbage, and accepting Python's bare Infinity,
 * -Infinity and NaN (read back with ckpt_json_number). `what` names the file
 * in errors. Caller frees with cJSON_Delete. */
CKPT_INTERNAL int ckpt_json_parse(struct cJSON **out, const char *text, size_t len,
				  const char *what);
/* A number item (or one of the Python tokens) as a double; false otherwise. */
CKPT_INTERNAL bool ckpt_json_number(const struct cJSON *item, double *out);

/* ---- info.c: ckpt-info.json ------------------------------------------- */

typedef struct ckpt_info {
	long epoch;
	char *save_best_metric; /* NULL when absent or null */
	bool has_best_metric_last;
	double best_metric_last;
	char *model_file;
	char *checksum; /* NULL when absent */
	char *timestamp;
	bool first; /* time_elapsed was "__FIRST__" */
	bool has_time_elapsed;
	double time_elapsed;
	char *metadata; /* NULL for null */
	/* libckpt's additions */
	bool has_metric_value;
	double metric_value;
	char direction; /* 0 when absent */
	size_t n_extra; /* "metrics": read only; the writer passes its own */
	char **extra_names;
	double *extra_values;
	char *session;   /* the writer session that saved it */
	long keep_limit; /* the writer's ckpt_keep_limit, 0 when absent */
	int keep_mode;   /* its ckpt_keep_mode, -1 when absent */
	bool borrowed;   /* its strings and arrays lie in the caller's pool */
} ckpt_info;

/* Reads and checks path: CKPT_ENOENT when absent, CKPT_EFORMAT with a
 * message naming path and key for bad content, CKPT_EIO otherwise. */
CKPT_INTERNAL int ckpt_info_read(ckpt_info *out, const char *path);
/* The same checks on text in memory; `what` names the source in errors. */
CKPT_INTERNAL int ckpt_info_parse(ckpt_info *out, const char *text, size_t len, const char *what);
/* The same, the usual file's strings and arrays put in pool (pool_size
 * bytes, kept by the caller while out is used) instead of the heap. */
CKPT_INTERNAL int ckpt_info_parse_in(ckpt_info *out, const char *text, size_t len,
				     const char *what, char *pool, size_t pool_size);
/* The same through the full JSON reader only (ckpt_info_parse tries
 * ckpt_info_parse_fast first; tests compare the two). */
CKPT_INTERNAL int ckpt_info_parse_strict(ckpt_info *out, const char *text, size_t len,
					 const char *what);
CKPT_INTERNAL void ckpt_info_clear(ckpt_info *info);
/* info-fast.c: the common shape of the file read quickly: 0 when read (the
 * same ckpt_info the full reader gives), 1 when the full reader must decide
 * (any other shape, any fault; also strings that do not fit pool, when
 * there is one: NULL for the heap), CKPT_ENOMEM. */
CKPT_INTERNAL int ckpt_info_parse_fast(ckpt_info *out, const char *text, size_t len, char *pool,
				       size_t pool_size);
/* Every field the same (NaN equal to NaN): for the tests that compare readers. */
CKPT_INTERNAL bool ckpt_info_equal(const ckpt_info *a, const ckpt_info *b);
/* The file's text, fields in the original's order, then ours; extra metrics
 * (may be NULL) under "metrics". */
CKPT_INTERNAL void ckpt_info_format(ckpt_buf *buf, const ckpt_info *info, const ckpt_metric *extra,
				    size_t n_extra);

/* ---- checksum.c --------------------------------------------------------- */

/* What ckpt-info.json stores when checksums are off (SPEC §3). */
#define CKPT_DISABLED_CHECKSUM "__DISABLED__"

/* Which form a stored checksum text has (NULL: none). */
CKPT_INTERNAL ckpt_checksum_kind ckpt_checksum_kind_of(const char *stored);
/* Recomputes path's checksum in the algorithm of `stored` (decimal CRC-32 or
 * "sha256:<64 hex>") and sets *out_match. CKPT_EINVAL for any other stored
 * form, "__DISABLED__" included; CKPT_ENOENT when path is absent; CKPT_EIO
 * for a non-regular file or a read error; CKPT_ECANCELLED. */
CKPT_INTERNAL int ckpt_checksum_matches(bool *out_match, const char *path, const char *stored,
					const ckpt_progress *progress);
/* The same, also giving the checksum computed (in the stored form's
 * algorithm) and the identity of the file read (out_sig may be NULL). */
CKPT_INTERNAL int ckpt_checksum_check(bool *out_match, char computed[CKPT_CHECKSUM_TEXT_MAX],
				      ckpt_file_sig *out_sig, const char *path, const char *stored,
				      const ckpt_progress *progress);
/* zlib's crc32 (same values), faster where the CPU has carry-less multiply. */
CKPT_INTERNAL uint32_t ckpt_crc32_update(uint32_t crc, const void *data, size_t len);

/* ---- verify-records.c: this user's memory of verify results ------------ */

typedef struct ckpt_verify_records ckpt_verify_records;

/* The records file of a root: $XDG_CACHE_HOME/ckpt/verify/<hash of root>.jsonl
 * (else ~/.cache/...). Caller frees; NULL when no cache folder can be named. */
CKPT_INTERNAL char *ckpt_records_path(const char *root);
/* The lstat of the folder all records files are in (ENOENT: none can be). */
CKPT_INTERNAL void ckpt_records_folder_sig(ckpt_file_sig *sig);
/* The records at path (absent or unreadable: none); *out is NULL when there
 * are none. Reference counted. */
CKPT_INTERNAL int ckpt_records_load(ckpt_verify_records **out, const char *path);
CKPT_INTERNAL ckpt_verify_records *ckpt_records_ref(ckpt_verify_records *records);
CKPT_INTERNAL void ckpt_records_unref(ckpt_verify_records *records);
/* The state of an epoch whose model and ckpt-info.json are as given now;
 * records may be NULL. */
CKPT_INTERNAL ckpt_check_state ckpt_records_lookup(const ckpt_verify_records *records, long epoch,
						   const ckpt_file_sig *model,
						   const ckpt_file_sig *info,
						   ckpt_verify_result *out_result, int64_t *out_when);
/* Remembers one result. A cache: failing to write it changes nothing else. */
CKPT_INTERNAL void ckpt_records_add(const char *root, long epoch, const ckpt_file_sig *model,
				    const ckpt_file_sig *info, ckpt_verify_result result,
				    int64_t when);

/* ---- logfile.c: ckpt.log ------------------------------------------------ */

/* Appends "YYYY-MM-DD HH:MM:SS CandleCkpt: <message>\n". */
CKPT_INTERNAL int ckpt_log_write(const char *log_path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- log-out.c: ckpt.log kept open by a writer ------------------------- */

typedef struct ckpt_log_out ckpt_log_out;
/* Nothing is opened until the first flush. Free with ckpt_log_out_free
 * (which ends gathering, flushing what is pending, and closes the file). */
CKPT_INTERNAL int ckpt_log_out_new(ckpt_log_out **out, const char *path);
CKPT_INTERNAL void ckpt_log_out_free(ckpt_log_out *log);
/* From now until ckpt_log_out_end, this thread's ckpt_log_write lines for
 * log's path are gathered, not written. */
CKPT_INTERNAL void ckpt_log_out_begin(ckpt_log_out *log);
/* Appends the gathered lines in one write (then fsyncs the log when sync). */
CKPT_INTERNAL int ckpt_log_out_flush(ckpt_log_out *log, bool sync);
/* Flushes and stops gathering; log may be NULL. */
CKPT_INTERNAL int ckpt_log_out_end(ckpt_log_out *log);
/* ckpt_log_write's: true when the line was gathered. */
CKPT_INTERNAL bool ckpt_log_out_take(const char *path, const char *line, size_t len);

struct ckpt_lock;
/* Before an operation changes a run, under its lock (may be NULL): fails,
 * saying nothing was changed, when the log could not take its lines (a
 * symbolic link, a hard link, not a regular file, not writable); then logs
 * what taking the lock had to put right. */
CKPT_INTERNAL int ckpt_log_prepare(const char *log_path, const struct ckpt_lock *lock);

typedef struct ckpt_log_epoch {
	long epoch;
	int session; /* 0-based writer session ("Callback initialized." starts one) */
	bool has_value;
	double value;     /* from the "metrics:" line, when save_best was on */
	bool saved;       /* followed by a rename into epochs/NNN */
	bool became_best; /* followed by a "linking: '.../best'" line */
	char time[20];    /* the line's timestamp */
} ckpt_log_epoch;

typedef struct ckpt_log_summary {
	char *metric;   /* from save_best_metric='...' or metrics: lines */
	char direction; /* inferred, 0 when unknown */
	size_t n_epochs;
	ckpt_log_epoch *epochs; /* every epoch call recovered, in log order */
	int n_sessions;
} ckpt_log_summary;

/* Parses an original (or libckpt) ckpt.log. Tolerates junk lines. */
CKPT_INTERNAL int ckpt_log_parse(ckpt_log_summary *out, const char *text, size_t len);
CKPT_INTERNAL int ckpt_log_parse_file(ckpt_log_summary *out, const char *path);
/* Parses the end of the log at path (within its first `limit` bytes; 0: all
 * of it), reading back from the end only as far as it takes for every epoch
 * in want[] to have its latest save in the part read (or to the start;
 * *out_whole then), so that a huge log is not read to find a few epochs. */
CKPT_INTERNAL int ckpt_log_parse_tail(ckpt_log_summary *out, bool *out_whole, const char *path,
				      uint64_t limit, const long *want, size_t n_want);
/* The epoch the log's last word on work.old says a writer set aside there
 * ("setting aside: '.../epochs/NNN' -> '.../work.old'", not followed by a
 * "recovered:" or "removing set-aside:" line); 0 when none is. Reads back
 * from the end only as far as that line. */
CKPT_INTERNAL long ckpt_log_set_aside_epoch(const char *path);
CKPT_INTERNAL void ckpt_log_summary_clear(ckpt_log_summary *summary);

/* ---- history.c: R/metrics.jsonl --------------------------------------- */

typedef struct ckpt_history_line {
	long epoch;
	const char *metric;
	char direction;
	bool has_value;
	double value;
	bool saved;
	bool became_best;
	const char *time;
	const char *session; /* writer session id */
	const ckpt_metric *extra;
	size_t n_extra;
	/* A session's first line: how long ckpt.log was when it started, so that
	 * a reader needs only that part of the log (none: 0) for the sessions
	 * before metrics.jsonl's. */
	bool has_log_start;
	uint64_t log_start;
} ckpt_history_line;

/* The line, newline included, as ckpt_history_append writes it. */
CKPT_INTERNAL void ckpt_history_format(ckpt_buf *buf, const ckpt_history_line *line);
CKPT_INTERNAL int ckpt_history_append(const char *path, const ckpt_history_line *line);
/* The same through a descriptor the writer keeps (ckpt_fs_append_kept);
 * check_torn: first end a line a crash tore (needed only when the last
 * append through file was not known to be whole). */
CKPT_INTERNAL int ckpt_history_append_kept(ckpt_fs_appender *file, bool check_torn,
					   const char *path, const ckpt_history_line *line);
/* Builds a history from metrics.jsonl text; bad lines are skipped. */
CKPT_INTERNAL int ckpt_history_parse(ckpt_history **out, const char *text, size_t len);
/* Where metrics.jsonl's first session began in ckpt.log, when its first
 * line says (libckpt writes it since 0.2.1); false when unknown. */
CKPT_INTERNAL bool ckpt_history_log_start(const ckpt_history *history, uint64_t *out);
/* Builds a history from a parsed ckpt.log. */
CKPT_INTERNAL int ckpt_history_from_log(ckpt_history **out, const ckpt_log_summary *log);
/* A run's whole history: metrics.jsonl's sessions after the ckpt.log sessions
 * that ran before its first one (a run the original started and libckpt
 * continued), or ckpt.log's alone without a metrics.jsonl. Either path may be
 * NULL or absent. */
CKPT_INTERNAL int ckpt_history_read(ckpt_history **out, const char *history_path,
				    const char *log_path);

/* ---- lock.c: the writer lock (R/ckpt.lock, an OFD lock + pid/host/since) */

typedef struct ckpt_lock ckpt_lock;
/* Takes the run's lock or fails with CKPT_ELOCKED naming the holder. */
CKPT_INTERNAL int ckpt_lock_acquire(ckpt_lock **out, const char *root);
CKPT_INTERNAL void ckpt_lock_release(ckpt_lock *lock);
/* What taking the lock had to put right ("ckpt.lock had 2 links: replaced..."),
 * for the caller to log; NULL when nothing. Borrowed from the lock. */
CKPT_INTERNAL const char *ckpt_lock_note(const ckpt_lock *lock);
/* *out_live is set when another process holds it; pid/host/since filled
 * (host and since into the given buffers). Never creates files. */
CKPT_INTERNAL int ckpt_lock_probe(bool *out_live, long *pid, char host[256], char since[32],
				  const char *root);
/* True when the holder pid, on this host, has exited: the lock is kept by
 * a process it forked, and no writer is live. */
CKPT_INTERNAL bool ckpt_lock_holder_gone(int64_t pid, const char *host);

/* ---- links.c: best/last ------------------------------------------------ */

/* Resolves R/<name> (SPEC §3 link states) against the epochs present. */
CKPT_INTERNAL ckpt_link_state ckpt_link_resolve(const char *root, const char *name,
						long *out_epoch);
/* Re-points R/<name> at epochs/NNN with a relative target, atomically;
 * sync: fsync R afterwards (a trainer may turn it off with ckpt_fsync). */
CKPT_INTERNAL int ckpt_link_point(const char *root, const char *name, long epoch, bool sync);

/* ---- restart.c ------------------------------------------------------- */

struct ckpt_restart {
	bool resumed;
	long epoch;
	double best_metric_last; /* NaN when unknown */
	char *model_path;
	char *info_json; /* the ckpt-info.json text, or NULL */
};

/* Not resumed, best NaN. Caller frees with ckpt_restart_free. */
CKPT_INTERNAL int ckpt_restart_new(ckpt_restart **out);
/* Resumed at epoch (the strings are copied; either may be NULL). */
CKPT_INTERNAL int ckpt_restart_set(ckpt_restart *restart, long epoch, double best_metric_last,
				   const char *model, const char *info_json);

/* ---- relink.c: helpers of the browser operations (rollback, clean, relink) */

/* How the original's log names the root: its path below the run folder
 * ("ckpts", "save/ckpts"), else its last component. Caller frees; NULL on oom. */
CKPT_INTERNAL char *ckpt_ops_root_label(const ckpt_run *run);
/* R/epochs/NNN into *out (caller frees) when it is a real directory inside a
 * real R/epochs (no symbolic link on the way); CKPT_ENOENT naming it otherwise. */
CKPT_INTERNAL int ckpt_ops_epoch_dir(char **out, const char *root, long epoch);

/* ---- run-access.c: what other engine files need of a run snapshot ----- */

/* The checksum text as stored ("__DISABLED__" too), or NULL. */
CKPT_INTERNAL const char *ckpt_epoch_stored_checksum(const ckpt_epoch *epoch);

/* ckpt_keep_limit's default (SPEC §1), also the browser clean's guess. */
#define CKPT_DEFAULT_KEEP_LIMIT 5

/* ---- run.c ------------------------------------------------------------- */

/* Borrowed, valid while the run is: R/ckpt.log (or <run>/save/ckpt.log for
 * the legacy layout) and R/metrics.jsonl; the files need not exist. */
CKPT_INTERNAL const char *ckpt_run_log_path(const ckpt_run *run);
CKPT_INTERNAL const char *ckpt_run_history_path(const ckpt_run *run);
/* How many ckpt-info.json files building this snapshot read (a refresh
 * reads only the changed ones); for tests. */
CKPT_INTERNAL size_t ckpt_run_info_reads(const ckpt_run *run);

/* Where a run's files are, as scan.c finds them. */
typedef struct ckpt_run_location {
	char *root;     /* absolute, canonical: holds epochs/ */
	char *folder;   /* absolute run folder */
	char *log_path; /* R/ckpt.log, or <run>/save/ckpt.log (legacy) */
	ckpt_layout layout;
	/* A scan found this user's verify records folder absent before it
	 * read the run: the run has no records, so none is hashed or looked for. */
	bool records_folder_absent;
} ckpt_run_location;

/* run.c: a snapshot of the located run, named `name` (NULL: the run
 * folder's basename). Takes the location's strings, also on failure. */
CKPT_INTERNAL int ckpt_run_open_at(ckpt_run **out, ckpt_run_location *loc, const char *name);

/* ---- scan.c ------------------------------------------------------------ */

/* How many folders the walk that made the list opened and read (a refresh
 * takes unchanged ones from the last walk): for tests and benchmarks. */
CKPT_INTERNAL size_t ckpt_run_list_folders_read(const ckpt_run_list *list);

/* ---- locate.c: finding checkpoint roots -------------------------------- */

/* What a folder holds that tells a run apart, from lstat or readdir. */
typedef struct ckpt_run_marks {
	bool epochs, log, best, last, work; /* any type */
	bool ckpts_dir;                     /* ckpts/, a real directory */
	bool save_dir;                      /* save/, a real directory */
} ckpt_run_marks;

CKPT_INTERNAL bool ckpt_marks_root(const ckpt_run_marks *m); /* the folder is a root */
CKPT_INTERNAL bool ckpt_marks_any(const ckpt_run_marks *m);  /* ...or may hold one */
/* Notes one directory entry (from readdir). */
CKPT_INTERNAL void ckpt_marks_entry(ckpt_run_marks *m, const char *name, bool is_dir);
CKPT_INTERNAL void ckpt_marks_by_lstat(ckpt_run_marks *m, int dfd);
/* The roots of dir (absolute, canonical; open as dfd) given its marks: none,
 * one (the folder, ckpts/ or save/ckpts/) or two (ckpts/ and save/ckpts/). */
CKPT_INTERNAL int ckpt_locate_roots(ckpt_run_location out[2], size_t *out_n, const char *dir,
				    int dfd, const ckpt_run_marks *m);
/* Opens path as a directory: *out_real is its canonical form (caller frees). */
CKPT_INTERNAL int ckpt_open_folder(int *out_fd, char **out_real, const char *path);
/* The root of the run at path (a root, a run folder holding ckpts/ or
 * save/ckpts/): CKPT_ENOENT naming path when there is none, CKPT_EAMBIGUOUS
 * naming both when there are two. Clear with ckpt_run_location_clear. */
CKPT_INTERNAL int ckpt_run_locate(ckpt_run_location *out, const char *path);
CKPT_INTERNAL void ckpt_run_location_clear(ckpt_run_location *loc);

/* ---- params.c, settings.c: parameters (SPEC §1) ---------------------- */

typedef enum {
	CKPT_PARAM_TEXT, /* config file, argument word, JSON string (or array/object, printed) */
	CKPT_PARAM_INT,
	CKPT_PARAM_DOUBLE,
	CKPT_PARAM_BOOL,
	CKPT_PARAM_NULL, /* JSON null, Python None: "not given" (for metadata: null) */
} ckpt_param_kind;

typedef struct ckpt_param_value {
	ckpt_param_kind kind;
	const char *text; /* the text form ckpt_params_get gives; NULL for null */
	long long i;
	double d;
	bool b;
} ckpt_param_value;

/* params.c: key's value (an alias finds its key); NULL when unset.
 * Borrowed until params next changes. */
CKPT_INTERNAL const ckpt_param_value *ckpt_params_lookup(const ckpt_params *params,
							 const char *key);
/* params.c: the loaders' parsers on text in memory; `what` names the source. */
CKPT_INTERNAL int ckpt_params_parse_json_text(ckpt_params *params, const char *text, size_t len,
					      const char *what);
CKPT_INTERNAL int ckpt_params_parse_config_text(ckpt_params *params, const char *text, size_t len,
						const char *what);
/* settings.c: the known key that name[0..len) spells, an alias resolved
 * (ckpt_metadata → metadata) and, when hyphens, '-' accepted for '_';
 * a static string, or NULL for keys libckpt does not know. */
CKPT_INTERNAL const char *ckpt_param_known_key(const char *name, size_t len, bool hyphens);
/* settings.c: Python's int()/float() of a whole string, locale-independent:
 * "-12"; "1e-3", ".5", "inf", "-Infinity", "nan". No spaces, no junk. */
CKPT_INTERNAL bool ckpt_param_parse_int(const char *text, long long *out);
CKPT_INTERNAL bool ckpt_param_parse_float(const char *text, double *out);

/* ---- leftovers.c: a crashed operation's leftovers (call under the lock) ---- */

/* True when temporary best/last links or a work.old are in root. */
CKPT_INTERNAL bool ckpt_leftovers_present(const char *root);
/* Removes the temporary links, puts an epoch set aside in work.old back
 * (or removes work.old when its epochs/NNN is in place; logs a recovery),
 * and tries again to remove the work.unremovable-N set aside before. */
CKPT_INTERNAL int ckpt_leftovers_recover(const char *root, const char *log_path,
					 const char *root_label, bool sync);
CKPT_INTERNAL int ckpt_leftovers_recover_work_old(const char *root, const char *log_path,
						  const char *root_label, bool sync);
/* Removes root/work.old by way of root/work (the rename synced first when sync). */
CKPT_INTERNAL int ckpt_leftovers_discard_work_old(const char *root, bool sync,
						  const char *log_path);
/* Deletes dir (an epochs/NNN, or work.old) by way of root/work: clears a
 * stale root/work, renames dir to it, fsyncs both parents when sync, then
 * clears root/work. */
CKPT_INTERNAL int ckpt_staging_discard(const char *root, const char *dir, bool sync,
				       const char *log_path);
/* Removes root/work. One that cannot be removed (a permission, a mount,
 * a failing disk) is set aside as root/work.unremovable-N and that is
 * logged (log_path may be NULL), so that saving goes on: 0 then. */
CKPT_INTERNAL int ckpt_staging_clear(const char *root, const char *log_path);
/* Tries again to remove every root/work.unremovable-N (clean does). */
CKPT_INTERNAL int ckpt_staging_retry_unremovable(const char *root, const char *log_path);
/* "work.unremovable-3": a staging folder set aside by ckpt_staging_clear. */
CKPT_INTERNAL bool ckpt_is_unremovable_name(const char *name);
/* "work.old.unrecognized-1": a work.old recovery did not recognize as an
 * epoch this run set aside, moved out of the way. */
CKPT_INTERNAL bool ckpt_is_unrecognized_name(const char *name);

/* ---- decide.c, retention.c: the original's policies, pure ------------- */

typedef struct ckpt_settings {
	long epochs;
	char *directory; /* the checkpoint root */
	bool save_best;
	char *save_best_metric;
	bool has_best_metric_last;
	double best_metric_last;
	long skip_epochs;
	long save_interval;
	bool save_weights_only;
	bool checksum;
	ckpt_checksum_algorithm checksum_algorithm;
	ckpt_keep_mode keep_mode;
	long keep_limit;
	char *metadata; /* NULL for null */
	enum { CKPT_RESTART_OFF, CKPT_RESTART_AUTO, CKPT_RESTART_REQUIRED } restart_mode;
	bool require_json;
	bool fsync;
} ckpt_settings;

/* Checks params and fills settings (SPEC §1 defaults). */
CKPT_INTERNAL int ckpt_settings_from_params(ckpt_settings *out, const ckpt_params *params);
CKPT_INTERNAL void ckpt_settings_clear(ckpt_settings *settings);

typedef struct ckpt_decision_state {
	bool has_best;   /* false until a start value is known */
	double best;     /* best value so far */
	long best_epoch; /* 0: none */
} ckpt_decision_state;

typedef enum {
	CKPT_DECIDE_DISABLED, /* interval 0 */
	CKPT_DECIDE_SKIPPED,  /* epoch < skip_epochs */
	CKPT_DECIDE_BEST,     /* saved: improved */
	CKPT_DECIDE_FINAL,    /* saved: final epoch */
	CKPT_DECIDE_INTERVAL, /* saved: epoch % interval == 0 */
	CKPT_DECIDE_NOT_SAVED,
} ckpt_decision;

/* SPEC §2 for 1-based epoch; updates state when the value improves. */
CKPT_INTERNAL ckpt_decision ckpt_decide(ckpt_decision_state *state, const ckpt_settings *settings,
					long epoch, char direction, double value);
/* Sets the start value of the best so far when it is not known yet (the
 * first call): ckpt_best_metric_last, else +inf for '-' and -inf for '+'
 * (+inf for both when save_best is off, as the original writes it).
 * ckpt_decide calls it; the writer too, to log the value compared with. */
CKPT_INTERNAL void ckpt_decide_start(ckpt_decision_state *state, const ckpt_settings *settings,
				     char direction);

/* Which of `epochs` (ascending, the ones this writer saved) to keep after
 * saving epoch_now; keep[i] set for each. best_epoch 0 = none. */
CKPT_INTERNAL void ckpt_retention_plan(bool *keep, ckpt_clean_reason *reasons, const long *epochs,
				       size_t n, long epoch_now, long best_epoch,
				       ckpt_keep_mode mode, long keep_limit);
/* Keeps the epochs `last` and `best` name (0: none) whatever the policy
 * decided, with those reasons: no policy may delete what a restart loads. */
CKPT_INTERNAL void ckpt_retention_pin(bool *keep, ckpt_clean_reason *reasons, const long *epochs,
				      size_t n, long last, long best);

#endif

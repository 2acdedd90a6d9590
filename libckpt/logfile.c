/* logfile.c: ckpt.log, the operations log the original and libckpt share (SPEC §7):
 * appending a line, and recovering every epoch call of every writer session (value,
 * saved, became best) from a log written by either, tolerating any junk in it. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1,200 epochs make a 2 MB log; anything near this cap is not a real log. */
#define LOG_MAX_BYTES ((size_t)256 << 20)
/* How much of a log's end ckpt_log_parse_tail reads first (4x more each time
 * it finds too little): an original's run of 1,200 epochs logs 2 MB. */
#define TAIL_WINDOW_START ((uint64_t)1 << 20)
#define STAMP_LEN 19 /* "YYYY-MM-DD HH:MM:SS" */
#define TAG " CandleCkpt: "
#define METRIC_NAME_MAX 256
#define EPOCH_MAX 999999999L

int ckpt_log_write(const char *log_path, const char *fmt, ...)
{
	/* Tools parse these numbers ("current=0.356323"): never the caller's
	 * locale's decimal comma. */
	locale_t previous = ckpt_enter_c_locale();
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *message = n < 0 ? NULL : malloc((size_t)n + 1);
	if (message) {
		va_start(ap, fmt);
		vsnprintf(message, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	ckpt_leave_c_locale(previous);
	if (n < 0)
		return ckpt_fail(CKPT_EINVAL, "%s: log message cannot be formatted", log_path);
	if (!message)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", log_path);

	char stamp[32];
	ckpt_timestamp_now(stamp);
	ckpt_buf line;
	ckpt_buf_init(&line);
	ckpt_buf_printf(&line, "%s" TAG "%s\n", stamp, message);
	free(message);
	if (line.oom) {
		ckpt_buf_free(&line);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", log_path);
	}
	/* One write per line (or per writer call, log-out.c), so that a
	 * concurrent reader never sees half of one. */
	int rc = ckpt_log_out_take(log_path, line.data, line.len)
		     ? 0
		     : ckpt_fs_append(log_path, line.data, line.len);
	ckpt_buf_free(&line);
	return rc;
}

int ckpt_log_prepare(const char *log_path, const ckpt_lock *lock)
{
	int rc = ckpt_fs_check_appendable(log_path);
	if (rc) {
		char why[900];
		snprintf(why, sizeof why, "%s", ckpt_error_last());
		return ckpt_fail(rc, "%s; nothing was changed, as it could not be logged", why);
	}
	const char *note = ckpt_lock_note(lock);
	return note ? ckpt_log_write(log_path, "%s", note) : 0;
}

/* ---- small helpers on (pointer, length) text that may hold NUL bytes --- */

typedef struct span {
	const char *p;
	size_t len;
} span;

static bool span_starts(span s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.len >= n && memcmp(s.p, prefix, n) == 0;
}

static bool span_equals(span s, const char *text)
{
	return s.len == strlen(text) && memcmp(s.p, text, s.len) == 0;
}

static span span_after(span s, size_t n)
{
	return (span){s.p + n, s.len - n};
}

/* The text after the first `sep` in s; false when there is none. */
static bool span_split(span s, const char *sep, span *before, span *after)
{
	const char *hit = memmem(s.p, s.len, sep, strlen(sep));
	if (!hit)
		return false;
	*before = (span){s.p, (size_t)(hit - s.p)};
	*after = span_after(s, (size_t)(hit - s.p) + strlen(sep));
	return true;
}

static span span_unquote(span s)
{
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\''))
		s.len--;
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\'')) {
		s.p++;
		s.len--;
	}
	return s;
}

/* A whole span of decimal digits as an epoch (1..EPOCH_MAX), else 0. */
static long span_epoch(span s)
{
	if (s.len == 0 || s.len > 9)
		return 0;
	long value = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return 0;
		value = value * 10 + (s.p[i] - '0');
	}
	return value;
}

/* The epoch a path names by its trailing "epochs/NNN", else 0. */
static long path_epoch(span path)
{
	path = span_unquote(path);
	while (path.len > 0 && path.p[path.len - 1] == '/')
		path.len--;
	const char *slash = memrchr(path.p, '/', path.len);
	if (!slash)
		return 0;
	span name = span_after(path, (size_t)(slash - path.p) + 1);
	span parent = {path.p, (size_t)(slash - path.p)};
	static const char epochs[] = "/" CKPT_EPOCHS_NAME;
	bool under_epochs =
	    span_equals(parent, CKPT_EPOCHS_NAME) ||
	    (parent.len >= sizeof epochs - 1 &&
	     memcmp(parent.p + parent.len - (sizeof epochs - 1), epochs, sizeof epochs - 1) == 0);
	return under_epochs ? span_epoch(name) : 0;
}

/* Values are Python's "%f" ("0.356323", "inf", "nan"), read the same way in any
 * locale: a front end that called setlocale() must not turn "0.5" into 0. */
static bool span_double(span s, double *out)
{
	char text[512]; /* "%f" of 1e308 has 316 characters */
	if (s.len == 0 || s.len >= sizeof text || memchr(s.p, '\0', s.len))
		return false;
	memcpy(text, s.p, s.len);
	text[s.len] = '\0';
	char *end;
	double value = ckpt_strtod(text, &end);
	if (end == text || *end)
		return false;
	*out = value;
	return true;
}

/* Metric names end up in JSON and on screens: printable UTF-8 only. */
static bool metric_name_valid(span s)
{
	if (s.len == 0 || s.len > METRIC_NAME_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f)
			return false;
	return ckpt_utf8_valid(s.p, s.len, NULL);
}

/* ---- the parser: one pass, one line at a time ------------------------- */

typedef struct log_call {
	bool open;
	ckpt_log_epoch rec;
	char cmp;      /* '<' '>' '=' of its metrics line; 0 without one */
	bool declined; /* "not writing this epoch." */
	bool skipped;  /* "model saving disabled until epoch K" */
} log_call;

typedef struct log_parser {
	ckpt_log_summary *out;
	size_t cap;
	int session;      /* of the latest call; -1 before the first */
	bool new_session; /* "Callback initialized." since that call */
	long next_epoch;  /* the epoch the next call will be, 1-based */
	log_call call;
	bool metric_from_setting;
	size_t votes_minus, votes_plus;
	bool oom;
} log_parser;

static void finish_call(log_parser *ps)
{
	log_call *call = &ps->call;
	if (!call->open)
		return;
	call->open = false;
	ckpt_log_summary *out = ps->out;
	if (out->n_epochs == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		ckpt_log_epoch *epochs = reallocarray(out->epochs, cap, sizeof *epochs);
		if (!epochs) {
			ps->oom = true;
			return;
		}
		out->epochs = epochs;
		ps->cap = cap;
	}
	out->epochs[out->n_epochs++] = call->rec;
	ps->next_epoch = call->rec.epoch < EPOCH_MAX ? call->rec.epoch + 1 : EPOCH_MAX;
	/* Only an improvement re-points best, so its comparison shows the direction. */
	if (call->rec.became_best && call->cmp == '<')
		ps->votes_minus++;
	else if (call->rec.became_best && call->cmp == '>')
		ps->votes_plus++;
}

static void begin_call(log_parser *ps, span stamp)
{
	finish_call(ps);
	/* Sessions are numbered by their first call: a writer that died before
	 * its first epoch leaves no empty session behind. */
	if (ps->session < 0 || ps->new_session) {
		ps->session++;
		ps->new_session = false;
	}
	log_call *call = &ps->call;
	memset(call, 0, sizeof *call);
	call->open = true;
	call->rec.epoch = ps->next_epoch;
	call->rec.session = ps->session;
	memcpy(call->rec.time, stamp.p, STAMP_LEN);
	call->rec.time[STAMP_LEN] = '\0';
}

/* True when the open call has not decided yet, so a save sequence continues it. */
static bool call_undecided(const log_parser *ps)
{
	const log_call *call = &ps->call;
	return call->open && !call->rec.saved && !call->declined && !call->skipped;
}

static void set_metric(log_parser *ps, span name, bool from_setting)
{
	if (!metric_name_valid(name) || (ps->metric_from_setting && !from_setting))
		return;
	ps->metric_from_setting |= from_setting;
	char *old = ps->out->metric;
	if (old && span_equals(name, old))
		return;
	char *copy = strndup(name.p, name.len);
	if (!copy) {
		ps->oom = true;
		return;
	}
	free(old);
	ps->out->metric = copy;
}

/* "metrics: val_loss: current=0.356323 < last=0.411685" */
static void on_metrics(log_parser *ps, span stamp, span rest)
{
	begin_call(ps, stamp);
	span name, values, current, last;
	if (!span_split(rest, ": current=", &name, &values))
		return;
	set_metric(ps, name, false);
	if (!span_split(values, " ", &current, &last))
		current = values, last = (span){values.p + values.len, 0};
	double value;
	if (span_double(current, &value)) {
		ps->call.rec.has_value = true;
		ps->call.rec.value = value;
	}
	if (last.len >= 2 && last.p[1] == ' ' && last.p[0] && strchr("<>=", last.p[0]))
		ps->call.cmp = last.p[0];
}

/* The first line of a save: continues an undecided call, or is a call of its
 * own when save_best was off (no metrics line). epoch 0: not named here. */
static void on_save_start(log_parser *ps, span stamp, long epoch)
{
	if (!call_undecided(ps))
		begin_call(ps, stamp);
	if (epoch > 0)
		ps->call.rec.epoch = epoch;
}

/* "rename:  'ckpts/work' -> 'ckpts/epochs/030'": the epoch number on disk is
 * authoritative, so the counter follows it. */
static void on_rename(log_parser *ps, span stamp, span rest)
{
	span from, to;
	if (!span_split(rest, " -> ", &from, &to))
		return;
	long epoch = path_epoch(to);
	if (epoch == 0)
		return;
	on_save_start(ps, stamp, epoch);
	ps->call.rec.saved = true;
}

/* "linking: 'ckpts/best' -> 'ckpts/epochs/030'" */
static void on_linking(log_parser *ps, span rest)
{
	span link, target;
	if (!span_split(rest, " -> ", &link, &target))
		return;
	link = span_unquote(link);
	bool is_best = span_equals(link, CKPT_BEST_NAME) ||
		       (link.len > strlen(CKPT_BEST_NAME) &&
			span_equals(span_after(link, link.len - strlen("/" CKPT_BEST_NAME)),
				    "/" CKPT_BEST_NAME));
	if (is_best && ps->call.open && ps->call.rec.saved)
		ps->call.rec.became_best = true;
}

static void on_message(log_parser *ps, span stamp, span msg)
{
	if (span_equals(msg, "Callback initialized.")) {
		finish_call(ps);
		ps->new_session = true;
		ps->next_epoch = 1;
	} else if (span_starts(msg, "restarting from epoch: ")) {
		finish_call(ps);
		span n = span_after(msg, strlen("restarting from epoch: "));
		long epoch = span_epoch(n);
		if (epoch > 0 || span_equals(n, "0"))
			ps->next_epoch = epoch + 1;
	} else if (span_starts(msg, "save_best_metric=")) {
		set_metric(ps, span_unquote(span_after(msg, strlen("save_best_metric="))), true);
	} else if (span_starts(msg, "metrics: ")) {
		on_metrics(ps, stamp, span_after(msg, strlen("metrics: ")));
	} else if (span_starts(msg, "model saving disabled until epoch ")) {
		begin_call(ps, stamp);
		ps->call.skipped = true;
	} else if (span_equals(msg, "not writing this epoch.")) {
		if (!call_undecided(ps))
			begin_call(ps, stamp);
		ps->call.declined = true;
	} else if (span_starts(msg, "writing final epoch ")) {
		span rest = span_after(msg, strlen("writing final epoch ")), n, dots;
		if (!span_split(rest, " ", &n, &dots))
			n = rest;
		on_save_start(ps, stamp, span_epoch(n));
	} else if (span_starts(msg, "writing model to:")) {
		on_save_start(ps, stamp, 0);
	} else if (span_starts(msg, "remove: ")) {
		/* An epochs/NNN left by a rollback, replaced by the epoch now written. */
		on_save_start(ps, stamp, path_epoch(span_after(msg, strlen("remove: "))));
	} else if (span_starts(msg, "rename: ")) {
		on_rename(ps, stamp, span_after(msg, strlen("rename: ")));
	} else if (span_starts(msg, "linking: ")) {
		on_linking(ps, span_after(msg, strlen("linking: ")));
	}
	/* Everything else (clean(), keep(), checkpoints kept/list, restarting: ...,
	 * the lines of a JSON dump) says nothing about the epoch calls. */
}

/* "YYYY-MM-DD HH:MM:SS CandleCkpt: ": digits where digits belong. */
static bool line_prefix(span line, span *stamp, span *msg)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	size_t tag = strlen(TAG);
	if (line.len < STAMP_LEN + tag || memcmp(line.p + STAMP_LEN, TAG, tag) != 0)
		return false;
	for (size_t i = 0; i < STAMP_LEN; i++) {
		bool digit = line.p[i] >= '0' && line.p[i] <= '9';
		if (shape[i] == 'd' ? !digit : line.p[i] != shape[i])
			return false;
	}
	*stamp = (span){line.p, STAMP_LEN};
	*msg = span_after(line, STAMP_LEN + tag);
	return true;
}

static void parse_line(log_parser *ps, span line)
{
	if (line.len > 0 && line.p[line.len - 1] == '\r')
		line.len--;
	span stamp, msg;
	if (line_prefix(line, &stamp, &msg))
		on_message(ps, stamp, msg);
}

int ckpt_log_parse(ckpt_log_summary *out, const char *text, size_t len)
{
	memset(out, 0, sizeof *out);
	log_parser ps = {.out = out, .session = -1, .next_epoch = 1};
	const char *p = text, *end = text + len;
	while (p < end && !ps.oom) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		parse_line(&ps, (span){p, (size_t)(line_end - p)});
		p = nl ? nl + 1 : end;
	}
	finish_call(&ps);
	if (ps.oom) {
		ckpt_log_summary_clear(out);
		return ckpt_fail(CKPT_ENOMEM, "ckpt.log: out of memory");
	}
	out->n_sessions = ps.session + 1;
	if (ps.votes_minus && !ps.votes_plus)
		out->direction = '-';
	else if (ps.votes_plus && !ps.votes_minus)
		out->direction = '+';
	return 0;
}

int ckpt_log_parse_file(ckpt_log_summary *out, const char *path)
{
	memset(out, 0, sizeof *out);
	char *text;
	size_t len;
	int rc = ckpt_read_file(&text, &len, path, LOG_MAX_BYTES, true);
	if (rc)
		return rc;
	rc = ckpt_log_parse(out, text, len);
	free(text);
	if (rc)
		return ckpt_fail(rc, "%s: out of memory", path);
	return 0;
}

void ckpt_log_summary_clear(ckpt_log_summary *summary)
{
	if (!summary)
		return;
	free(summary->metric);
	free(summary->epochs);
	memset(summary, 0, sizeof *summary);
}

/* ---- the end of a log, for a run's facts ------------------------------- */

/* Where a parse of text[0..len) (from the middle of a log) may start without
 * taking a call's later lines for a call of their own: the first line that
 * always opens one ("metrics: ..." when save_best was on, a session's
 * "Callback initialized."), else just after the first newline. */
static size_t safe_start(const char *text, size_t len)
{
	const char *first_nl = memchr(text, '\n', len);
	if (!first_nl)
		return len;
	for (const char *p = first_nl + 1, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		span line = {p, (size_t)((nl ? nl : end) - p)}, stamp, msg;
		if (line_prefix(line, &stamp, &msg) &&
		    (span_starts(msg, "metrics: ") || span_starts(msg, "Callback initialized.")))
			return (size_t)(p - text);
		p = nl ? nl + 1 : end;
	}
	return (size_t)(first_nl + 1 - text);
}

static bool all_saved_in(const ckpt_log_summary *log, const long *want, size_t n_want)
{
	for (size_t i = 0; i < n_want; i++) {
		bool found = false;
		for (size_t j = 0; j < log->n_epochs && !found; j++)
			found = log->epochs[j].saved && log->epochs[j].epoch == want[i];
		if (!found)
			return false;
	}
	return true;
}

int ckpt_log_parse_tail(ckpt_log_summary *out, bool *out_whole, const char *path,
			uint64_t limit, const long *want, size_t n_want)
{
	memset(out, 0, sizeof *out);
	*out_whole = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int err = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		return ckpt_fail(err == ENOENT ? CKPT_ENOENT : CKPT_EIO, "%s: %s", path,
				 err == EINVAL ? "not a regular file" : strerror(err));
	}
	uint64_t size = (uint64_t)st.st_size;
	if (limit && limit < size)
		size = limit;
	uint64_t window = size < TAIL_WINDOW_START ? size : TAIL_WINDOW_START;
	int rc = 0;
	for (;;) {
		uint64_t from = size - window;
		char *text = malloc((size_t)window + 1);
		ssize_t got = text ? pread(fd, text, (size_t)window, (off_t)from) : -1;
		if (!text || got < 0) {
			rc = text ? ckpt_fail(CKPT_EIO, "%s: %s", path, strerror(errno))
				  : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
			free(text);
			break;
		}
		size_t start = from > 0 ? safe_start(text, (size_t)got) : 0;
		rc = ckpt_log_parse(out, text + start, (size_t)got - start);
		free(text);
		*out_whole = from == 0;
		if (rc || from == 0 || all_saved_in(out, want, n_want) || window >= LOG_MAX_BYTES)
			break;
		ckpt_log_summary_clear(out);
		window = window * 4 < size ? window * 4 : size;
		if (window > LOG_MAX_BYTES)
			window = LOG_MAX_BYTES;
	}
	close(fd);
	return rc;
}

/* "setting aside: 'ckpts/epochs/004' -> 'ckpts/work.old'": the writer's
 * durable record that work.old holds epoch 4; "recovered: ..." and
 * "removing set-aside: ..." close it. */
#define ASIDE_OPEN "setting aside: "
#define ASIDE_CLOSED_1 "recovered: "
#define ASIDE_CLOSED_2 "removing set-aside: "

/* The epoch the last line of text[0..len) about work.old sets aside; 0 when
 * the last one closes it; -1 when there is none. */
static long last_aside(const char *text, size_t len)
{
	long found = -1;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		span line = {p, (size_t)((nl ? nl : end) - p)}, stamp, msg, from, to;
		if (line_prefix(line, &stamp, &msg)) {
			if (span_starts(msg, ASIDE_OPEN) &&
			    span_split(span_after(msg, strlen(ASIDE_OPEN)), " -> ", &from, &to))
				found = path_epoch(from);
			else if (span_starts(msg, ASIDE_CLOSED_1) || span_starts(msg, ASIDE_CLOSED_2))
				found = 0;
		}
		p = nl ? nl + 1 : end;
	}
	return found;
}

long ckpt_log_set_aside_epoch(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	uint64_t size = (uint64_t)st.st_size, window = TAIL_WINDOW_START;
	long epoch = 0;
	for (;;) {
		if (window > size)
			window = size;
		uint64_t from = size - window;
		char *text = malloc((size_t)window + 1);
		ssize_t got = text ? pread(fd, text, (size_t)window, (off_t)from) : -1;
		long found = got > 0 ? last_aside(text, (size_t)got) : -1;
		free(text);
		if (found >= 0 || got < 0 || from == 0 || window >= LOG_MAX_BYTES) {
			epoch = found > 0 ? found : 0;
			break;
		}
		window *= 4;
	}
	close(fd);
	return epoch;
}

/* ---- the tail, for a log view ------------------------------------------ */

/* How far back a tail looks: lines are ~80 bytes, so far more than a screen. */
#define TAIL_MAX_BYTES ((off_t)1 << 20)

int ckpt_run_log_tail(char **out, const ckpt_run *run, size_t max_lines)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_log_tail: no place for the text");
	*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_log_tail: no run");
	const char *path = ckpt_run_log_path(run);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int err = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		if (err == ENOENT || err == ENOTDIR) {
			*out = calloc(1, 1);
			return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
		}
		return ckpt_fail(ckpt_code_from_errno(err), "%s: %s", path,
				 err == EINVAL ? "not a regular file" : strerror(err));
	}
	off_t from = st.st_size > TAIL_MAX_BYTES ? st.st_size - TAIL_MAX_BYTES : 0;
	size_t want = (size_t)(st.st_size - from);
	char *text = malloc(want + 1);
	ssize_t got = text ? pread(fd, text, want, from) : -1;
	int err = errno;
	close(fd);
	if (!text)
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	if (got < 0) {
		free(text);
		return ckpt_fail(CKPT_EIO, "%s: %s", path, strerror(err));
	}
	text[got] = '\0';
	/* Back from the end over max_lines newlines (a last line without one counts). */
	size_t start = (size_t)got, lines = 0;
	if (start > 0 && text[start - 1] == '\n')
		start--;
	while (start > 0 && lines < max_lines) {
		if (text[start - 1] == '\n' && ++lines == max_lines)
			break;
		start--;
	}
	if (max_lines == 0)
		start = (size_t)got;
	/* Reading from the middle of the file: its first line is a fragment. */
	if (start == 0 && from > 0) {
		char *nl = memchr(text, '\n', (size_t)got);
		start = nl ? (size_t)(nl - text) + 1 : (size_t)got;
	}
	memmove(text, text + start, (size_t)got - start + 1);
	*out = text;
	return 0;
}

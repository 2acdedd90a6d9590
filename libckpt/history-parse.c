/* history-parse.c: reading a run's history: metrics.jsonl lines (libckpt's
 * writer appends one per epoch call; read incrementally, bad lines counted),
 * the original's ckpt.log, and the log's sessions that ran before a run the
 * original started was continued by libckpt. */
#include "history-private.h"


#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* metrics.jsonl grows by ~200 bytes an epoch: this is far beyond any real run. */
#define HISTORY_MAX_BYTES ((size_t)256 << 20)
/* The same cap as logfile.c's. */
#define LOG_MAX_BYTES ((size_t)256 << 20)
/* A writer's session id is stamped just before it logs "Callback initialized."
 * (one or two appends later): far less than this apart. */
#define SESSION_START_SLACK 10

/* ---- session ids: open addressing over a power of two ------------------ */

static size_t hash_id(const char *id)
{
	size_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static bool session_map_grow(session_map *map)
{
	size_t cap = map->cap ? map->cap * 2 : 16;
	char **ids = calloc(cap, sizeof *ids);
	int *index = calloc(cap, sizeof *index);
	if (!ids || !index) {
		free(ids);
		free(index);
		return false;
	}
	for (size_t i = 0; i < map->cap; i++) {
		if (!map->ids[i])
			continue;
		size_t slot = hash_id(map->ids[i]) & (cap - 1);
		while (ids[slot])
			slot = (slot + 1) & (cap - 1);
		ids[slot] = map->ids[i];
		index[slot] = map->index[i];
	}
	free(map->ids);
	free(map->index);
	map->ids = ids;
	map->index = index;
	map->cap = cap;
	return true;
}

/* The index of id, added when new; -1 when out of memory. */
static int session_map_index(session_map *map, const char *id)
{
	if ((map->count + 1) * 2 > map->cap && !session_map_grow(map))
		return -1;
	size_t slot = hash_id(id) & (map->cap - 1);
	while (map->ids[slot]) {
		if (strcmp(map->ids[slot], id) == 0)
			return map->index[slot];
		slot = (slot + 1) & (map->cap - 1);
	}
	if (map->count >= (size_t)INT32_MAX)
		return -1;
	map->ids[slot] = ckpt_strdup(id);
	if (!map->ids[slot])
		return -1;
	map->index[slot] = (int)map->count++;
	return map->index[slot];
}

void session_map_clear(session_map *map)
{
	for (size_t i = 0; i < map->cap; i++)
		free(map->ids[i]);
	free(map->ids);
	free(map->index);
	memset(map, 0, sizeof *map);
}

int session_map_copy(session_map *to, const session_map *from)
{
	memset(to, 0, sizeof *to);
	if (from->cap == 0)
		return 0;
	to->ids = calloc(from->cap, sizeof *to->ids);
	to->index = calloc(from->cap, sizeof *to->index);
	if (!to->ids || !to->index) {
		session_map_clear(to);
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	}
	to->cap = from->cap;
	to->count = from->count;
	for (size_t i = 0; i < from->cap; i++) {
		if (!from->ids[i])
			continue;
		if (!(to->ids[i] = ckpt_strdup(from->ids[i]))) {
			session_map_clear(to);
			return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
		}
		to->index[i] = from->index[i];
	}
	return 0;
}

int session_number(const ckpt_history *h, const char *id)
{
	const session_map *map = &h->sessions;
	if (!id || map->cap == 0)
		return 0;
	size_t slot = hash_id(id) & (map->cap - 1);
	while (map->ids[slot]) {
		if (strcmp(map->ids[slot], id) == 0)
			return h->session_base + map->index[slot] + 1;
		slot = (slot + 1) & (map->cap - 1);
	}
	return 0;
}

/* ---- metrics.jsonl lines ------------------------------------------------ */

/* The "metrics" object's numbers; other values are skipped. */
static int read_extra(hist_point *point, const cJSON *object)
{
	size_t n = 0;
	for (const cJSON *item = object->child; item; item = item->next)
		n++;
	if (n == 0)
		return 0;
	ckpt_metric *extra = calloc(n, sizeof *extra);
	if (!extra)
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	point->extra = extra;
	for (const cJSON *item = object->child; item; item = item->next) {
		double value;
		if (!item->string || !ckpt_json_number(item, &value))
			continue;
		char *name = ckpt_strdup(item->string);
		if (!name)
			return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
		extra[point->n_extra++] = (ckpt_metric){name, value};
	}
	return 0;
}

/* Fills point from one parsed line; false when it is not a history line. */
static bool read_point(hist_point *point, const cJSON *root)
{
	double epoch;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "epoch");
	if (!ckpt_json_number(item, &epoch) || !(epoch >= 1 && epoch <= 999999999) ||
	    epoch != (double)(long)epoch)
		return false;
	point->epoch = (long)epoch;
	item = cJSON_GetObjectItemCaseSensitive(root, "value");
	point->has_value = ckpt_json_number(item, &point->value);
	point->saved = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "saved"));
	point->became_best = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "best"));
	return true;
}

/* One line of metrics.jsonl; *out_record false when it is not a record. */
static int parse_line(ckpt_history *h, const char *line, size_t len, bool *out_record)
{
	*out_record = false;
	cJSON *root = NULL;
	if (ckpt_json_parse(&root, line, len, CKPT_HISTORY_NAME) != 0)
		return 0;
	hist_point point = {0};
	if (!cJSON_IsObject(root) || !read_point(&point, root)) {
		cJSON_Delete(root);
		return 0;
	}
	*out_record = true;
	/* Our writer always names the session; a line without one joins "". */
	const char *session =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "session"));
	int index = session_map_index(&h->sessions, session ? session : "");
	const char *time = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "time"));
	const char *metric = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "metric"));
	const char *direction =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "direction"));
	const cJSON *extra = cJSON_GetObjectItemCaseSensitive(root, "metrics");
	int rc = index < 0 ? ckpt_fail(CKPT_ENOMEM, "history: out of memory") : 0;
	point.session = h->session_base + index + 1;
	if (!rc && time && !(point.time = ckpt_strdup(time)))
		rc = ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	if (!rc && cJSON_IsObject(extra))
		rc = read_extra(&point, extra);
	/* The latest line names the metric: a restart may have changed it. */
	if (!rc && metric && *metric)
		rc = hist_set_metric(h, metric);
	if (!rc && direction && (strcmp(direction, "-") == 0 || strcmp(direction, "+") == 0))
		h->direction = direction[0];
	cJSON_Delete(root);
	if (rc) {
		hist_point_clear(&point);
		return rc;
	}
	return hist_push(h, &point);
}

static void note_bad_line(ckpt_history *h)
{
	if (h->bad_lines++ == 0)
		h->first_bad_line = h->jsonl_lines;
}

int hist_parse_jsonl(ckpt_history *h, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int rc = 0;
	h->torn_tail = false;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = (size_t)((nl ? nl : end) - p);
		bool record = false;
		/* Longer lines are not ours: not even parsed. */
		if (line_len > 0 && line_len <= CKPT_INFO_MAX_BYTES)
			rc = parse_line(h, p, line_len, &record);
		if (rc)
			break;
		if (!nl && !record) {
			/* A line still being written, or cut short by a crash: read
			 * again next time, and said meanwhile. */
			h->torn_tail = line_len > 0;
			break;
		}
		/* note_bad_line takes jsonl_lines as this line's 0-based index. */
		if (line_len > 0 && !record)
			note_bad_line(h);
		h->jsonl_lines++;
		h->jsonl_offset += line_len + (nl ? 1 : 0);
		p = nl ? nl + 1 : end;
	}
	return rc;
}

/* Reads path from offset to its end (at most max bytes). */
static int read_from(char **out, size_t *out_len, const char *path, uint64_t offset, size_t max)
{
	*out = NULL;
	*out_len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return ckpt_fail(ckpt_code_from_errno(errno), "%s: %s", path, strerror(errno));
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = ckpt_fail(CKPT_EIO, "%s: not a regular file", path);
	else if ((uint64_t)st.st_size > offset + max)
		rc = ckpt_fail(CKPT_EFORMAT, "%s: larger than %zu bytes; not read", path, max);
	size_t want = rc || (uint64_t)st.st_size < offset ? 0 : (size_t)(st.st_size - (off_t)offset);
	char *data = rc ? NULL : malloc(want + 1);
	if (!rc && !data)
		rc = ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	size_t got = 0;
	if (!rc)
		rc = ckpt_pread_full(&got, fd, data, want, offset, path);
	close(fd);
	if (rc) {
		free(data);
		return rc;
	}
	data[got] = '\0';
	*out = data;
	*out_len = got;
	return 0;
}

int hist_read_jsonl_tail(ckpt_history *h)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_from(&text, &len, h->history_path, h->jsonl_offset, HISTORY_MAX_BYTES);
	if (!rc)
		rc = hist_parse_jsonl(h, text, len);
	free(text);
	return rc;
}

int ckpt_history_parse(ckpt_history **out, const char *text, size_t len)
{
	int rc = hist_new(out);
	if (!rc)
		rc = hist_parse_jsonl(*out, text, len);
	if (!rc)
		rc = hist_complete(*out, NULL);
	if (rc) {
		ckpt_history_free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- ckpt.log ----------------------------------------------------------- */

/* Appends the log's epoch calls, its sessions numbered after h's. */
static int add_log(ckpt_history *h, const ckpt_log_summary *log)
{
	int base = (int)h->n_sessions;
	int rc = log->metric ? hist_set_metric(h, log->metric) : 0;
	for (size_t i = 0; !rc && i < log->n_epochs; i++) {
		const ckpt_log_epoch *e = &log->epochs[i];
		hist_point point = {
		    .epoch = e->epoch,
		    .has_value = e->has_value,
		    .value = e->value,
		    .saved = e->saved,
		    .became_best = e->became_best,
		    .session = base + e->session + 1,
		};
		if (e->time[0] && !(point.time = ckpt_strdup(e->time)))
			rc = ckpt_fail(CKPT_ENOMEM, "history: out of memory");
		else
			rc = hist_push(h, &point);
	}
	if (!rc && log->direction)
		h->direction = log->direction;
	if (!rc && (size_t)(base + log->n_sessions) > h->n_sessions)
		h->n_sessions = (size_t)(base + log->n_sessions);
	return rc;
}

int ckpt_history_from_log(ckpt_history **out, const ckpt_log_summary *log)
{
	int rc = hist_new(out);
	if (!rc)
		rc = add_log(*out, log);
	if (!rc)
		rc = hist_complete(*out, NULL);
	if (rc) {
		ckpt_history_free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- a run started by the original and continued by libckpt ------------ */

/* "YYYY-MM-DD HH:MM:SS" (or, with compact, the session id's "YYYYmmddTHHMMSS")
 * as seconds; the fields are local time, read as UTC: only differences count. */
static bool parse_stamp(const char *text, bool compact, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	char tail;
	int n = compact ? sscanf(text, "%4d%2d%2dT%2d%2d%2d%c", &tm.tm_year, &tm.tm_mon,
				 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail)
			: sscanf(text, "%4d-%2d-%2d %2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
				 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail);
	if (n != 7 || (compact ? tail != '-' : tail != ' '))
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return *out != (time_t)-1;
}

/* Where in ckpt.log the writer session that started at `start` (its session
 * id's time) begins: the first "Callback initialized." line stamped 0 to
 * SESSION_START_SLACK seconds after it. Both times come from that writer's own
 * clock and time zone, so no other machine's clock is compared with ours.
 * False when no line matches (the log was replaced, or never had it). */
static bool find_session_start(size_t *out, const char *text, size_t len, time_t start)
{
	static const char message[] = " CandleCkpt: Callback initialized.";
	const size_t stamp_len = 19, line_len = stamp_len + sizeof message - 1;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		char stamp[24];
		time_t at;
		if (n == line_len && memcmp(p + stamp_len, message, sizeof message - 1) == 0) {
			memcpy(stamp, p, stamp_len);
			stamp[stamp_len] = ' ';
			stamp[stamp_len + 1] = '\0';
			if (parse_stamp(stamp, false, &at) && at >= start &&
			    at - start <= SESSION_START_SLACK) {
				*out = (size_t)(p - text);
				return true;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return false;
}

/* The log's sessions that ran before metrics.jsonl's first one, which
 * started at `start`, added to h. The rule: libckpt's writer logs "Callback
 * initialized." as each session starts, so the lines before the one that
 * opened metrics.jsonl's first session are the sessions metrics.jsonl does
 * not hold (the original's, when libckpt continued a run it started).
 * Sessions of the original that ran after libckpt's first one cannot be
 * told from libckpt's and are not shown. */
static int add_earlier_log_sessions(ckpt_history *h, const char *log_path, time_t start)
{
	char *text = NULL;
	size_t len = 0, offset = 0;
	int rc = ckpt_read_file(&text, &len, log_path, LOG_MAX_BYTES, true);
	if (rc)
		return rc == CKPT_ENOMEM ? rc : 0; /* no log to add: metrics.jsonl alone */
	if (find_session_start(&offset, text, len, start) && offset > 0) {
		ckpt_log_summary log;
		rc = ckpt_log_parse(&log, text, offset);
		if (!rc)
			rc = add_log(h, &log);
		ckpt_log_summary_clear(&log);
	}
	free(text);
	return rc;
}

/* The sessions of the log before metrics.jsonl's first one, which began at
 * byte `log_start` of it (its first line says so: libckpt since 0.2.1). Only
 * that part of the log is read. */
static int add_log_prefix(ckpt_history *h, const char *log_path, uint64_t log_start)
{
	char *text = NULL;
	size_t len = 0;
	int rc = ckpt_read_prefix(&text, &len, log_path, log_start, LOG_MAX_BYTES);
	if (rc)
		return rc == CKPT_ENOMEM ? rc : 0; /* no log to add: metrics.jsonl alone */
	ckpt_log_summary log;
	rc = ckpt_log_parse(&log, text, len);
	if (!rc)
		rc = add_log(h, &log);
	ckpt_log_summary_clear(&log);
	free(text);
	return rc;
}

/* The session id of metrics.jsonl's first record, or NULL (caller frees),
 * and the log's length when that session began, when the record says. */
static char *first_session_id(const char *text, size_t len, bool *has_log_start,
			      uint64_t *log_start)
{
	*has_log_start = false;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = (size_t)((nl ? nl : end) - p);
		cJSON *root = NULL;
		if (line_len > 0 && line_len <= CKPT_INFO_MAX_BYTES &&
		    ckpt_json_parse(&root, p, line_len, CKPT_HISTORY_NAME) == 0) {
			hist_point point = {0};
			bool record = cJSON_IsObject(root) && read_point(&point, root);
			const char *id = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(root, "session"));
			double start;
			if (record && ckpt_json_number(cJSON_GetObjectItemCaseSensitive(root, "log_start"),
						       &start) &&
			    start >= 0 && start < 1e18) {
				*has_log_start = true;
				*log_start = (uint64_t)start;
			}
			char *copy = record && id ? ckpt_strdup(id) : NULL;
			cJSON_Delete(root);
			if (record)
				return copy;
		}
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

/* A source that is there but not a regular file (a symbolic link, above
 * all: whatever it leads to is not the run's) is not read, and said. */
static bool refuse_source(ckpt_history *h, const ckpt_file_sig *sig, const char *name)
{
	if (sig->err || S_ISREG(sig->mode))
		return false;
	size_t used = strlen(h->refused);
	snprintf(h->refused + used, sizeof h->refused - used, "%s%s: %s, not followed",
		 used ? "; " : "", name,
		 S_ISLNK(sig->mode) ? "a symbolic link" : "not a regular file");
	return true;
}

static int read_sources(ckpt_history *h)
{
	ckpt_file_sig_at(&h->history_sig, AT_FDCWD, h->history_path ? h->history_path : "");
	ckpt_file_sig_at(&h->log_sig, AT_FDCWD, h->log_path ? h->log_path : "");
	bool use_jsonl = h->history_path && h->history_sig.err == 0 &&
			 !refuse_source(h, &h->history_sig, CKPT_HISTORY_NAME);
	bool use_log = h->log_path && h->log_sig.err == 0 &&
		       !refuse_source(h, &h->log_sig, CKPT_LOG_NAME);
	char *text = NULL;
	size_t len = 0;
	int rc = use_jsonl ? read_from(&text, &len, h->history_path, 0, HISTORY_MAX_BYTES)
			   : CKPT_ENOENT;
	if (rc == CKPT_ENOENT) {
		if (!use_log)
			return 0;
		ckpt_log_summary log;
		rc = ckpt_log_parse_file(&log, h->log_path);
		if (rc == CKPT_ENOENT)
			return 0;
		if (!rc)
			rc = add_log(h, &log);
		ckpt_log_summary_clear(&log);
		return rc;
	}
	if (rc)
		return rc;
	h->from_jsonl = true;
	bool has_log_start = false;
	uint64_t log_start = 0;
	char *first = first_session_id(text, len, &has_log_start, &log_start);
	h->has_log_start = has_log_start;
	h->log_start = log_start;
	time_t start = 0;
	/* A run libckpt started needs no log at all; one it continued, only the
	 * log's part before its first session. Older records do not say where
	 * that began: it is found by time in the whole log. */
	if (use_log && has_log_start && log_start > 0)
		rc = add_log_prefix(h, h->log_path, log_start);
	else if (use_log && !has_log_start && first && parse_stamp(first, true, &start))
		rc = add_earlier_log_sessions(h, h->log_path, start);
	free(first);
	h->session_base = (int)h->n_sessions;
	if (!rc)
		rc = hist_parse_jsonl(h, text, len);
	free(text);
	return rc;
}

bool ckpt_history_log_start(const ckpt_history *h, uint64_t *out)
{
	if (h && h->has_log_start && out)
		*out = h->log_start;
	return h && h->has_log_start;
}

int ckpt_history_read(ckpt_history **out, const char *history_path, const char *log_path)
{
	int rc = hist_new(out);
	if (rc)
		return rc;
	ckpt_history *h = *out;
	if ((history_path && !(h->history_path = ckpt_strdup(history_path))) ||
	    (log_path && !(h->log_path = ckpt_strdup(log_path))))
		rc = ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	if (!rc)
		rc = read_sources(h);
	h->file_sessions = h->n_sessions;
	if (rc) {
		ckpt_history_free(h);
		*out = NULL;
	}
	return rc;
}

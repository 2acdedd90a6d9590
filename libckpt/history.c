/* history.c: a run's metric history. libckpt's writer appends one line per epoch call
 * to R/metrics.jsonl; the original writes none, so its sessions are recovered from
 * ckpt.log, also those before libckpt continued its run. Readers get one ckpt_history
 * either way, in the order the sessions ran. */
#include "internal.h"

#include <cjson/cJSON.h>
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

struct ckpt_history {
	ckpt_history_point *points; /* each owns its time and extra (names included) */
	size_t n_points;
	size_t cap;
	size_t n_sessions;
	char *metric;
	char direction;
};

/* ---- writing ----------------------------------------------------------- */

static void put_string_or_null(ckpt_buf *buf, const char *text)
{
	if (text)
		ckpt_buf_json_string(buf, text);
	else
		ckpt_buf_puts(buf, "null");
}

static void put_extra(ckpt_buf *buf, const ckpt_metric *extra, size_t n_extra)
{
	size_t named = 0;
	for (size_t i = 0; i < n_extra; i++)
		named += extra[i].name != NULL;
	if (named == 0)
		return;
	ckpt_buf_puts(buf, ", \"metrics\": {");
	const char *sep = "";
	for (size_t i = 0; i < n_extra; i++) {
		if (!extra[i].name)
			continue;
		ckpt_buf_puts(buf, sep);
		ckpt_buf_json_string(buf, extra[i].name);
		ckpt_buf_puts(buf, ": ");
		ckpt_buf_json_number(buf, extra[i].value);
		sep = ", ";
	}
	ckpt_buf_puts(buf, "}");
}

/* True when path ends in the middle of a line: a crash tore the last append. */
static bool ends_torn(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	char last = '\n';
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	close(fd);
	return last != '\n';
}

int ckpt_history_append(const char *path, const ckpt_history_line *line)
{
	if (line->epoch < 1)
		return ckpt_fail(CKPT_EINVAL, "%s: epoch %ld: epochs start at 1", path,
				 line->epoch);
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	/* End a torn line first, or this record would be glued to it and lost. */
	if (ends_torn(path))
		ckpt_buf_puts(&buf, "\n");
	ckpt_buf_printf(&buf, "{\"epoch\": %ld, \"metric\": ", line->epoch);
	put_string_or_null(&buf, line->metric);
	ckpt_buf_puts(&buf, ", \"direction\": ");
	if (line->direction == '-' || line->direction == '+')
		ckpt_buf_json_string(&buf, line->direction == '-' ? "-" : "+");
	else
		ckpt_buf_puts(&buf, "null");
	ckpt_buf_puts(&buf, ", \"value\": ");
	if (line->has_value)
		ckpt_buf_json_number(&buf, line->value);
	else
		ckpt_buf_puts(&buf, "null");
	ckpt_buf_printf(&buf,
			", \"saved\": %s, \"best\": %s, \"time\": ", line->saved ? "true" : "false",
			line->became_best ? "true" : "false");
	put_string_or_null(&buf, line->time);
	ckpt_buf_puts(&buf, ", \"session\": ");
	put_string_or_null(&buf, line->session);
	put_extra(&buf, line->extra, line->extra ? line->n_extra : 0);
	ckpt_buf_puts(&buf, "}\n");
	if (buf.oom) {
		ckpt_buf_free(&buf);
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", path);
	}
	/* One write per line: a crash leaves at most a torn last line, which readers skip. */
	int rc = ckpt_fs_append(path, buf.data, buf.len);
	ckpt_buf_free(&buf);
	return rc;
}

/* ---- building ---------------------------------------------------------- */

static int history_new(ckpt_history **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "history: out of memory");
}

static void point_clear(ckpt_history_point *point)
{
	free((char *)point->time);
	for (size_t i = 0; i < point->n_extra; i++)
		free((char *)point->extra[i].name);
	free((ckpt_metric *)point->extra);
}

/* Takes ownership of point's strings, also when it fails. */
static int history_push(ckpt_history *history, ckpt_history_point *point)
{
	if (history->n_points == history->cap) {
		size_t cap = history->cap ? history->cap * 2 : 64;
		ckpt_history_point *points = reallocarray(history->points, cap, sizeof *points);
		if (!points) {
			point_clear(point);
			return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
		}
		history->points = points;
		history->cap = cap;
	}
	history->points[history->n_points++] = *point;
	if ((size_t)point->session + 1 > history->n_sessions)
		history->n_sessions = (size_t)point->session + 1;
	return 0;
}

static int history_set_metric(ckpt_history *history, const char *metric)
{
	if (history->metric && strcmp(history->metric, metric) == 0)
		return 0;
	char *copy = ckpt_strdup(metric);
	if (!copy)
		return ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	free(history->metric);
	history->metric = copy;
	return 0;
}

/* Session ids in order of first appearance, found in constant time (a hostile
 * file may give every line a new id). Open addressing over a power of two. */
typedef struct session_map {
	char **ids;
	int *index;
	size_t cap;
	size_t count;
} session_map;

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

/* The id of the first session (index 0), copied into *out; NULL when none. */
static int session_map_first(char **out, const session_map *map)
{
	*out = NULL;
	for (size_t i = 0; i < map->cap; i++) {
		if (map->ids[i] && map->index[i] == 0) {
			*out = ckpt_strdup(map->ids[i]);
			return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "history: out of memory");
		}
	}
	return 0;
}

static void session_map_clear(session_map *map)
{
	for (size_t i = 0; i < map->cap; i++)
		free(map->ids[i]);
	free(map->ids);
	free(map->index);
	memset(map, 0, sizeof *map);
}

/* The "metrics" object's numbers; other values are skipped. */
static int read_extra(ckpt_history_point *point, const cJSON *object)
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
static bool read_point(ckpt_history_point *point, const cJSON *root)
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

/* One line of metrics.jsonl; a line that is not a history record changes nothing. */
static int parse_line(ckpt_history *history, session_map *sessions, const char *line, size_t len)
{
	cJSON *root = NULL;
	if (ckpt_json_parse(&root, line, len, CKPT_HISTORY_NAME) != 0)
		return 0;
	ckpt_history_point point = {0};
	if (!cJSON_IsObject(root) || !read_point(&point, root)) {
		cJSON_Delete(root);
		return 0;
	}
	/* Our writer always names the session; a line without one joins "". */
	const char *session =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "session"));
	int index = session_map_index(sessions, session ? session : "");
	const char *time = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "time"));
	const char *metric = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "metric"));
	const char *direction =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "direction"));
	const cJSON *extra = cJSON_GetObjectItemCaseSensitive(root, "metrics");
	int rc = index < 0 ? ckpt_fail(CKPT_ENOMEM, "history: out of memory") : 0;
	point.session = index;
	if (!rc && time && !(point.time = ckpt_strdup(time)))
		rc = ckpt_fail(CKPT_ENOMEM, "history: out of memory");
	if (!rc && cJSON_IsObject(extra))
		rc = read_extra(&point, extra);
	/* The latest line names the metric: a restart may have changed it. */
	if (!rc && metric && *metric)
		rc = history_set_metric(history, metric);
	if (!rc && direction && (strcmp(direction, "-") == 0 || strcmp(direction, "+") == 0))
		history->direction = direction[0];
	cJSON_Delete(root);
	if (rc) {
		point_clear(&point);
		return rc;
	}
	return history_push(history, &point);
}

/* metrics.jsonl's text; *first_session (may be NULL) gets the id of the
 * session of its first record. */
static int parse_jsonl(ckpt_history **out, const char *text, size_t len, char **first_session)
{
	int rc = history_new(out);
	if (rc)
		return rc;
	session_map sessions = {0};
	const char *p = text, *end = text + len;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		size_t line_len = (size_t)(line_end - p);
		/* Longer lines are not ours: skip them without parsing. */
		if (line_len > 0 && line_len <= CKPT_INFO_MAX_BYTES)
			rc = parse_line(*out, &sessions, p, line_len);
		p = nl ? nl + 1 : end;
	}
	if (!rc && first_session)
		rc = session_map_first(first_session, &sessions);
	session_map_clear(&sessions);
	if (rc) {
		ckpt_history_free(*out);
		*out = NULL;
	}
	return rc;
}

int ckpt_history_parse(ckpt_history **out, const char *text, size_t len)
{
	return parse_jsonl(out, text, len, NULL);
}

int ckpt_history_from_log(ckpt_history **out, const ckpt_log_summary *log)
{
	int rc = history_new(out);
	if (!rc && log->metric)
		rc = history_set_metric(*out, log->metric);
	for (size_t i = 0; !rc && i < log->n_epochs; i++) {
		const ckpt_log_epoch *e = &log->epochs[i];
		ckpt_history_point point = {
		    .epoch = e->epoch,
		    .has_value = e->has_value,
		    .value = e->value,
		    .saved = e->saved,
		    .became_best = e->became_best,
		    .session = e->session,
		};
		if (e->time[0] && !(point.time = ckpt_strdup(e->time)))
			rc = ckpt_fail(CKPT_ENOMEM, "history: out of memory");
		else
			rc = history_push(*out, &point);
	}
	if (rc) {
		ckpt_history_free(*out);
		*out = NULL;
		return rc;
	}
	(*out)->direction = log->direction;
	if (log->n_sessions > 0 && (size_t)log->n_sessions > (*out)->n_sessions)
		(*out)->n_sessions = (size_t)log->n_sessions;
	return 0;
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

/* Moves every point of `from` (freed) to the end of `to`, its sessions
 * numbered after those of `to`. */
static int history_take(ckpt_history *to, ckpt_history *from)
{
	int base = (int)to->n_sessions;
	int rc = 0;
	for (size_t i = 0; i < from->n_points; i++) {
		ckpt_history_point point = from->points[i];
		point.session += base;
		if (rc)
			point_clear(&point);
		else
			rc = history_push(to, &point);
	}
	from->n_points = 0;
	if (!rc && from->metric)
		rc = history_set_metric(to, from->metric);
	if (from->direction)
		to->direction = from->direction;
	ckpt_history_free(from);
	return rc;
}

/* The sessions of ckpt.log before the line at offset `end`, as a history. */
static int history_from_log_text(ckpt_history **out, const char *text, size_t end)
{
	ckpt_log_summary log;
	int rc = ckpt_log_parse(&log, text, end);
	if (!rc)
		rc = ckpt_history_from_log(out, &log);
	ckpt_log_summary_clear(&log);
	return rc;
}

/* The log's sessions that ran before metrics.jsonl's first one, which
 * started at `start`; *out NULL when there are none or they cannot be told.
 * The rule: libckpt's writer logs "Callback initialized." as each session
 * starts, so the lines before the one that opened metrics.jsonl's first
 * session are the sessions metrics.jsonl does not hold (the original's, when
 * libckpt continued a run it started). Sessions of the original that ran
 * after libckpt's first one cannot be told from libckpt's and are not shown. */
static int earlier_log_sessions(ckpt_history **out, const char *log_path, time_t start)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0, offset = 0;
	int rc = ckpt_read_file(&text, &len, log_path, LOG_MAX_BYTES, false);
	if (rc)
		return rc == CKPT_ENOMEM ? rc : 0; /* no log to add: metrics.jsonl alone */
	if (find_session_start(&offset, text, len, start) && offset > 0)
		rc = history_from_log_text(out, text, offset);
	free(text);
	return rc;
}

/* metrics.jsonl's history (taken) after the log's earlier sessions, if any. */
static int prepend_earlier_log(ckpt_history **out, ckpt_history *jsonl, const char *first_session,
			       const char *log_path)
{
	*out = jsonl;
	time_t start = 0;
	if (!log_path || !first_session || !parse_stamp(first_session, true, &start))
		return 0;
	ckpt_history *earlier = NULL;
	int rc = earlier_log_sessions(&earlier, log_path, start);
	if (rc || !earlier) {
		if (rc) {
			ckpt_history_free(jsonl);
			*out = NULL;
		}
		return rc;
	}
	*out = earlier;
	rc = history_take(earlier, jsonl);
	if (rc) {
		ckpt_history_free(earlier);
		*out = NULL;
	}
	return rc;
}

static int history_load_log(ckpt_history **out, const char *log_path)
{
	ckpt_log_summary log;
	int rc = ckpt_log_parse_file(&log, log_path);
	if (rc == CKPT_ENOENT)
		return history_new(out);
	if (rc)
		return rc;
	rc = ckpt_history_from_log(out, &log);
	ckpt_log_summary_clear(&log);
	return rc;
}

int ckpt_history_read(ckpt_history **out, const char *history_path, const char *log_path)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = history_path ? ckpt_read_file(&text, &len, history_path, HISTORY_MAX_BYTES, false)
			      : CKPT_ENOENT;
	if (rc == CKPT_ENOENT)
		return log_path ? history_load_log(out, log_path) : history_new(out);
	if (rc)
		return rc;
	ckpt_history *jsonl = NULL;
	char *first_session = NULL;
	rc = parse_jsonl(&jsonl, text, len, &first_session);
	free(text);
	if (!rc)
		rc = prepend_earlier_log(out, jsonl, first_session, log_path);
	free(first_session);
	return rc;
}

/* ---- the public API ---------------------------------------------------- */

int ckpt_history_load(ckpt_history **out, const ckpt_run *run)
{
	if (!out)
		return ckpt_fail(CKPT_EINVAL, "ckpt_history_load: no place for the history");
	*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_history_load: no run");
	return ckpt_history_read(out, ckpt_run_history_path(run), ckpt_run_log_path(run));
}

void ckpt_history_free(ckpt_history *history)
{
	if (!history)
		return;
	for (size_t i = 0; i < history->n_points; i++)
		point_clear(&history->points[i]);
	free(history->points);
	free(history->metric);
	free(history);
}

size_t ckpt_history_count(const ckpt_history *history)
{
	return history ? history->n_points : 0;
}

const ckpt_history_point *ckpt_history_get(const ckpt_history *history, size_t i)
{
	return history && i < history->n_points ? &history->points[i] : NULL;
}

size_t ckpt_history_session_count(const ckpt_history *history)
{
	return history ? history->n_sessions : 0;
}

const char *ckpt_history_metric(const ckpt_history *history)
{
	return history ? history->metric : NULL;
}

char ckpt_history_direction(const ckpt_history *history)
{
	return history ? history->direction : 0;
}

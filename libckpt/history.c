/* history.c: a run's metric history. libckpt's writer appends one line per epoch call
 * to R/metrics.jsonl; runs of the original have none, so their history is recovered
 * from ckpt.log. Readers get the same ckpt_history either way, in file order. */
#include "internal.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* metrics.jsonl grows by ~200 bytes an epoch: this is far beyond any real run. */
#define HISTORY_MAX_BYTES ((size_t)256 << 20)

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
		return ckpt_fail(CKPT_EINVAL, "%s: epoch %ld: epochs start at 1", path, line->epoch);
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
	ckpt_buf_printf(&buf, ", \"saved\": %s, \"best\": %s, \"time\": ",
			line->saved ? "true" : "false", line->became_best ? "true" : "false");
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
static int parse_line(ckpt_history *history, session_map *sessions, const char *line,
		      size_t len)
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
	const char *session = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "session"));
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

int ckpt_history_parse(ckpt_history **out, const char *text, size_t len)
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
	session_map_clear(&sessions);
	if (rc) {
		ckpt_history_free(*out);
		*out = NULL;
	}
	return rc;
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

/* ---- the public API ---------------------------------------------------- */

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

int ckpt_history_load(ckpt_history **out, const ckpt_run *run)
{
	*out = NULL;
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_history_load: no run");
	const char *path = ckpt_run_history_path(run);
	char *text = NULL;
	size_t len = 0;
	int rc = path ? ckpt_read_file(&text, &len, path, HISTORY_MAX_BYTES, false) : CKPT_ENOENT;
	if (rc == 0) {
		rc = ckpt_history_parse(out, text, len);
		free(text);
		return rc;
	}
	if (rc != CKPT_ENOENT)
		return rc;
	const char *log_path = ckpt_run_log_path(run);
	return log_path ? history_load_log(out, log_path) : history_new(out);
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

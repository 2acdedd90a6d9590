/* verify-records.c: this user's memory of verify results, so that front ends
 * can show "ok, 3 h ago" or "changed since verified" without reading a byte
 * of the models. One JSON-lines file per run in $XDG_CACHE_HOME/ckpt/verify
 * (never inside the run, so read-only runs work too); each result appends a
 * line keyed by the files' identity, and the last line of an epoch wins. */
#include "internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Far beyond any real run's records; past it the file is rewritten. */
#define RECORDS_COMPACT_BYTES (256 * 1024)
#define RECORDS_MAX_BYTES ((size_t)64 << 20)

typedef struct record {
	long epoch;
	ckpt_file_sig model, info;
	ckpt_verify_result result;
	int64_t when;
	size_t order; /* line number: the later line of an epoch wins */
} record;

struct ckpt_verify_records {
	size_t refs;
	record *items; /* by epoch, one each */
	size_t n;
};

/* ---- where --------------------------------------------------------------- */

static char *cache_folder(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	if (xdg && xdg[0] == '/')
		return ckpt_sprintf("%s/ckpt/verify", xdg);
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return ckpt_sprintf("%s/.cache/ckpt/verify", home);
	return NULL;
}

void ckpt_records_folder_sig(ckpt_file_sig *sig)
{
	char *folder = cache_folder();
	if (folder)
		ckpt_file_sig_at(sig, AT_FDCWD, folder);
	else
		*sig = (ckpt_file_sig){.err = ENOENT};
	free(folder);
}

static EVP_MD *fetched_sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	fetched_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* SHA-256 looked up once: EVP_sha256() makes each digest look it up in
 * OpenSSL's providers again, most of the cost of hashing a short root (a
 * scan hashes every run's). Never freed: it lives as long as the process. */
static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	return fetched_sha256 ? fetched_sha256 : EVP_sha256();
}

char *ckpt_records_path(const char *root)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!root || !EVP_Digest(root, strlen(root), digest, &len, sha256(), NULL))
		return NULL;
	static const char digits[] = "0123456789abcdef";
	char hex[33];
	for (int i = 0; i < 16; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[32] = '\0';
	char *folder = cache_folder();
	char *path = folder ? ckpt_sprintf("%s/%s.jsonl", folder, hex) : NULL;
	free(folder);
	return path;
}

/* ---- reading --------------------------------------------------------------- */

static bool sig_from_json(ckpt_file_sig *sig, const cJSON *array)
{
	memset(sig, 0, sizeof *sig);
	double v[9];
	if (!cJSON_IsArray(array) || cJSON_GetArraySize(array) != 9)
		return false;
	for (int i = 0; i < 9; i++)
		if (!ckpt_json_number(cJSON_GetArrayItem(array, i), &v[i]))
			return false;
	sig->err = (int)v[0];
	sig->dev = (dev_t)v[1];
	sig->ino = (ino_t)v[2];
	sig->mode = (mode_t)v[3];
	sig->size = (off_t)v[4];
	sig->mtime.tv_sec = (time_t)v[5];
	sig->mtime.tv_nsec = (long)v[6];
	sig->ctime.tv_sec = (time_t)v[7];
	sig->ctime.tv_nsec = (long)v[8];
	return true;
}

static bool result_from_name(ckpt_verify_result *out, const char *name)
{
	for (int r = CKPT_VERIFY_OK; r <= CKPT_VERIFY_GONE; r++) {
		if (name && strcmp(name, ckpt_verify_result_name((ckpt_verify_result)r)) == 0) {
			*out = (ckpt_verify_result)r;
			return true;
		}
	}
	return false;
}

/* One line; false when it is not a record of `root`. */
static bool parse_record(record *out, const char *line, size_t len, const char *root)
{
	cJSON *json = NULL;
	if (ckpt_json_parse(&json, line, len, "verify record") != 0)
		return false;
	double epoch = 0, when = 0;
	const char *line_root =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "root"));
	bool ok = line_root && strcmp(line_root, root) == 0 &&
		  ckpt_json_number(cJSON_GetObjectItemCaseSensitive(json, "epoch"), &epoch) &&
		  epoch >= 1 && epoch <= 999999999 &&
		  ckpt_json_number(cJSON_GetObjectItemCaseSensitive(json, "at"), &when) &&
		  sig_from_json(&out->model, cJSON_GetObjectItemCaseSensitive(json, "model")) &&
		  sig_from_json(&out->info, cJSON_GetObjectItemCaseSensitive(json, "info")) &&
		  result_from_name(&out->result, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
						      json, "result")));
	out->epoch = (long)epoch;
	out->when = (int64_t)when;
	cJSON_Delete(json);
	return ok;
}

static int compare_records(const void *a, const void *b)
{
	const record *x = a, *y = b;
	return (x->epoch > y->epoch) - (x->epoch < y->epoch);
}

static int compare_records_in_order(const void *a, const void *b)
{
	const record *x = a, *y = b;
	int c = compare_records(a, b);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Keeps the last record of each epoch, sorted by epoch. */
static void keep_latest(ckpt_verify_records *r)
{
	if (r->n > 1)
		qsort(r->items, r->n, sizeof *r->items, compare_records_in_order);
	size_t kept = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (kept > 0 && r->items[kept - 1].epoch == r->items[i].epoch)
			kept--;
		r->items[kept++] = r->items[i];
	}
	r->n = kept;
}

static int parse_all(ckpt_verify_records *r, const char *text, size_t len, const char *root)
{
	size_t cap = 0;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = (size_t)((nl ? nl : end) - p);
		record rec;
		if (line_len > 0 && line_len < 4096 && parse_record(&rec, p, line_len, root)) {
			rec.order = r->n;
			if (r->n == cap) {
				cap = cap ? cap * 2 : 32;
				record *grown = reallocarray(r->items, cap, sizeof *grown);
				if (!grown)
					return ckpt_fail(CKPT_ENOMEM, "verify records: out of memory");
				r->items = grown;
			}
			r->items[r->n++] = rec;
		}
		p = nl ? nl + 1 : end;
	}
	keep_latest(r);
	return 0;
}

/* The root a records file is for: its lines name it; the file name is only
 * a hash of it. Read from the file's first record. */
static char *root_of_text(const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len);
	cJSON *json = NULL;
	if (ckpt_json_parse(&json, text, nl ? (size_t)(nl - text) : len, "verify record") != 0)
		return NULL;
	char *root =
	    ckpt_strdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "root")));
	cJSON_Delete(json);
	return root;
}

int ckpt_records_load(ckpt_verify_records **out, const char *path)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	if (ckpt_read_file(&text, &len, path, RECORDS_MAX_BYTES, true) != 0)
		return 0; /* no records, or none we can read: nothing verified yet */
	char *root = len ? root_of_text(text, len) : NULL;
	ckpt_verify_records *r = root ? calloc(1, sizeof *r) : NULL;
	int rc = 0;
	if (root && !r)
		rc = ckpt_fail(CKPT_ENOMEM, "verify records: out of memory");
	if (r) {
		r->refs = 1;
		rc = parse_all(r, text, len, root);
	}
	free(root);
	free(text);
	if (rc) {
		ckpt_records_unref(r);
		return rc;
	}
	*out = r;
	return 0;
}

ckpt_verify_records *ckpt_records_ref(ckpt_verify_records *r)
{
	if (r)
		__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
	return r;
}

void ckpt_records_unref(ckpt_verify_records *r)
{
	if (r && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(r->items);
		free(r);
	}
}

ckpt_check_state ckpt_records_lookup(const ckpt_verify_records *r, long epoch,
				     const ckpt_file_sig *model, const ckpt_file_sig *info,
				     ckpt_verify_result *out_result, int64_t *out_when)
{
	if (!r || r->n == 0)
		return CKPT_CHECK_NEVER;
	record key = {.epoch = epoch};
	const record *found = bsearch(&key, r->items, r->n, sizeof *r->items, compare_records);
	if (!found)
		return CKPT_CHECK_NEVER;
	*out_result = found->result;
	*out_when = found->when;
	bool same = ckpt_file_sig_equal(&found->model, model) &&
		    ckpt_file_sig_equal(&found->info, info);
	return same ? CKPT_CHECK_CURRENT : CKPT_CHECK_CHANGED;
}

/* ---- writing ------------------------------------------------------------- */

static void put_sig(ckpt_buf *buf, const ckpt_file_sig *s)
{
	ckpt_buf_printf(buf, "[%d,%llu,%llu,%u,%lld,%lld,%ld,%lld,%ld]", s->err,
			(unsigned long long)s->dev, (unsigned long long)s->ino, (unsigned)s->mode,
			(long long)s->size, (long long)s->mtime.tv_sec, (long)s->mtime.tv_nsec,
			(long long)s->ctime.tv_sec, (long)s->ctime.tv_nsec);
}

static void put_record(ckpt_buf *buf, const char *root, const record *rec)
{
	ckpt_buf_puts(buf, "{\"root\": ");
	ckpt_buf_json_text(buf, root);
	ckpt_buf_printf(buf, ", \"epoch\": %ld, \"result\": \"%s\", \"at\": %lld, \"model\": ",
			rec->epoch, ckpt_verify_result_name(rec->result), (long long)rec->when);
	put_sig(buf, &rec->model);
	ckpt_buf_puts(buf, ", \"info\": ");
	put_sig(buf, &rec->info);
	ckpt_buf_puts(buf, "}\n");
}

static int make_folder(void)
{
	char *folder = cache_folder();
	if (!folder)
		return -1;
	/* mkdir -p, private: the records tell what this user has looked at. */
	for (char *p = folder + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(folder, 0700);
		*p = '/';
	}
	int rc = mkdir(folder, 0700) == 0 || errno == EEXIST ? 0 : -1;
	free(folder);
	return rc;
}

/* Rewrites the file with one line per epoch (the file is locked). */
static void compact(int fd, const char *path, const char *root)
{
	char *text = NULL;
	size_t len = 0;
	if (ckpt_read_file(&text, &len, path, RECORDS_MAX_BYTES, true) != 0)
		return;
	ckpt_verify_records r = {.refs = 1};
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	if (parse_all(&r, text, len, root) == 0)
		for (size_t i = 0; i < r.n; i++)
			put_record(&buf, root, &r.items[i]);
	char *tmp = ckpt_sprintf("%s.%ld.tmp", path, (long)getpid());
	/* A fresh file only: never through a link planted under that name. */
	if (tmp)
		unlink(tmp);
	int out = tmp && !buf.oom
		      ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)
		      : -1;
	bool ok = out >= 0 && write(out, buf.data ? buf.data : "", buf.len) == (ssize_t)buf.len;
	if (out >= 0 && close(out) != 0)
		ok = false;
	if (ok)
		ok = rename(tmp, path) == 0;
	else if (tmp)
		unlink(tmp);
	(void)fd;
	free(tmp);
	free(r.items);
	ckpt_buf_free(&buf);
	free(text);
}

void ckpt_records_add(const char *root, long epoch, const ckpt_file_sig *model,
		      const ckpt_file_sig *info, ckpt_verify_result result, int64_t when)
{
	char *path = ckpt_records_path(root);
	if (!path || make_folder() != 0) {
		free(path);
		return;
	}
	record rec = {.epoch = epoch, .model = *model, .info = *info, .result = result, .when = when};
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	put_record(&buf, root, &rec);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		      0600);
	struct stat st;
	/* This user's own regular file with one name: a hard link would carry
	 * the record into another file (a FIFO would block), and a cache can
	 * do without it. */
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
			st.st_uid != geteuid())) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && !buf.oom && flock(fd, LOCK_EX) == 0) {
		if (write(fd, buf.data, buf.len) == (ssize_t)buf.len && fstat(fd, &st) == 0 &&
		    st.st_size > RECORDS_COMPACT_BYTES)
			compact(fd, path, root);
		flock(fd, LOCK_UN);
	}
	if (fd >= 0)
		close(fd);
	ckpt_buf_free(&buf);
	free(path);
}

/* scan-memo.c: what a walk saw in each folder (its subfolders, or the runs
 * it holds), so that the next walk takes a folder whose identity did not
 * change from here with one lstat, instead of opening and reading it: a
 * folder's entries cannot change without its mtime changing. Entries are
 * immutable once added and shared between lists by reference. */
#include "scan-private.h"

#include <stdlib.h>
#include <string.h>

scan_memo_folder *scan_memo_folder_new(const char *rel, const ckpt_file_sig *sig,
				       const struct timespec *walk_start)
{
	scan_memo_folder *f = calloc(1, sizeof *f);
	if (!f || !(f->rel = ckpt_strdup(rel))) {
		free(f);
		return NULL;
	}
	f->refs = 1;
	f->sig = *sig;
	f->settled = sig->err == 0 && ckpt_file_sig_settled(sig, walk_start);
	return f;
}

static void folder_unref(scan_memo_folder *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (!f->packed) {
		for (size_t i = 0; i < f->n_subdirs; i++)
			free(f->subdirs[i]);
		for (size_t i = 0; i < f->n_runs; i++) {
			ckpt_run_location_clear(&f->runs[i].loc);
			free(f->runs[i].name);
			free(f->runs[i].shown);
		}
		free(f->subdirs);
		free(f->runs);
		free(f->rel);
	}
	free(f);
}

/* The strings of run r, to pack. */
#define RUN_TEXTS 5
static void run_texts(scan_memo_run *r, char **texts[RUN_TEXTS])
{
	char **all[RUN_TEXTS] = {&r->loc.root, &r->loc.folder, &r->loc.log_path, &r->name,
				 &r->shown};
	memcpy(texts, all, sizeof all);
}

scan_memo_folder *scan_memo_folder_pack(scan_memo_folder *f)
{
	char **texts[RUN_TEXTS];
	size_t chars = ckpt_pack_size(f->rel);
	for (size_t i = 0; i < f->n_subdirs; i++)
		chars += ckpt_pack_size(f->subdirs[i]);
	for (size_t i = 0; i < f->n_runs; i++) {
		run_texts(&f->runs[i], texts);
		for (size_t k = 0; k < RUN_TEXTS; k++)
			chars += ckpt_pack_size(*texts[k]);
	}
	size_t runs = f->n_runs * sizeof *f->runs, subdirs = f->n_subdirs * sizeof *f->subdirs;
	scan_memo_folder *p = malloc(sizeof *p + runs + subdirs + chars);
	if (!p)
		return f;
	*p = *f;
	p->refs = 1;
	p->packed = true;
	p->runs = f->n_runs ? memcpy(p + 1, f->runs, runs) : NULL;
	p->subdirs = f->n_subdirs ? (char **)((char *)(p + 1) + runs) : NULL;
	char *at = (char *)(p + 1) + runs + subdirs;
	p->rel = ckpt_pack_string(&at, f->rel);
	for (size_t i = 0; i < f->n_subdirs; i++)
		p->subdirs[i] = ckpt_pack_string(&at, f->subdirs[i]);
	for (size_t i = 0; i < p->n_runs; i++) {
		run_texts(&p->runs[i], texts);
		for (size_t k = 0; k < RUN_TEXTS; k++)
			*texts[k] = ckpt_pack_string(&at, *texts[k]);
	}
	folder_unref(f);
	return p;
}

void scan_memo_folder_free(scan_memo_folder *f)
{
	folder_unref(f);
}

bool scan_memo_folder_add_subdir(scan_memo_folder *f, const char *rel)
{
	char *copy = ckpt_strdup(rel);
	char **grown = copy ? reallocarray(f->subdirs, f->n_subdirs + 1, sizeof *grown) : NULL;
	if (!grown) {
		free(copy);
		return false;
	}
	f->subdirs = grown;
	f->subdirs[f->n_subdirs++] = copy;
	return true;
}

void scan_memo_folder_drop_subdirs(scan_memo_folder *f)
{
	for (size_t i = 0; i < f->n_subdirs; i++)
		free(f->subdirs[i]);
	f->n_subdirs = 0;
}

bool scan_memo_location_copy(ckpt_run_location *out, const ckpt_run_location *loc)
{
	*out = (ckpt_run_location){.root = ckpt_strdup(loc->root),
				   .folder = ckpt_strdup(loc->folder),
				   .log_path = ckpt_strdup(loc->log_path),
				   .layout = loc->layout};
	if ((loc->root && !out->root) || (loc->folder && !out->folder) ||
	    (loc->log_path && !out->log_path)) {
		ckpt_run_location_clear(out);
		return false;
	}
	return true;
}

bool scan_memo_folder_add_run(scan_memo_folder *f, const ckpt_run_location *loc,
			      const char *name, const char *shown)
{
	scan_memo_run *grown = reallocarray(f->runs, f->n_runs + 1, sizeof *grown);
	if (!grown)
		return false;
	f->runs = grown;
	scan_memo_run *r = &f->runs[f->n_runs];
	r->name = ckpt_strdup(name);
	r->shown = ckpt_strdup(shown);
	if ((name && !r->name) || !r->shown || !scan_memo_location_copy(&r->loc, loc)) {
		free(r->name);
		free(r->shown);
		return false;
	}
	f->n_runs++;
	return true;
}

bool scan_memo_add(scan_memo *m, scan_memo_folder *f)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		scan_memo_folder **grown = reallocarray(m->folders, cap, sizeof *grown);
		if (!grown)
			return false;
		m->folders = grown;
		m->cap = cap;
	}
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	m->folders[m->n++] = f;
	return true;
}

static uint64_t rel_hash(const char *rel)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)rel; *p; p++)
		h = (h ^ *p) * 0x100000001b3u;
	return h;
}

static int compare_keys(const void *a, const void *b)
{
	const scan_memo_key *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->folder < y->folder ? -1 : x->folder > y->folder;
}

/* By the hash of each rel, in one array: a refresh looks up every folder,
 * and a binary search over the names themselves would touch a dozen, each
 * gone cold since the last scan, for each. Out of memory, no key: the next
 * refresh reads every folder again. */
void scan_memo_finish(scan_memo *m)
{
	free(m->keys);
	m->keys = m->n ? malloc(m->n * sizeof *m->keys) : NULL;
	if (!m->keys)
		return;
	for (size_t i = 0; i < m->n; i++)
		m->keys[i] = (scan_memo_key){rel_hash(m->folders[i]->rel), i};
	qsort(m->keys, m->n, sizeof *m->keys, compare_keys);
}

/* The first key whose hash is not below hash. */
static size_t first_key(const scan_memo *m, uint64_t hash)
{
	size_t lo = 0, hi = m->keys ? m->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->keys[mid].hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const scan_memo_folder *scan_memo_guess(const scan_memo *m, const char *rel)
{
	size_t k = m ? first_key(m, rel_hash(rel)) : 0;
	return m && m->keys && k < m->n ? m->folders[m->keys[k].folder] : NULL;
}

const scan_memo_folder *scan_memo_find(const scan_memo *m, const char *rel)
{
	if (!m || !m->keys)
		return NULL;
	uint64_t hash = rel_hash(rel);
	for (size_t k = first_key(m, hash); k < m->n && m->keys[k].hash == hash; k++) {
		const scan_memo_folder *f = m->folders[m->keys[k].folder];
		if (strcmp(f->rel, rel) == 0)
			return f;
	}
	return NULL;
}

void scan_memo_clear(scan_memo *m)
{
	for (size_t i = 0; i < m->n; i++)
		folder_unref(m->folders[i]);
	free(m->folders);
	free(m->keys);
	memset(m, 0, sizeof *m);
}

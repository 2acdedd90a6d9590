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
	for (size_t i = 0; i < f->n_runs; i++)
		free(f->runs[i].strings);
	if (!f->packed) {
		for (size_t i = 0; i < f->n_subdirs; i++)
			free(f->subdirs[i]);
		free(f->subdirs);
		free(f->runs);
		free(f->rel);
	}
	free(f);
}

scan_memo_folder *scan_memo_folder_pack(scan_memo_folder *f)
{
	size_t chars = strlen(f->rel) + 1;
	for (size_t i = 0; i < f->n_subdirs; i++)
		chars += strlen(f->subdirs[i]) + 1;
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
	f->n_runs = 0; /* their strings are p's now */
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

/* The run's five strings in one allocation: a memo holds one entry per run,
 * and is freed with the list (see pack_epoch in run.c). */
bool scan_memo_folder_add_run(scan_memo_folder *f, const ckpt_run_location *loc,
			      const char *name, const char *shown)
{
	const char *texts[] = {loc->root, loc->folder, loc->log_path, name, shown};
	size_t chars = 0;
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		chars += texts[i] ? strlen(texts[i]) + 1 : 0;
	scan_memo_run *grown = reallocarray(f->runs, f->n_runs + 1, sizeof *grown);
	if (!grown)
		return false;
	f->runs = grown;
	char *at = malloc(chars ? chars : 1);
	if (!at)
		return false;
	scan_memo_run *r = &f->runs[f->n_runs++];
	r->strings = at;
	r->loc = (ckpt_run_location){.layout = loc->layout};
	r->loc.root = ckpt_pack_string(&at, loc->root);
	r->loc.folder = ckpt_pack_string(&at, loc->folder);
	r->loc.log_path = ckpt_pack_string(&at, loc->log_path);
	r->name = ckpt_pack_string(&at, name);
	r->shown = ckpt_pack_string(&at, shown);
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

static const char *folder_rel(size_t item, void *ctx)
{
	return ((scan_memo *)ctx)->folders[item]->rel;
}

void scan_memo_finish(scan_memo *m)
{
	(void)scan_index_build(&m->by_rel, m->n, folder_rel, m);
}

const scan_memo_folder *scan_memo_guess(const scan_memo *m, const char *rel)
{
	if (!m)
		return NULL;
	size_t k = scan_index_first(&m->by_rel, scan_index_hash(rel));
	return k < m->by_rel.n ? m->folders[m->by_rel.keys[k].item] : NULL;
}

const scan_memo_folder *scan_memo_find(const scan_memo *m, const char *rel)
{
	if (!m)
		return NULL;
	uint64_t hash = scan_index_hash(rel);
	for (size_t i = scan_index_first(&m->by_rel, hash);
	     i < m->by_rel.n && m->by_rel.keys[i].hash == hash; i++) {
		const scan_memo_folder *f = m->folders[m->by_rel.keys[i].item];
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
	scan_index_clear(&m->by_rel);
	memset(m, 0, sizeof *m);
}

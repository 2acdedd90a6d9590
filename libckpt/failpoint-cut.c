/* failpoint-cut.c: which of the changes no fsync made durable a power cut
 * keeps (failpoint-power.c applies the choice). Each change belongs to one
 * or two objects (a directory, or a file's data); a disk keeps each
 * object's changes in their order, so a consistent subset keeps a change
 * only with every earlier change of each of its objects: the subsets are
 * the down-sets of that order. They are enumerated in a fixed order when
 * there are few, else one is drawn at random from a seed. */
#include "internal.h"
#include "failpoint-model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct chooser {
	const fp_change_objects *objects;
	size_t n;
	bool *blocked; /* per object: an earlier change of it is not kept */
	bool *keep;
	long leaves, target;
	bool done;
} chooser;

static bool keepable(const chooser *c, size_t i)
{
	for (int k = 0; k < c->objects[i].n; k++)
		if (c->blocked[c->objects[i].id[k]])
			return false;
	return true;
}

/* Depth-first over the consistent subsets, leaving out before keeping, so
 * that leaf 0 keeps nothing and the last leaf keeps everything; stops at
 * leaf `target` (its choices left in keep) or after counting `target` + 1. */
static void enumerate(chooser *c, size_t i)
{
	if (c->done)
		return;
	if (i == c->n) {
		if (c->leaves++ == c->target)
			c->done = true;
		return;
	}
	const fp_change_objects *o = &c->objects[i];
	bool was[2] = {c->blocked[o->id[0]], o->n > 1 && c->blocked[o->id[1]]};
	c->keep[i] = false;
	for (int k = 0; k < o->n; k++)
		c->blocked[o->id[k]] = true;
	enumerate(c, i + 1);
	for (int k = 0; k < o->n; k++)
		c->blocked[o->id[k]] = was[k];
	if (c->done || !keepable(c, i))
		return;
	c->keep[i] = true;
	enumerate(c, i + 1);
}

static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A random consistent subset: each object keeps a random prefix of its
 * changes, and a change of two objects only when both prefixes hold it. */
static bool sample(chooser *c, size_t n_objects, long seed)
{
	uint64_t state = (uint64_t)seed * 0x2545f4914f6cdd1dULL + (uint64_t)c->n;
	size_t *count = calloc(n_objects, sizeof *count);
	size_t *cut = calloc(n_objects, sizeof *cut);
	if (!count || !cut) {
		free(count);
		free(cut);
		return false;
	}
	for (size_t i = 0; i < c->n; i++)
		for (int k = 0; k < c->objects[i].n; k++)
			count[c->objects[i].id[k]]++;
	for (size_t o = 0; o < n_objects; o++)
		cut[o] = count[o] ? (size_t)(next_random(&state) % (count[o] + 1)) : 0;
	memset(count, 0, n_objects * sizeof *count);
	for (size_t i = 0; i < c->n; i++) {
		const fp_change_objects *o = &c->objects[i];
		bool keep = keepable(c, i);
		for (int k = 0; k < o->n; k++)
			keep = keep && count[o->id[k]] < cut[o->id[k]];
		c->keep[i] = keep;
		for (int k = 0; k < o->n; k++) {
			count[o->id[k]]++;
			if (!keep)
				c->blocked[o->id[k]] = true;
		}
	}
	free(count);
	free(cut);
	return true;
}

bool fp_choose_subset(bool *keep, const fp_change_objects *objects, size_t n, size_t n_objects,
		      long index, long budget, ckpt_failpoint_cut_report *report)
{
	chooser c = {.objects = objects, .n = n, .keep = keep};
	c.blocked = calloc(n_objects ? n_objects : 1, sizeof *c.blocked);
	if (!c.blocked)
		return false;
	if (budget < 0)
		budget = 0;
	/* Count the subsets: up to budget partial ones, plus none and all. */
	c.target = budget + 2;
	enumerate(&c, 0);
	long partial = c.leaves >= 2 ? c.leaves - 2 : 0;
	bool sampled = c.done;
	memset(keep, 0, n * sizeof *keep);
	memset(c.blocked, 0, n_objects * sizeof *c.blocked);
	bool ok = true;
	if (index > 0 && sampled) {
		ok = sample(&c, n_objects, index);
	} else if (index > 0 && index <= partial) {
		c.leaves = 0;
		c.done = false;
		c.target = index;
		enumerate(&c, 0);
	}
	if (!ok)
		memset(keep, 0, n * sizeof *keep); /* keeps nothing: still consistent */
	if (report) {
		long kept = 0;
		for (size_t i = 0; i < n; i++)
			kept += keep[i];
		*report = (ckpt_failpoint_cut_report){.unsynced = (long)n,
						      .partial = sampled ? budget : partial,
						      .sampled = sampled,
						      .kept = kept};
	}
	free(c.blocked);
	return true;
}

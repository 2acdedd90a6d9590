/* scan-index.c: finding one name among thousands kept elsewhere (the
 * memo's folders) by a hash in one contiguous, sorted array: a refresh
 * looks up every folder, and a binary search over the names themselves
 * would touch a dozen strings, each gone cold since the last scan, for
 * each. */
#include "scan-private.h"

#include <stdlib.h>
#include <string.h>

uint64_t scan_index_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3u;
	return h;
}

static int compare_keys(const void *a, const void *b)
{
	const scan_index_key *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

bool scan_index_build(scan_index *index, size_t n, const char *(*name_of)(size_t item, void *ctx),
		      void *ctx)
{
	free(index->keys);
	index->keys = NULL;
	index->n = 0;
	if (n == 0)
		return true;
	if (!(index->keys = malloc(n * sizeof *index->keys)))
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *name = name_of(i, ctx);
		index->keys[index->n++] =
		    (scan_index_key){name ? scan_index_hash(name) : 0, i};
	}
	qsort(index->keys, index->n, sizeof *index->keys, compare_keys);
	return true;
}

size_t scan_index_first(const scan_index *index, uint64_t hash)
{
	size_t lo = 0, hi = index->keys ? index->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (index->keys[mid].hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void scan_index_clear(scan_index *index)
{
	free(index->keys);
	index->keys = NULL;
	index->n = 0;
}

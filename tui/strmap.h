/* strmap.h: a map from strings (copied) to pointers (borrowed), for the
 * dashboard's runs by root: open addressing, FNV-1a, tombstones. */
#ifndef CKPT_TUI_STRMAP_H
#define CKPT_TUI_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strmap strmap;

/* NULL on out-of-memory. */
strmap *strmap_new(void);
void strmap_free(strmap *map);
/* Sets key to value (replacing). -1 on out-of-memory. */
int strmap_set(strmap *map, const char *key, void *value);
/* The value, or NULL. */
void *strmap_get(const strmap *map, const char *key);
/* Removes key; returns its value, or NULL. */
void *strmap_remove(strmap *map, const char *key);
size_t strmap_count(const strmap *map);
/* Calls fn(key, value, payload) for every entry, in no order; fn must not
 * change the map. */
void strmap_each(const strmap *map, void (*fn)(const char *key, void *value, void *payload),
		 void *payload);

#endif

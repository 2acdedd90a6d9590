/* strmap.c: the string map (see strmap.h). The table doubles when it is
 * more than half full, counting tombstones, so that probes stay short. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
	char *key; /* NULL: empty; TOMBSTONE: removed */
	void *value;
} slot;

struct strmap {
	slot *slots;
	size_t cap, used, count; /* used counts tombstones too */
};

static char tombstone_mark;
#define TOMBSTONE (&tombstone_mark)

static uint64_t hash(const char *key)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *s = (const unsigned char *)key; *s; s++)
		h = (h ^ *s) * 1099511628211ULL;
	return h;
}

strmap *strmap_new(void)
{
	strmap *map = calloc(1, sizeof *map);
	if (!map)
		return NULL;
	map->cap = 64;
	map->slots = calloc(map->cap, sizeof *map->slots);
	if (!map->slots) {
		free(map);
		return NULL;
	}
	return map;
}

void strmap_free(strmap *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->cap; i++)
		if (map->slots[i].key && map->slots[i].key != TOMBSTONE)
			free(map->slots[i].key);
	free(map->slots);
	free(map);
}

/* The slot holding key, or the first free one on its probe path. */
static slot *find(const strmap *map, const char *key, bool for_insert)
{
	size_t mask = map->cap - 1, i = (size_t)hash(key) & mask;
	slot *free_slot = NULL;
	for (;;) {
		slot *s = &map->slots[i];
		if (!s->key)
			return for_insert && free_slot ? free_slot : s;
		if (s->key == TOMBSTONE) {
			if (!free_slot)
				free_slot = s;
		} else if (strcmp(s->key, key) == 0) {
			return s;
		}
		i = (i + 1) & mask;
	}
}

static int grow(strmap *map)
{
	strmap bigger = {calloc(map->cap * 2, sizeof(slot)), map->cap * 2, 0, 0};
	if (!bigger.slots)
		return -1;
	for (size_t i = 0; i < map->cap; i++) {
		slot *s = &map->slots[i];
		if (s->key && s->key != TOMBSTONE) {
			*find(&bigger, s->key, true) = *s;
			bigger.used++, bigger.count++;
		}
	}
	free(map->slots);
	*map = bigger;
	return 0;
}

int strmap_set(strmap *map, const char *key, void *value)
{
	if ((map->used + 1) * 2 > map->cap && grow(map) != 0)
		return -1;
	slot *s = find(map, key, true);
	if (s->key && s->key != TOMBSTONE) {
		s->value = value;
		return 0;
	}
	char *copy = strdup(key);
	if (!copy)
		return -1;
	if (!s->key)
		map->used++;
	s->key = copy;
	s->value = value;
	map->count++;
	return 0;
}

void *strmap_get(const strmap *map, const char *key)
{
	slot *s = find(map, key, false);
	return s->key ? s->value : NULL;
}

void *strmap_remove(strmap *map, const char *key)
{
	slot *s = find(map, key, false);
	if (!s->key)
		return NULL;
	void *value = s->value;
	free(s->key);
	s->key = TOMBSTONE;
	s->value = NULL;
	map->count--;
	return value;
}

size_t strmap_count(const strmap *map)
{
	return map->count;
}

void strmap_each(const strmap *map, void (*fn)(const char *key, void *value, void *payload),
		 void *payload)
{
	for (size_t i = 0; map && i < map->cap; i++)
		if (map->slots[i].key && map->slots[i].key != TOMBSTONE)
			fn(map->slots[i].key, map->slots[i].value, payload);
}

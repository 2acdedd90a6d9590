/* walk-floor.c: the bare C reference for a scan: finds every epochs/ folder
 * under DIR (never following links), then for each epoch opens and reads
 * its ckpt-info.json and stats its model.h5, parsing nothing. With
 * --threads N the runs are shared among N threads. Prints "runs epochs
 * bytes"; the benchmark times it as a whole process, as it does `ckpt ls`. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct work {
	char **roots; /* folders holding epochs/ */
	size_t n, cap;
	size_t next; /* taken atomically by the threads */
	unsigned long long epochs, bytes;
} work;

static void add_root(work *w, const char *path)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->roots = realloc(w->roots, w->cap * sizeof *w->roots);
		if (!w->roots)
			exit(1);
	}
	w->roots[w->n++] = strdup(path);
}

static void find_roots(work *w, const char *path, int depth)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir)
		return;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char child[4096];
		snprintf(child, sizeof child, "%s/%s", path, e->d_name);
		if (!strcmp(e->d_name, "epochs"))
			add_root(w, child);
		else if (depth < 6)
			find_roots(w, child, depth + 1);
	}
	closedir(dir);
}

/* One run's epochs: open+read each info, stat each model. */
static void read_epochs(work *w, const char *epochs)
{
	int fd = open(epochs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir)
		return;
	unsigned long long n = 0, bytes = 0;
	char buf[4096], rel[512];
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof rel, "%s/ckpt-info.json", e->d_name);
		int info = openat(fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (info >= 0) {
			ssize_t got = read(info, buf, sizeof buf);
			bytes += got > 0 ? (unsigned long long)got : 0;
			close(info);
		}
		snprintf(rel, sizeof rel, "%s/model.h5", e->d_name);
		struct stat st;
		if (fstatat(fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
			bytes += (unsigned long long)st.st_size;
		n++;
	}
	closedir(dir);
	__atomic_add_fetch(&w->epochs, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&w->bytes, bytes, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	work *w = arg;
	size_t i;
	while ((i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->n)
		read_epochs(w, w->roots[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 1;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else
			path = argv[i];
	}
	if (!path || threads < 1 || threads > 64) {
		fputs("usage: walk-floor [--threads N] DIR\n", stderr);
		return 2;
	}
	work w = {0};
	find_roots(&w, path, 0);
	pthread_t ids[64];
	for (int t = 1; t < threads; t++)
		pthread_create(&ids[t], NULL, worker, &w);
	worker(&w);
	for (int t = 1; t < threads; t++)
		pthread_join(ids[t], NULL);
	printf("%zu %llu %llu\n", w.n, w.epochs, w.bytes);
	return 0;
}

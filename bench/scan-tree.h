/* scan-tree.h: the experiment the scan benchmarks read: N runs of E epochs
 * written by libckpt's own writer (every epoch kept, no fsync), in
 * <base>/exp-GG/run-NNNNN/ckpts, a hundred runs a group. */
#ifndef SCAN_TREE_H
#define SCAN_TREE_H

/* Writes the runs in `workers` child processes; fails the program if any fails. */
void scan_tree_write(const char *base, long runs, long epochs, int workers);
/* The root of run i, caller frees with free(). */
char *scan_tree_root(const char *base, long i);
/* One more epoch (number epochs + 1) in run i, as a restarted trainer saves it. */
void scan_tree_add_epoch(const char *base, long i, long epochs);

#endif

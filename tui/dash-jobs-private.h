/* dash-jobs-private.h: what dash-jobs.c (the mailbox, the reader, starting
 * and stopping), dash-actor.c (the actor) and dash-watch.c (the scanner)
 * share. */
#ifndef CKPT_TUI_DASH_JOBS_PRIVATE_H
#define CKPT_TUI_DASH_JOBS_PRIVATE_H

#include "dash-jobs.h"
#include "strmap.h"

#include <pthread.h>

/* A run the scanner keeps: its newest snapshot and its inotify watches. */
typedef struct watched {
	char *root;
	int path;
	ckpt_run *run;
	int wd[2]; /* the root and its epochs/; -1 when not watched */
	bool dirty;
	double dirty_since;
} watched;

typedef struct request request;
typedef struct job job;

struct dash_jobs {
	dash_jobs_config config;
	char **paths;         /* copies of config.paths */
	pthread_mutex_t lock; /* guards the fields marked "shared" */
	volatile int stop;    /* every thread; also the scans' cancel flag */

	dash_msg *head, *tail; /* shared: the mailbox */
	int mail[2];           /* a byte here when the mailbox fills: the main loop wakes */

	/* the scanner */
	pthread_t scanner;
	bool scanner_started;
	int wake[2];  /* a byte here wakes it */
	char **hot;   /* shared */
	size_t n_hot; /* shared */
	char **asked; /* shared: roots to refresh and answer for */
	size_t n_asked, cap_asked;
	bool scanning;                  /* shared */
	size_t scan_runs, scan_folders; /* shared */
	int ifd;                        /* inotify, or -1 */
	strmap *watched;                /* root -> watched */
	watched **by_wd;                /* indexed by watch descriptor */
	size_t n_by_wd;
	ckpt_run_list **lists; /* per PATH, as last scanned or refreshed */
	unsigned rescans;      /* periodic re-scans so far: every Nth is thorough */

	/* the reader */
	pthread_t reader;
	bool reader_started;
	pthread_cond_t reader_wake;
	request *requests; /* shared */
	strmap *histories; /* root -> ckpt_history (the newest, a reference) */

	/* the actor */
	pthread_t actor;
	bool actor_started;
	pthread_cond_t actor_wake;
	job *job;               /* shared: the action to run, or running */
	dash_progress progress; /* shared */
	volatile int cancel;
	double action_start;
};

dash_msg *dash_msg_new(dash_msg_kind kind, const char *root);
/* Copies ckpt_error_last() into m->error with rc. */
void dash_msg_fail(dash_msg *m, int rc);
/* Hands m to the main thread. */
void dash_post(dash_jobs *j, dash_msg *m);

/* dash-actor.c: the actor's thread, and dropping an action never run. */
void *dash_actor_main(void *payload);
void dash_actor_forget(dash_jobs *j);

/* dash-watch.c: the scanner's thread, and freeing what it kept. */
void *dash_scanner_main(void *payload);
void dash_scanner_free(dash_jobs *j);

#endif

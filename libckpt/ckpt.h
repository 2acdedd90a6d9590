/* ckpt.h: the public API of libckpt, the CANDLE-compatible checkpoint engine.
 *
 * Conventions: every call returns 0 or a negative CKPT_E* code and leaves a
 * per-thread message in ckpt_error_last(); out-parameters come first and are
 * named out; callbacks take `void *payload` last; *_free accepts NULL.
 * Epoch numbers are always 1-based, as on disk. */
#ifndef CKPT_H
#define CKPT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CKPT_BUILDING_LIBRARY)
#define CKPT_API __attribute__((visibility("default")))
#else
#define CKPT_API
#endif

#define CKPT_VERSION_MAJOR 0
#define CKPT_VERSION_MINOR 1
#define CKPT_VERSION_MICRO 0
#define CKPT_VERSION_STRING "0.1.0"

/* ---- errors ----------------------------------------------------------- */

enum {
	CKPT_OK = 0,
	CKPT_EINVAL = -1,     /* a bad parameter or argument */
	CKPT_EIO = -2,        /* an I/O or permission error */
	CKPT_ENOENT = -3,     /* a file, run or epoch that is not there */
	CKPT_EFORMAT = -4,    /* a file that does not follow its format */
	CKPT_ELOCKED = -5,    /* another process (a writer) holds the run's lock */
	CKPT_ECHECKSUM = -6,  /* a stored checksum does not match the model */
	CKPT_ECANCELLED = -7, /* the caller's cancel flag was raised */
	CKPT_EUNSAFE = -8,    /* refused: the operation would lose or damage data */
	CKPT_ENOMEM = -9,
	CKPT_ECALLBACK = -10, /* the trainer's model writer or loader failed */
};

/* Borrowed; valid until the next libckpt call on this thread. Names the file
 * or key and the rule, e.g. "epochs/028/ckpt-info.json: line 1: ...". */
CKPT_API const char *ckpt_error_last(void);
/* Borrowed, static: a short name for a CKPT_E* code ("locked", "io"...). */
CKPT_API const char *ckpt_error_name(int code);
/* Borrowed, static: CKPT_VERSION_STRING of the library actually loaded. */
CKPT_API const char *ckpt_version(void);

/* ---- progress and cancellation for long calls ------------------------- */

typedef struct ckpt_progress {
	/* Called now and then from the calling thread; may be NULL. `stage` is
	 * borrowed for the call ("verify 028", "scan"). total is 0 when unknown. */
	void (*fn)(const char *stage, uint64_t done, uint64_t total, void *payload);
	void *payload;
	/* When non-NULL and *cancel becomes nonzero (from any thread), the call
	 * stops soon and returns CKPT_ECANCELLED, leaving files as they were. */
	const volatile int *cancel;
} ckpt_progress;

/* ---- parameters (SPEC §1) --------------------------------------------- */

typedef struct ckpt_params ckpt_params;

/* Caller frees with ckpt_params_free. */
CKPT_API int ckpt_params_new(ckpt_params **out);
CKPT_API void ckpt_params_free(ckpt_params *params);
/* Set from text, as a config file or --key=value word gives it; checked by
 * type when the writer is made (or by ckpt_params_check). */
CKPT_API int ckpt_params_set(ckpt_params *params, const char *key, const char *value);
CKPT_API int ckpt_params_set_int(ckpt_params *params, const char *key, long long value);
CKPT_API int ckpt_params_set_double(ckpt_params *params, const char *key, double value);
CKPT_API int ckpt_params_set_bool(ckpt_params *params, const char *key, int value);
CKPT_API int ckpt_params_unset(ckpt_params *params, const char *key);
/* A JSON object file: {"epochs": 30, "ckpt_keep_limit": "5", ...}. */
CKPT_API int ckpt_params_load_json(ckpt_params *params, const char *path);
/* A CANDLE config file: INI sections, `key = python-literal` lines. */
CKPT_API int ckpt_params_load_config(ckpt_params *params, const char *path);
/* Words of the form --key=value (or --key value); words that are not
 * parameters are left alone. *out_used counts the words consumed. */
CKPT_API int ckpt_params_parse_args(ckpt_params *params, int argc, char *const argv[],
				    int *out_used);
/* Checks every known key by type and allowed values. */
CKPT_API int ckpt_params_check(const ckpt_params *params);
/* Text form of a key's value (unknown keys too); borrowed until the next
 * change of params; NULL with CKPT_ENOENT when unset. */
CKPT_API int ckpt_params_get(const ckpt_params *params, const char *key, const char **out);

/* ---- the writer: CANDLE's CandleCkpt (SPEC §2, §3, §5, §6, §7) -------- */

typedef struct ckpt_writer ckpt_writer;

/* Write the model to `path` (a file inside the staging dir); return 0 on
 * success, nonzero on failure. */
typedef int (*ckpt_model_write_fn)(const char *path, void *payload);
/* Load the model from `path` at restart; return 0 on success. */
typedef int (*ckpt_model_load_fn)(const char *path, void *payload);

typedef struct ckpt_metric {
	const char *name; /* borrowed for the call */
	double value;
} ckpt_metric;

typedef struct ckpt_epoch_result {
	long epoch;        /* 1-based */
	int saved;         /* this epoch was written */
	int became_best;   /* this epoch improved the tracked metric */
	long best_epoch;   /* 0 while no best this session */
	double best_value; /* the best so far (may be +-inf) */
	int deleted_count; /* epochs removed by retention in this call */
} ckpt_epoch_result;

typedef struct ckpt_restart_info {
	int restarted;           /* 0: start from scratch */
	long epoch;              /* the epoch loaded; training resumes after it */
	double best_metric_last; /* taken as the best so far */
	char model_path[4096];   /* the model that was handed to the loader */
} ckpt_restart_info;

/* Checks params, creates the root and takes the run's writer lock (refused
 * with CKPT_ELOCKED when another writer holds it). Caller frees with
 * ckpt_writer_free, which releases the lock. */
CKPT_API int ckpt_writer_new(ckpt_writer **out, const ckpt_params *params);
CKPT_API void ckpt_writer_free(ckpt_writer *writer);
/* The trainer's model writer (required before saving) and loader. */
CKPT_API void ckpt_writer_set_model_io(ckpt_writer *writer, ckpt_model_write_fn write_fn,
				       ckpt_model_load_fn load_fn, void *payload);
/* Borrowed, valid for the writer's life: the checkpoint root. */
CKPT_API const char *ckpt_writer_root(const ckpt_writer *writer);
/* SPEC §5. On a restart, the writer takes best_metric_last as its best. */
CKPT_API int ckpt_writer_restart(ckpt_writer *writer, ckpt_restart_info *out);
/* After each epoch: epoch0 is 0-based; direction '-' or '+'; extra metrics
 * (may be NULL) are recorded in the history and ckpt-info.json. */
CKPT_API int ckpt_writer_epoch(ckpt_writer *writer, long epoch0, char direction, double value,
			       const ckpt_metric *extra, size_t n_extra, ckpt_epoch_result *out);
/* Logs the kept checkpoints, as the original's report_final. */
CKPT_API int ckpt_writer_report_final(ckpt_writer *writer);

/* ---- reading runs ----------------------------------------------------- */

typedef enum {
	CKPT_LAYOUT_CANDLE,        /* <run>/ckpts/{ckpt.log,epochs,...} */
	CKPT_LAYOUT_CANDLE_LEGACY, /* <run>/save/ckpt.log + <run>/save/ckpts/... */
} ckpt_layout;

typedef enum {
	CKPT_LINK_OK,         /* resolves to an epoch of this run */
	CKPT_LINK_RELOCATED,  /* absolute target gone, its epochs/NNN exists here */
	CKPT_LINK_OUTSIDE,    /* resolves to something that is not this run's epoch; the
			       * epoch is still given when an absolute target's
			       * epochs/NNN exists here (a copy of a run) */
	CKPT_LINK_DANGLING,   /* resolves to nothing usable */
	CKPT_LINK_MISSING,    /* no link */
	CKPT_LINK_NOT_A_LINK, /* a file or directory where the link should be */
} ckpt_link_state;

typedef enum {
	CKPT_INFO_OK,
	CKPT_INFO_MISSING, /* no ckpt-info.json */
	CKPT_INFO_INVALID, /* unreadable or not the original's format */
} ckpt_info_state;

/* One epoch directory as read. Borrowed from its run; valid while the run is. */
typedef struct ckpt_epoch {
	long epoch;
	const char *dir; /* "030" */
	ckpt_info_state info;
	const char *info_error; /* why INVALID, else NULL */
	int64_t model_bytes;    /* -1: no regular model.h5 */
	const char *checksum;   /* as stored ("123", "sha256:...", "__DISABLED__") or NULL */
	int has_best_metric_last;
	double best_metric_last;
	const char *timestamp; /* or NULL */
	int has_time_elapsed;  /* 0 also for "__FIRST__" */
	double time_elapsed;
	int first_save;               /* time_elapsed was "__FIRST__": its writer's first save */
	const char *metadata;         /* or NULL (null) */
	const char *save_best_metric; /* or NULL */
	int has_metric;               /* the tracked metric of this epoch (history/log) */
	double metric;
} ckpt_epoch;

typedef struct ckpt_writer_info {
	long pid;
	const char *host;
	const char *since; /* "%Y-%m-%d %H:%M:%S" local time */
} ckpt_writer_info;

/* An immutable snapshot of one run; any thread may read it while another
 * makes a refreshed one. Reference counted. */
typedef struct ckpt_run ckpt_run;

/* `path`: a checkpoint root, or a run folder holding ckpts/ or save/ckpts/.
 * Caller releases with ckpt_run_unref. */
CKPT_API int ckpt_run_open(ckpt_run **out, const char *path);
/* A new snapshot of the same run that re-reads only what changed on disk
 * (unchanged epochs are shared with `old`). Caller releases with unref. */
CKPT_API int ckpt_run_refresh(ckpt_run **out, ckpt_run *old);
CKPT_API ckpt_run *ckpt_run_ref(ckpt_run *run);
CKPT_API void ckpt_run_unref(ckpt_run *run);

/* All strings below are borrowed, valid while the run is. */
CKPT_API const char *ckpt_run_name(const ckpt_run *run);   /* see `ckpt ls` */
CKPT_API const char *ckpt_run_root(const ckpt_run *run);   /* absolute; holds epochs/ */
CKPT_API const char *ckpt_run_folder(const ckpt_run *run); /* absolute run folder */
CKPT_API ckpt_layout ckpt_run_layout(const ckpt_run *run);
CKPT_API const char *ckpt_run_metric(const ckpt_run *run); /* or NULL */
CKPT_API char ckpt_run_direction(const ckpt_run *run);     /* '-', '+' or 0 when unknown */
CKPT_API long ckpt_run_best(const ckpt_run *run);          /* 0 when none */
CKPT_API ckpt_link_state ckpt_run_best_state(const ckpt_run *run);
CKPT_API long ckpt_run_last(const ckpt_run *run);
CKPT_API ckpt_link_state ckpt_run_last_state(const ckpt_run *run);
CKPT_API int ckpt_run_work_leftover(const ckpt_run *run);
CKPT_API size_t ckpt_run_stray_count(const ckpt_run *run);
CKPT_API const char *ckpt_run_stray(const ckpt_run *run, size_t i); /* sorted */
/* NULL when no writer holds the lock ("training live" otherwise). */
CKPT_API const ckpt_writer_info *ckpt_run_writer(const ckpt_run *run);
CKPT_API size_t ckpt_run_epoch_count(const ckpt_run *run);
CKPT_API const ckpt_epoch *ckpt_run_epoch(const ckpt_run *run, size_t i); /* by epoch */
CKPT_API const ckpt_epoch *ckpt_run_find_epoch(const ckpt_run *run, long epoch);
CKPT_API uint64_t ckpt_run_total_bytes(const ckpt_run *run);
/* Why part of the run could not be read (e.g. "epochs: is a symbolic link;
 * not followed"), or NULL; borrowed, valid while the run is. */
CKPT_API const char *ckpt_run_problem(const ckpt_run *run);

/* Derived views, so that every front end shows the same thing. */
/* 1 when the epoch has a valid ckpt-info.json and a regular model.h5. */
CKPT_API int ckpt_epoch_is_complete(const ckpt_epoch *epoch);
CKPT_API size_t ckpt_run_incomplete_count(const ckpt_run *run);
/* 1 and *out set when the best epoch's tracked metric is known. */
CKPT_API int ckpt_run_best_metric(const ckpt_run *run, double *out);

CKPT_API const char *ckpt_link_state_name(ckpt_link_state state); /* "ok", "relocated"... */
CKPT_API const char *ckpt_info_state_name(ckpt_info_state state); /* "ok", "missing", "invalid" */
CKPT_API const char *ckpt_layout_name(ckpt_layout layout);        /* "candle", "candle-legacy" */

/* A set of runs found under a folder. */
typedef struct ckpt_run_list ckpt_run_list;

/* Finds runs under `path` (a root, a run, or any folder above many runs),
 * at most max_depth folders down (<= 0: a default of 6), never following
 * symlinked directories. Runs are sorted by name; names are relative to path.
 * Unreadable runs are skipped and counted in ckpt_run_list_problems. */
CKPT_API int ckpt_scan(ckpt_run_list **out, const char *path, int max_depth,
		       const ckpt_progress *progress);
CKPT_API void ckpt_run_list_free(ckpt_run_list *list);
CKPT_API size_t ckpt_run_list_count(const ckpt_run_list *list);
/* Borrowed from the list; take a ref to keep it longer. */
CKPT_API ckpt_run *ckpt_run_list_get(const ckpt_run_list *list, size_t i);
CKPT_API size_t ckpt_run_list_problems(const ckpt_run_list *list);
/* Borrowed: "path: cause" of the i-th run that could not be read. */
CKPT_API const char *ckpt_run_list_problem(const ckpt_run_list *list, size_t i);

/* The whole run as JSON in the `ckpt ls --json` form. Caller frees with free(). */
CKPT_API int ckpt_run_to_json(char **out, const ckpt_run *run);

/* ---- metric history --------------------------------------------------- */

typedef struct ckpt_history_point {
	long epoch;
	int has_value;
	double value;
	int saved;
	int became_best;
	int session;      /* 0, 1, ...: a writer session (restart = new) */
	const char *time; /* or NULL */
	size_t n_extra;
	const ckpt_metric *extra;
} ckpt_history_point;

typedef struct ckpt_history ckpt_history;

/* From R/metrics.jsonl, or for the original's runs from ckpt.log.
 * Caller frees with ckpt_history_free. */
CKPT_API int ckpt_history_load(ckpt_history **out, const ckpt_run *run);
CKPT_API void ckpt_history_free(ckpt_history *history);
CKPT_API size_t ckpt_history_count(const ckpt_history *history);
CKPT_API const ckpt_history_point *ckpt_history_get(const ckpt_history *history, size_t i);
CKPT_API size_t ckpt_history_session_count(const ckpt_history *history);
CKPT_API const char *ckpt_history_metric(const ckpt_history *history); /* or NULL */
CKPT_API char ckpt_history_direction(const ckpt_history *history);     /* or 0 */

/* ---- checksums and verify (SPEC §4) ----------------------------------- */

typedef enum {
	CKPT_CHECKSUM_CRC32,
	CKPT_CHECKSUM_SHA256,
} ckpt_checksum_algorithm;

/* The stored text form of a file's checksum: "<decimal crc32>" or
 * "sha256:<hex>". out must hold 80 bytes. */
CKPT_API int ckpt_checksum_file(char out[80], const char *path, ckpt_checksum_algorithm algorithm,
				const ckpt_progress *progress);

typedef enum {
	CKPT_VERIFY_OK,
	CKPT_VERIFY_MISMATCH,
	CKPT_VERIFY_MISSING_MODEL,
	CKPT_VERIFY_NO_CHECKSUM,
	CKPT_VERIFY_NO_INFO,
	CKPT_VERIFY_UNREADABLE,
	CKPT_VERIFY_GONE, /* the epoch directory was removed since the snapshot (live retention) */
} ckpt_verify_result;

CKPT_API const char *ckpt_verify_result_name(ckpt_verify_result result); /* "ok", "mismatch"... */
CKPT_API int ckpt_verify_epoch(ckpt_verify_result *out, const ckpt_run *run, long epoch,
			       const ckpt_progress *progress);
/* out has ckpt_run_epoch_count(run) entries, in the run's epoch order. */
CKPT_API int ckpt_verify_run(ckpt_verify_result *out, const ckpt_run *run,
			     const ckpt_progress *progress);

/* ---- browser operations: roll back, clean, relink --------------------- */

enum {
	CKPT_FLAG_FORCE = 1 << 0,   /* roll back to an epoch that fails its checks */
	CKPT_FLAG_DRY_RUN = 1 << 1, /* decide and report, change nothing */
};

/* Re-points `last` at `epoch` (atomically, relative target) so that the next
 * restart loads it. Refuses (CKPT_EUNSAFE) an incomplete epoch or one whose
 * checksum fails, unless CKPT_FLAG_FORCE. `out` (may be NULL) says what a
 * restart would then load. */
CKPT_API int ckpt_rollback(ckpt_restart_info *out, const ckpt_run *run, long epoch, unsigned flags);

typedef enum {
	CKPT_KEEP_LINEAR,
	CKPT_KEEP_ALL,
	CKPT_KEEP_EXPONENTIAL,
} ckpt_keep_mode;

/* ckpt_keep_limit's default (SPEC §1), also the browser clean's default. */
#define CKPT_DEFAULT_KEEP_LIMIT 5

typedef enum {
	CKPT_CLEAN_KEEP_LAST,        /* the target of `last` */
	CKPT_CLEAN_KEEP_BEST,        /* the target of `best` */
	CKPT_CLEAN_KEEP_LIMIT,       /* among the newest within the keep limit */
	CKPT_CLEAN_KEEP_EXPONENTIAL, /* kept by the exponential spread */
	CKPT_CLEAN_KEEP_ALL,         /* mode all */
	CKPT_CLEAN_DELETE,           /* beyond the limit */
} ckpt_clean_reason;

typedef struct ckpt_clean_item {
	long epoch;
	int keep;
	ckpt_clean_reason reason;
	uint64_t bytes; /* on disk */
} ckpt_clean_item;

typedef struct ckpt_clean_plan ckpt_clean_plan;

CKPT_API const char *
ckpt_clean_reason_name(ckpt_clean_reason reason); /* "last", "best", "limit"... */
/* Decides, changes nothing. keep_limit > 0. Caller frees with ckpt_clean_plan_free. */
CKPT_API int ckpt_clean_plan_new(ckpt_clean_plan **out, const ckpt_run *run, long keep_limit,
				 ckpt_keep_mode mode);
CKPT_API void ckpt_clean_plan_free(ckpt_clean_plan *plan);
CKPT_API size_t ckpt_clean_plan_count(const ckpt_clean_plan *plan);
CKPT_API const ckpt_clean_item *ckpt_clean_plan_item(const ckpt_clean_plan *plan, size_t i);
CKPT_API uint64_t ckpt_clean_plan_bytes_freed(const ckpt_clean_plan *plan);
/* Whether applying also removes a leftover work/ (only when no writer is live). */
CKPT_API int ckpt_clean_plan_removes_work(const ckpt_clean_plan *plan);
/* Applies the plan under the run's lock; refuses if best/last moved since. */
CKPT_API int ckpt_clean_apply(const ckpt_clean_plan *plan, const ckpt_progress *progress);

/* Rewrites relocated or absolute best/last as relative links. *out_changed
 * (may be NULL) counts the links rewritten. */
CKPT_API int ckpt_relink(int *out_changed, const ckpt_run *run);

#ifdef __cplusplus
}
#endif
#endif

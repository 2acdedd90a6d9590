/* ckpt.h: the public API of libckpt 0.2, the CANDLE-compatible checkpoint engine.
 *
 * Conventions
 * - Calls that can fail return 0 or a negative CKPT_E* code and leave a
 *   per-thread message in ckpt_error_last(); calls that answer a question
 *   return bool (never a status code). Out-parameters come first and are
 *   named out; callbacks take `void *payload` last; every *_free and
 *   *_unref accepts NULL.
 * - Epoch numbers are int64_t and 1-based, as on disk; writer sessions are
 *   numbered from 1 too.
 * - Strings the library returns are borrowed unless the declaration says
 *   "caller frees with ckpt_free". They are the bytes found on disk: escape
 *   them with ckpt_escape before showing them on a terminal.
 * - Binding safety: objects are opaque and read through accessors. The few
 *   structs in this header are either frozen (ckpt_metric, ckpt_progress) or
 *   begin with `size` and only ever grow at the end: a caller sets size to
 *   the sizeof it was compiled with, and the library fills no more than that
 *   (ckpt_epoch_result); structs the library hands to callbacks carry the
 *   library's size (ckpt_progress_event, ckpt_verify_item).
 *   ckpt_struct_size() tells a binding the library's sizes at run time.
 *
 * Threads
 * - ckpt_run, ckpt_run_list, ckpt_history, ckpt_clean_plan and ckpt_restart
 *   are immutable once made: any number of threads may read one at the same
 *   time, and ref/unref/free it from any thread (not while another thread
 *   still reads a freed one). Refreshing makes a new object and leaves the
 *   old one valid, so a worker thread may refresh while the UI thread draws.
 * - A ckpt_writer or a ckpt_params is used by one thread at a time.
 * - The long calls (scan, refresh, verify, clean, rollback, relink) may run
 *   on any thread, at the same time as each other and as readers; those that
 *   change a run take its lock and refuse (CKPT_ELOCKED) while a writer
 *   holds it. Progress and result callbacks are called on the thread that
 *   made the call, before it returns.
 * - ckpt_error_last() and ckpt_error_set() are per thread. */
#ifndef CKPT_H
#define CKPT_H

#include <stdbool.h>
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
#define CKPT_VERSION_MINOR 2
#define CKPT_VERSION_MICRO 0
#define CKPT_VERSION_STRING "0.2.0"

/* ---- errors, memory, versions ------------------------------------------ */

enum {
	CKPT_OK = 0,
	CKPT_EINVAL = -1,     /* a bad parameter or argument */
	CKPT_EIO = -2,        /* an I/O or permission error */
	CKPT_ENOENT = -3,     /* a file, run or epoch that is not there */
	CKPT_EFORMAT = -4,    /* a file that does not follow its format */
	CKPT_ELOCKED = -5,    /* another process (a writer) holds the run's lock */
	CKPT_ECHECKSUM = -6,  /* a stored checksum does not match the model */
	CKPT_ECANCELLED = -7, /* cancelled by the flag or a callback's return value */
	CKPT_EUNSAFE = -8,    /* refused for good: it would lose or damage data */
	CKPT_ENOMEM = -9,
	CKPT_ECALLBACK = -10, /* the trainer's model writer or loader failed */
	CKPT_EREFUSED = -11,  /* refused, but the caller may insist (CKPT_FLAG_FORCE) */
	CKPT_EAMBIGUOUS = -12 /* a folder holds two checkpoint roots: name one */
};

/* Borrowed; valid until the next libckpt call on this thread. Names the file
 * or key and the rule, e.g. "epochs/028/ckpt-info.json: line 1: ...". */
CKPT_API const char *ckpt_error_last(void);
/* Sets this thread's message. For a model writer or loader callback (a
 * Python one, say) to tell why it failed before it returns nonzero: the
 * library's CKPT_ECALLBACK message then ends with this text. */
CKPT_API void ckpt_error_set(const char *message);
/* Borrowed, static: a short name for a CKPT_E* code ("locked", "refused"...). */
CKPT_API const char *ckpt_error_name(int code);
/* Frees what the library allocated for the caller (text it returned). */
CKPT_API void ckpt_free(void *pointer);
/* Borrowed, static: CKPT_VERSION_STRING of the library actually loaded. */
CKPT_API const char *ckpt_version(void);
/* Borrowed, static: the CRC-32 code this library runs on this CPU, for
 * reports of speed ("vpclmulqdq, isa-l", "isa-l", "pclmul", "zlib"...);
 * every one gives zlib's value. */
CKPT_API const char *ckpt_crc32_implementation(void);
/* The library's sizeof of a public struct named by its type name
 * ("ckpt_epoch_result", "ckpt_progress_event", "ckpt_verify_item",
 * "ckpt_progress", "ckpt_metric"); 0 for any other name. */
CKPT_API size_t ckpt_struct_size(const char *name);

/* ---- text for people ---------------------------------------------------- */

enum {
	/* Also escape every non-ASCII character (for a terminal that is not
	 * UTF-8, LANG=C): é becomes \u00e9. */
	CKPT_ESCAPE_ASCII = 1 << 0,
};

/* Makes text safe to show: control characters (C0, DEL, C1), bidirectional
 * overrides and bytes that are not UTF-8 become visible escapes (\n, \t,
 * \x1b, \u202e, \xff) and a backslash becomes \\; nothing else changes.
 * Writes at most size bytes with a final NUL and returns the length the
 * whole escaped text needs (like snprintf), but cuts only between whole
 * characters and escapes, so what it writes is always valid and
 * unambiguous. NULL text is "". */
CKPT_API size_t ckpt_escape(char *out, size_t size, const char *text, unsigned flags);
/* The same, allocated. Caller frees with ckpt_free; NULL on out-of-memory. */
CKPT_API char *ckpt_escape_dup(const char *text, unsigned flags);

/* Room for any number ckpt_format_number writes. */
#define CKPT_NUMBER_TEXT_MAX 32
/* The shortest text that reads back as the same double ("0.1",
 * "0.21000000000000002", "1e-07"), in the C locale whatever the program's;
 * "inf", "-inf", "nan" for the others. Returns out. */
CKPT_API const char *ckpt_format_number(char out[CKPT_NUMBER_TEXT_MAX], double value);
/* How many significant digits that shortest text has (1..17), the
 * precision for "%.*g" that still reads back exactly; 0 for inf and nan. */
CKPT_API int ckpt_number_digits(double value);

/* ---- progress and cancellation for long calls --------------------------- */

typedef enum {
	CKPT_STAGE_SCAN,     /* finding runs: done = runs read so far, items = folders seen */
	CKPT_STAGE_VERIFY,   /* hashing models: done/total = bytes of the whole call,
			      * items = epochs finished / to verify */
	CKPT_STAGE_CLEAN,    /* deleting epochs: done/total = epochs */
	CKPT_STAGE_CHECKSUM, /* one file: done/total = bytes */
} ckpt_stage;

/* Handed to a progress callback; valid for that call only. */
typedef struct ckpt_progress_event {
	size_t size; /* the library's sizeof(ckpt_progress_event) */
	ckpt_stage stage;
	const char *run; /* the run's name, or NULL */
	int64_t epoch;   /* the epoch being worked on, 0 when none */
	uint64_t done, total;             /* see ckpt_stage; total 0 when unknown */
	uint64_t items_done, items_total; /* see ckpt_stage */
} ckpt_progress_event;

/* Return 0 to go on; anything else cancels the call (CKPT_ECANCELLED). */
typedef int (*ckpt_progress_fn)(const ckpt_progress_event *event, void *payload);

/* Frozen: no field will be added. Every member may be 0/NULL. */
typedef struct ckpt_progress {
	ckpt_progress_fn fn; /* called now and then, and at the end of each stage */
	void *payload;
	/* When *cancel becomes nonzero (from any thread, or a signal handler),
	 * the call stops at the next safe point and returns CKPT_ECANCELLED. */
	const volatile int *cancel;
} ckpt_progress;

/* ---- parameters (SPEC §1) ----------------------------------------------- */

typedef struct ckpt_params ckpt_params;

/* Caller frees with ckpt_params_free. */
CKPT_API int ckpt_params_new(ckpt_params **out);
CKPT_API void ckpt_params_free(ckpt_params *params);
/* Set from text, as a config file or --key=value word gives it; checked by
 * type when the writer is made (or by ckpt_params_check). */
CKPT_API int ckpt_params_set(ckpt_params *params, const char *key, const char *value);
CKPT_API int ckpt_params_set_int(ckpt_params *params, const char *key, int64_t value);
CKPT_API int ckpt_params_set_double(ckpt_params *params, const char *key, double value);
CKPT_API int ckpt_params_set_bool(ckpt_params *params, const char *key, bool value);
/* JSON null / Python None: "not given" (for metadata: written as null). */
CKPT_API int ckpt_params_set_null(ckpt_params *params, const char *key);
CKPT_API int ckpt_params_unset(ckpt_params *params, const char *key);
/* A JSON object file: {"epochs": 30, "ckpt_keep_limit": "5", ...}. */
CKPT_API int ckpt_params_load_json(ckpt_params *params, const char *path);
/* A CANDLE config file: INI sections, `key = python-literal` lines. */
CKPT_API int ckpt_params_load_config(ckpt_params *params, const char *path);
/* Words of the form --key=value (or --key value); words that are not
 * parameters are left alone. *out_used (may be NULL) counts the words taken. */
CKPT_API int ckpt_params_parse_args(int *out_used, ckpt_params *params, int argc,
				    char *const argv[]);
/* Checks every known key by type and allowed values. */
CKPT_API int ckpt_params_check(const ckpt_params *params);
/* Text form of a key's value (unknown keys too); borrowed until the next
 * change of params. CKPT_ENOENT (and *out NULL) when unset. */
CKPT_API int ckpt_params_get(const char **out, const ckpt_params *params, const char *key);

/* ---- the writer: CANDLE's CandleCkpt (SPEC §2, §3, §5, §6, §7) ---------- */

typedef struct ckpt_writer ckpt_writer;

/* Write the model to `path` (a file inside the staging dir); return 0 on
 * success, nonzero on failure (after ckpt_error_set to say why). */
typedef int (*ckpt_model_write_fn)(const char *path, void *payload);
/* Load the model from `path` at restart; return 0 on success. */
typedef int (*ckpt_model_load_fn)(const char *path, void *payload);

/* An extra metric of an epoch. Frozen. */
typedef struct ckpt_metric {
	const char *name; /* borrowed for the call */
	double value;
} ckpt_metric;

/* What ckpt_writer_epoch decided. Set size = sizeof(ckpt_epoch_result)
 * before the call; fields are only ever added at the end. */
typedef struct ckpt_epoch_result {
	size_t size;
	int64_t epoch;        /* 1-based */
	bool saved;           /* this epoch was written */
	bool became_best;     /* this epoch improved the tracked metric */
	int64_t best_epoch;   /* 0 while no best this session */
	double best_value;    /* the best so far (may be +-inf) */
	size_t deleted_count; /* epochs removed by retention in this call (a follower: 0) */
} ckpt_epoch_result;

enum {
	/* Decide every epoch and restart exactly as the writer of the run does,
	 * but write nothing and take no lock: for the ranks of a distributed
	 * job other than the one that writes. */
	CKPT_WRITER_FOLLOWER = 1 << 0,
};

/* Checks params, creates the root and takes the run's writer lock (refused
 * with CKPT_ELOCKED when another writer holds it). Caller frees with
 * ckpt_writer_free, which releases the lock. */
CKPT_API int ckpt_writer_new(ckpt_writer **out, const ckpt_params *params, unsigned flags);
CKPT_API void ckpt_writer_free(ckpt_writer *writer);
/* The trainer's model writer (required before saving) and loader. */
CKPT_API void ckpt_writer_set_model_io(ckpt_writer *writer, ckpt_model_write_fn write_fn,
				       ckpt_model_load_fn load_fn, void *payload);
/* Borrowed, valid for the writer's life: the checkpoint root. */
CKPT_API const char *ckpt_writer_root(const ckpt_writer *writer);

/* What a restart loads (or a rollback makes the next restart load).
 * Caller frees with ckpt_restart_free. */
typedef struct ckpt_restart ckpt_restart;
CKPT_API void ckpt_restart_free(ckpt_restart *restart);
/* false: nothing to resume from; start from scratch. */
CKPT_API bool ckpt_restart_resumed(const ckpt_restart *restart);
/* The epoch loaded; training resumes after it. 0 when not resumed. */
CKPT_API int64_t ckpt_restart_epoch(const ckpt_restart *restart);
/* Taken as the best so far; NaN when unknown. */
CKPT_API double ckpt_restart_best_metric_last(const ckpt_restart *restart);
/* Borrowed, valid while restart is: the model handed to the loader. */
CKPT_API const char *ckpt_restart_model_path(const ckpt_restart *restart);
/* Borrowed: the epoch's ckpt-info.json text as read (the JSON the
 * original's restart() returns), or NULL when it had none. */
CKPT_API const char *ckpt_restart_info_json(const ckpt_restart *restart);

/* SPEC §5. On a restart, the writer takes best_metric_last as its best.
 * *out is always set (not resumed when there was nothing to load). */
CKPT_API int ckpt_writer_restart(ckpt_restart **out, ckpt_writer *writer);
/* After each epoch: epoch0 is 0-based; direction '-' or '+'; extra metrics
 * (may be NULL) are recorded in the history and ckpt-info.json. out may be NULL. */
CKPT_API int ckpt_writer_epoch(ckpt_epoch_result *out, ckpt_writer *writer, int64_t epoch0,
			       char direction, double value, const ckpt_metric *extra,
			       size_t n_extra);
/* Logs the kept checkpoints, as the original's report_final. */
CKPT_API int ckpt_writer_report_final(ckpt_writer *writer);
/* The epochs this writer saved and retention still keeps, ascending (the
 * original's report_final list). */
CKPT_API size_t ckpt_writer_kept_count(const ckpt_writer *writer);
CKPT_API int64_t ckpt_writer_kept(const ckpt_writer *writer, size_t i);

/* The checkpoint root a trainer should write for `path`: the root path is
 * (or holds: ckpts/, the legacy save/ckpts/), else path/ckpts for a new run.
 * CKPT_EAMBIGUOUS when path holds both roots. Caller frees with ckpt_free. */
CKPT_API int ckpt_root_for(char **out, const char *path);

/* ---- reading runs ------------------------------------------------------- */

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
	CKPT_LINK_DANGLING,   /* resolves to nothing usable; the epoch its target names
			       * (".../epochs/NNN") is still given */
	CKPT_LINK_MISSING,    /* no link */
	CKPT_LINK_NOT_A_LINK, /* a file or directory where the link should be */
} ckpt_link_state;

typedef enum {
	CKPT_INFO_OK,
	CKPT_INFO_MISSING,    /* no ckpt-info.json */
	CKPT_INFO_INVALID,    /* not the original's format (see ckpt_epoch_info_error) */
	CKPT_INFO_UNREADABLE, /* there, but we may not read it (permissions, I/O) */
} ckpt_info_state;

typedef enum {
	CKPT_MODEL_OK,          /* a regular model.h5 */
	CKPT_MODEL_MISSING,     /* none */
	CKPT_MODEL_NOT_REGULAR, /* a link, directory or device in its place */
	CKPT_MODEL_UNREADABLE,  /* cannot be looked at (permissions, I/O) */
} ckpt_model_state;

typedef enum {
	CKPT_CHECKSUM_KIND_NONE,     /* no checksum stored (or no ckpt-info.json) */
	CKPT_CHECKSUM_KIND_DISABLED, /* the writer ran with ckpt_checksum off */
	CKPT_CHECKSUM_KIND_CRC32,    /* the original's decimal zlib CRC-32 */
	CKPT_CHECKSUM_KIND_SHA256,   /* "sha256:<hex>" */
	CKPT_CHECKSUM_KIND_UNKNOWN,  /* some other text, which verifies as a mismatch */
} ckpt_checksum_kind;

typedef enum {
	CKPT_VERIFY_OK,
	CKPT_VERIFY_MISMATCH,
	CKPT_VERIFY_MISSING_MODEL,
	CKPT_VERIFY_NO_CHECKSUM,
	CKPT_VERIFY_NO_INFO,
	CKPT_VERIFY_UNREADABLE,
	CKPT_VERIFY_GONE, /* the epoch directory was removed since the snapshot (live retention) */
} ckpt_verify_result;

/* What this user's last verify of an epoch found (libckpt remembers it in
 * $XDG_CACHE_HOME/ckpt, never in the run), keyed by the identity of the
 * model and ckpt-info.json (device, inode, size, mtime, ctime). */
typedef enum {
	CKPT_CHECK_NEVER,   /* not verified yet */
	CKPT_CHECK_CURRENT, /* verified, and its files have not changed since */
	CKPT_CHECK_CHANGED, /* verified, but the model or its info changed since */
} ckpt_check_state;

/* How an epoch stands, all things known considered. */
typedef enum {
	CKPT_EPOCH_OK,         /* complete; its last verify (if current) found nothing wrong */
	CKPT_EPOCH_INCOMPLETE, /* ckpt-info.json missing or invalid, or no regular model.h5 */
	CKPT_EPOCH_UNREADABLE, /* part of it cannot be read (permissions, I/O) */
	CKPT_EPOCH_DAMAGED,    /* its current verify record is a problem (mismatch...) */
} ckpt_epoch_state;

/* One epoch directory as read. Borrowed from its run; valid while the run is. */
typedef struct ckpt_epoch ckpt_epoch;

CKPT_API int64_t ckpt_epoch_number(const ckpt_epoch *epoch);
CKPT_API const char *ckpt_epoch_dir(const ckpt_epoch *epoch); /* "030" */
CKPT_API ckpt_info_state ckpt_epoch_info_state(const ckpt_epoch *epoch);
/* Why the info is INVALID or UNREADABLE, else NULL. */
CKPT_API const char *ckpt_epoch_info_error(const ckpt_epoch *epoch);
CKPT_API ckpt_model_state ckpt_epoch_model_state(const ckpt_epoch *epoch);
/* Size of model.h5; -1 unless its state is CKPT_MODEL_OK. */
CKPT_API int64_t ckpt_epoch_model_bytes(const ckpt_epoch *epoch);
/* The checksum stored in ckpt-info.json, or NULL when there is none to check
 * (kind NONE or DISABLED). */
CKPT_API const char *ckpt_epoch_checksum(const ckpt_epoch *epoch);
CKPT_API ckpt_checksum_kind ckpt_epoch_checksum_kind(const ckpt_epoch *epoch);
CKPT_API bool ckpt_epoch_best_metric_last(double *out, const ckpt_epoch *epoch);
CKPT_API const char *ckpt_epoch_timestamp(const ckpt_epoch *epoch); /* or NULL */
/* Seconds since its writer's previous save; false when unknown, which
 * includes its writer's first save (ckpt_epoch_first_save). */
CKPT_API bool ckpt_epoch_time_elapsed(double *out, const ckpt_epoch *epoch);
CKPT_API bool ckpt_epoch_first_save(const ckpt_epoch *epoch);
CKPT_API const char *ckpt_epoch_metadata(const ckpt_epoch *epoch);         /* or NULL */
/* The id of the libckpt writer session that saved it, or NULL (the original's). */
CKPT_API const char *ckpt_epoch_session(const ckpt_epoch *epoch);
CKPT_API const char *ckpt_epoch_save_best_metric(const ckpt_epoch *epoch); /* or NULL */
/* The tracked metric of this epoch (from the history, else ckpt-info.json). */
CKPT_API bool ckpt_epoch_metric(double *out, const ckpt_epoch *epoch);
/* The extra metrics the trainer recorded with it, in its order. */
CKPT_API size_t ckpt_epoch_extra_count(const ckpt_epoch *epoch);
CKPT_API const char *ckpt_epoch_extra_name(const ckpt_epoch *epoch, size_t i);
CKPT_API double ckpt_epoch_extra_value(const ckpt_epoch *epoch, size_t i);
/* When it was saved, in seconds since 1970: its model.h5's modification
 * time (when its weights were written), else its ckpt-info.json's, else the
 * directory's. */
CKPT_API int64_t ckpt_epoch_saved_at(const ckpt_epoch *epoch);
/* Its ckpt-info.json "timestamp" (the writer's wall clock, no time zone) as
 * seconds, read as if it were UTC: right for ordering and differences, and
 * gmtime() gives the writer's wall clock back. false when there is none. */
CKPT_API bool ckpt_epoch_timestamp_seconds(int64_t *out, const ckpt_epoch *epoch);
/* Valid ckpt-info.json and a regular model.h5. */
CKPT_API bool ckpt_epoch_is_complete(const ckpt_epoch *epoch);
CKPT_API ckpt_epoch_state ckpt_epoch_health(const ckpt_epoch *epoch);
/* The verify record as the snapshot saw it; *out_result and *out_when (unix
 * time; either may be NULL) are set unless the state is CKPT_CHECK_NEVER. */
CKPT_API ckpt_check_state ckpt_epoch_check(ckpt_verify_result *out_result, int64_t *out_when,
					   const ckpt_epoch *epoch);

/* An immutable snapshot of one run; any thread may read it while another
 * makes a refreshed one. Reference counted. */
typedef struct ckpt_run ckpt_run;

/* `path`: a checkpoint root, or a run folder holding ckpts/ or save/ckpts/
 * (CKPT_EAMBIGUOUS, naming both, when it holds both). Caller releases with
 * ckpt_run_unref. */
CKPT_API int ckpt_run_open(ckpt_run **out, const char *path);
/* The run as it is now, re-reading only what changed on disk (unchanged
 * epochs are shared with `old`). Thorough: every epoch's files are looked
 * at, so a change made by hand inside epochs/NNN/ (a model edited or
 * deleted in place) is seen here, unlike by ckpt_run_list_refresh. When
 * nothing changed, *out is `old` with one more reference and *out_changed
 * (may be NULL) is false. Caller releases *out with ckpt_run_unref. */
CKPT_API int ckpt_run_refresh(ckpt_run **out, bool *out_changed, ckpt_run *old);
CKPT_API ckpt_run *ckpt_run_ref(ckpt_run *run);
CKPT_API void ckpt_run_unref(ckpt_run *run);

/* All strings below are borrowed, valid while the run is. */
CKPT_API const char *ckpt_run_name(const ckpt_run *run);   /* see `ckpt ls` */
CKPT_API const char *ckpt_run_root(const ckpt_run *run);   /* absolute; holds epochs/ */
CKPT_API const char *ckpt_run_folder(const ckpt_run *run); /* absolute run folder */
CKPT_API ckpt_layout ckpt_run_layout(const ckpt_run *run);
CKPT_API const char *ckpt_run_metric(const ckpt_run *run); /* or NULL */
CKPT_API char ckpt_run_direction(const ckpt_run *run);     /* '-', '+' or 0 when unknown */
/* The epochs best and last name (0 when none) and their link states. */
CKPT_API int64_t ckpt_run_best(const ckpt_run *run);
CKPT_API ckpt_link_state ckpt_run_best_state(const ckpt_run *run);
CKPT_API int64_t ckpt_run_last(const ckpt_run *run);
CKPT_API ckpt_link_state ckpt_run_last_state(const ckpt_run *run);
/* A crashed save's work/ or work.old (never a live writer's staging). */
CKPT_API bool ckpt_run_work_leftover(const ckpt_run *run);
CKPT_API size_t ckpt_run_stray_count(const ckpt_run *run);
CKPT_API const char *ckpt_run_stray(const ckpt_run *run, size_t i); /* sorted */
/* A writer holds the run's lock and is alive: "training live". */
CKPT_API bool ckpt_run_live(const ckpt_run *run);
/* Who holds the lock (live, or a leftover process of a writer that exited):
 * pid 0 and NULL strings when nobody does. since: "%Y-%m-%d %H:%M:%S". */
CKPT_API int64_t ckpt_run_writer_pid(const ckpt_run *run);
CKPT_API const char *ckpt_run_writer_host(const ckpt_run *run);
CKPT_API const char *ckpt_run_writer_since(const ckpt_run *run);
CKPT_API size_t ckpt_run_epoch_count(const ckpt_run *run);
CKPT_API const ckpt_epoch *ckpt_run_epoch(const ckpt_run *run, size_t i); /* ascending */
CKPT_API const ckpt_epoch *ckpt_run_find_epoch(const ckpt_run *run, int64_t epoch);
CKPT_API uint64_t ckpt_run_total_bytes(const ckpt_run *run);
/* When it last saved: the latest ckpt_epoch_saved_at of its epochs, 0 if none. */
CKPT_API int64_t ckpt_run_updated(const ckpt_run *run);
/* Why part of the run could not be read (e.g. "epochs: is a symbolic link;
 * not followed"), or NULL. */
CKPT_API const char *ckpt_run_problem(const ckpt_run *run);
/* The best epoch's tracked metric, when it is known. */
CKPT_API bool ckpt_run_best_metric(double *out, const ckpt_run *run);
/* The run's own retention, as its libckpt writer recorded it (true); false
 * for the original's runs, with *out_limit and *out_mode (either may be NULL)
 * set to the defaults 5 and linear, which are then a guess. */
typedef enum {
	CKPT_KEEP_RUNS_OWN = -1, /* for ckpt_clean_plan_new: the run's own mode */
	CKPT_KEEP_LINEAR,
	CKPT_KEEP_ALL,
	CKPT_KEEP_EXPONENTIAL,
} ckpt_keep_mode;
CKPT_API bool ckpt_run_keep_policy(int64_t *out_limit, ckpt_keep_mode *out_mode,
				   const ckpt_run *run);

/* The run's health: what every front end shows about it. */
enum {
	CKPT_HEALTH_LIVE = 1u << 0,          /* a writer is training: hands off */
	CKPT_HEALTH_INCOMPLETE = 1u << 1,    /* an epoch lacks its info or model */
	CKPT_HEALTH_DAMAGED = 1u << 2,       /* an epoch failed its current verify record */
	CKPT_HEALTH_UNREADABLE = 1u << 3,    /* an epoch, or part of the run, cannot be read */
	CKPT_HEALTH_RELOCATED = 1u << 4,     /* best/last absolute or into a copy: relink fixes */
	CKPT_HEALTH_BROKEN_LINK = 1u << 5,   /* best/last dangling, outside, or not a link */
	CKPT_HEALTH_WORK_LEFTOVER = 1u << 6, /* a crashed save's leftovers */
	CKPT_HEALTH_STRAYS = 1u << 7,        /* entries in epochs/ that are not epochs */
	CKPT_HEALTH_STALE_LOCK = 1u << 8,    /* lock kept by a process of a writer that exited */
};
CKPT_API unsigned ckpt_run_health(const ckpt_run *run);
/* Any flag but CKPT_HEALTH_LIVE: something a user should look at. */
CKPT_API bool ckpt_health_is_problem(unsigned health);
/* One line: "training live (pid 123), 1 damaged, 3 stray" or "ok". */
CKPT_API const char *ckpt_run_health_text(const ckpt_run *run);
/* The last max_lines lines of the run's ckpt.log (as it is now). Caller
 * frees with ckpt_free; "" when there is no log. */
CKPT_API int ckpt_run_log_tail(char **out, const ckpt_run *run, size_t max_lines);
/* CKPT_OK when this process may change the run; else CKPT_EIO saying why
 * (a read-only file system, no write permission on the root or epochs/):
 * asked before a question the user could not act on. */
CKPT_API int ckpt_run_check_writable(const ckpt_run *run);
/* Whether change notifications (inotify, GFileMonitor) under path see every
 * write: false on network and cluster file systems (NFS, Lustre, GPFS...),
 * which do not report other hosts' writes, so a watcher there must poll. */
CKPT_API bool ckpt_path_change_events_reliable(const char *path);

CKPT_API const char *ckpt_link_state_name(ckpt_link_state state); /* "ok", "relocated"... */
CKPT_API const char *ckpt_info_state_name(ckpt_info_state state); /* "ok", "missing"... */
CKPT_API const char *ckpt_model_state_name(ckpt_model_state state); /* "ok", "missing"... */
CKPT_API const char *ckpt_layout_name(ckpt_layout layout);          /* "candle", "candle-legacy" */
CKPT_API const char *ckpt_epoch_state_name(ckpt_epoch_state health); /* "ok", "damaged"... */

enum {
	CKPT_JSON_PRETTY = 1 << 0, /* indented, one member a line */
};
/* With CKPT_JSON_PRETTY: every line after the first indented n more levels
 * (two spaces each, n < 256), for text set inside a larger document. */
#define CKPT_JSON_DEPTH_SHIFT 8
#define CKPT_JSON_AT_DEPTH(n) ((unsigned)(n) << CKPT_JSON_DEPTH_SHIFT)
/* The run as the RUN object of `ckpt ls --json` (see README). Caller frees
 * with ckpt_free. */
CKPT_API int ckpt_run_to_json(char **out, const ckpt_run *run, unsigned flags);
/* The EPOCH object of `ckpt show RUN EPOCH --json`. Caller frees with ckpt_free. */
CKPT_API int ckpt_epoch_to_json(char **out, const ckpt_run *run, const ckpt_epoch *epoch,
				unsigned flags);

/* ---- many runs ----------------------------------------------------------- */

/* The runs found under one folder, sorted by name; immutable. */
typedef struct ckpt_run_list ckpt_run_list;

/* Called with each run as soon as it and every run before it are read, in
 * the list's order (by name; runs are read on two threads where there are
 * two processors, but this is called on the scanning thread): borrowed,
 * ckpt_run_ref it to keep it. Return nonzero to stop the scan
 * (CKPT_ECANCELLED). */
typedef int (*ckpt_scan_fn)(ckpt_run *run, void *payload);

/* Finds runs under `path` (a root, a run, or any folder above many runs),
 * at most max_depth folders down (<= 0: a default of 6), never following
 * symlinked directories; a folder holding both ckpts/ and save/ckpts/ gives
 * two runs. Names are relative to path. Runs that cannot be read are
 * counted in ckpt_run_list_problem_count. on_run may be NULL. Caller frees
 * with ckpt_run_list_free. */
CKPT_API int ckpt_scan(ckpt_run_list **out, const char *path, int max_depth,
		       const ckpt_progress *progress, ckpt_scan_fn on_run, void *payload);
/* A scan that lets the reading threads work on each run as it is read
 * (format it, say), so that both cores share that work while on_run, on
 * the scanning thread and in the list's order, only hands it on. */
typedef struct ckpt_scan_hooks {
	/* On the thread that read the run (two may run at once), before it is
	 * handed out: borrowed; returns what on_run will get, or NULL. */
	void *(*prepare)(ckpt_run *run, void *payload);
	/* As ckpt_scan_fn, with what prepare returned for the run, taken. */
	int (*on_run)(ckpt_run *run, void *prepared, void *payload);
	/* Given what was prepared for a run never handed out (a stop, an
	 * error): free it. May be NULL when prepare returns nothing to free. */
	void (*discard)(void *prepared, void *payload);
	void *payload;
} ckpt_scan_hooks;

/* ckpt_scan with hooks (NULL: none) in place of on_run. */
CKPT_API int ckpt_scan_with_hooks(ckpt_run_list **out, const char *path, int max_depth,
				  const ckpt_progress *progress, const ckpt_scan_hooks *hooks);
/* ckpt_scan_with_hooks for a caller that hands each run on and keeps
 * nothing (`ckpt ls --json`): each run is released once on_run returns
 * (ckpt_run_ref it to keep it), so memory stays that of the runs being
 * read however many there are, and nothing is left to free piece by piece
 * at the end. The list holds the problems and no runs (its count is 0). */
CKPT_API int ckpt_scan_streamed(ckpt_run_list **out, const char *path, int max_depth,
				const ckpt_progress *progress, const ckpt_scan_hooks *hooks);
/* Scans old's folder again: new runs read (and given to on_run), vanished
 * ones dropped, and each run found again shared with old (the same
 * ckpt_run) while its run-level files are as they were, else read again
 * with the epochs whose folders old read (same name, same inode) shared as
 * they were. Cheap: a folder whose identity (device, inode, size,
 * times) is as old's walk saw it is not read again (its entries cannot
 * change without its times changing); a run's epochs are not looked at;
 * its root, epochs/, metrics.jsonl, ckpt.log, ckpt.lock and this user's
 * verify records are compared by identity (a file that was absent is known
 * absent still while the root's identity holds; best and last, links only
 * ever replaced by a rename in the root, likewise; metrics.jsonl and a
 * ckpt.log in the root are not looked at where the snapshot took every
 * metric from the infos and read neither: what is appended to them shows
 * nowhere in it), and a writer holding the lock is asked again whether it
 * is alive (one that died changes nothing on disk). Every writer and
 * browser operation changes one of those (a publish, retention or clean
 * renames or removes in epochs/, links are repointed by a rename in the
 * root, a writer takes the lock, ckpt.log is appended), so they are seen; a change
 * by hand inside epochs/NNN/ is not: ckpt_run_refresh of that run,
 * ckpt_run_list_refresh_thorough or a new ckpt_scan sees it. What changed
 * within 0.1 s of the last look is looked at again whatever its identity
 * (file times tick coarsely). *out_changed (may be NULL) is false when the
 * list is the same as old's. */
CKPT_API int ckpt_run_list_refresh(ckpt_run_list **out, bool *out_changed, const ckpt_run_list *old,
				   const ckpt_progress *progress, ckpt_scan_fn on_run,
				   void *payload);
/* ckpt_run_list_refresh, every folder read again and each run found again
 * refreshed by ckpt_run_refresh (every epoch looked at; as costly as a
 * scan of the runs that changed, a third of one for the rest): for a
 * caller that re-scans now and then to catch changes made by hand. */
CKPT_API int ckpt_run_list_refresh_thorough(ckpt_run_list **out, bool *out_changed,
					    const ckpt_run_list *old,
					    const ckpt_progress *progress, ckpt_scan_fn on_run,
					    void *payload);
CKPT_API void ckpt_run_list_free(ckpt_run_list *list);
/* The folder as given to ckpt_scan. */
CKPT_API const char *ckpt_run_list_path(const ckpt_run_list *list);
CKPT_API size_t ckpt_run_list_count(const ckpt_run_list *list);
/* Borrowed from the list; take a ref to keep it longer. */
CKPT_API ckpt_run *ckpt_run_list_get(const ckpt_run_list *list, size_t i);
CKPT_API size_t ckpt_run_list_problem_count(const ckpt_run_list *list);
/* Borrowed: "path: cause" of the i-th run that could not be read. */
CKPT_API const char *ckpt_run_list_problem(const ckpt_run_list *list, size_t i);

/* ---- metric history ----------------------------------------------------- */

/* Every epoch call of every writer session of a run, in the order they ran,
 * reconciled with the epochs on disk. Immutable. */
typedef struct ckpt_history ckpt_history;

/* From R/metrics.jsonl (libckpt's writer), the original's ckpt.log, or both
 * (a run the original started and libckpt continued). An epoch on disk that
 * no line records (a writer killed between publishing it and its line) is
 * recovered from its ckpt-info.json. Caller frees with ckpt_history_free. */
CKPT_API int ckpt_history_load(ckpt_history **out, const ckpt_run *run);
/* The history as it is now, reading only what was appended to its files
 * since `old` (re-reading all of it when they were replaced). *out_changed
 * may be NULL. Caller frees *out (a new object, also when unchanged). */
CKPT_API int ckpt_history_refresh(ckpt_history **out, bool *out_changed, const ckpt_history *old,
				  const ckpt_run *run);
/* A history is reference counted: ckpt_history_free drops one reference. */
CKPT_API ckpt_history *ckpt_history_ref(ckpt_history *history);
CKPT_API void ckpt_history_free(ckpt_history *history);
CKPT_API size_t ckpt_history_count(const ckpt_history *history);
CKPT_API size_t ckpt_history_session_count(const ckpt_history *history);
CKPT_API const char *ckpt_history_metric(const ckpt_history *history); /* or NULL */
CKPT_API char ckpt_history_direction(const ckpt_history *history);     /* or 0 */
/* What could not be read (a truncated last line of metrics.jsonl, lines that
 * are not records), or NULL. */
CKPT_API const char *ckpt_history_problem(const ckpt_history *history);
/* The names of the extra metrics, in the order first seen. */
CKPT_API size_t ckpt_history_extra_name_count(const ckpt_history *history);
CKPT_API const char *ckpt_history_extra_name(const ckpt_history *history, size_t j);
/* The i-th point (0 <= i < count). */
CKPT_API int64_t ckpt_history_epoch(const ckpt_history *history, size_t i);
CKPT_API bool ckpt_history_value(double *out, const ckpt_history *history, size_t i);
CKPT_API bool ckpt_history_saved(const ckpt_history *history, size_t i);
CKPT_API bool ckpt_history_became_best(const ckpt_history *history, size_t i);
CKPT_API int ckpt_history_session(const ckpt_history *history, size_t i); /* from 1 */
CKPT_API const char *ckpt_history_time(const ckpt_history *history, size_t i); /* or NULL */
/* ckpt_history_time as seconds, read as if UTC (see
 * ckpt_epoch_timestamp_seconds); false when unknown. */
CKPT_API bool ckpt_history_time_seconds(int64_t *out, const ckpt_history *history, size_t i);
/* A later session ran this epoch again (after a restart or a rollback to an
 * earlier epoch): this point is on an abandoned branch. */
CKPT_API bool ckpt_history_superseded(const ckpt_history *history, size_t i);
/* The epoch a session (from 1) resumed after: the branch point; 0 when it
 * started from scratch or the session is unknown. */
CKPT_API int64_t ckpt_history_session_start(const ckpt_history *history, int session);
/* Recovered from the epoch's ckpt-info.json: no history line recorded it. */
CKPT_API bool ckpt_history_recovered(const ckpt_history *history, size_t i);
/* The point's extra metric `name`; false when it has none of that name. */
CKPT_API bool ckpt_history_extra(double *out, const ckpt_history *history, size_t i,
				 const char *name);
/* The point is the save whose files are on disk in `run` now: saved, the
 * last save of its epoch, and that epoch present. */
CKPT_API bool ckpt_history_on_disk(const ckpt_history *history, size_t i, const ckpt_run *run);
/* The `ckpt history --json` object. Caller frees with ckpt_free. */
CKPT_API int ckpt_history_to_json(char **out, const ckpt_history *history, unsigned flags);

/* ---- checksums and verify (SPEC §4) ------------------------------------- */

typedef enum {
	CKPT_CHECKSUM_CRC32,
	CKPT_CHECKSUM_SHA256,
} ckpt_checksum_algorithm;

/* Room for any stored checksum text. */
#define CKPT_CHECKSUM_TEXT_MAX 80
/* The stored text form of a file's checksum: "<decimal crc32>" or
 * "sha256:<hex>". */
CKPT_API int ckpt_checksum_file(char out[CKPT_CHECKSUM_TEXT_MAX], const char *path,
				ckpt_checksum_algorithm algorithm, const ckpt_progress *progress);

CKPT_API const char *ckpt_verify_result_name(ckpt_verify_result result); /* "ok", "mismatch"... */
/* True for every result but ok, no-checksum and gone: one a user must look at. */
CKPT_API bool ckpt_verify_result_is_problem(ckpt_verify_result result);
CKPT_API const char *ckpt_check_state_name(ckpt_check_state state); /* "never", "current", "changed" */

/* One epoch's verify result, handed to a ckpt_verify_fn; valid for that call. */
typedef struct ckpt_verify_item {
	size_t size; /* the library's sizeof(ckpt_verify_item) */
	int64_t epoch;
	ckpt_verify_result result;
	const char *stored;   /* the checksum as stored, or NULL (none, or checksums off) */
	const char *computed; /* computed in the stored form's algorithm, or NULL */
	bool from_record;     /* not read again: an earlier verify's result (CKPT_VERIFY_CHANGED) */
	int64_t checked_at;   /* unix time of the check */
} ckpt_verify_item;

/* Return nonzero to stop (CKPT_ECANCELLED). */
typedef int (*ckpt_verify_fn)(const ckpt_verify_item *item, void *payload);

enum {
	/* Hash only the epochs without a current verify record; the others are
	 * reported from their record. (Plain verify always reads every byte:
	 * bit rot leaves modification times alone.) */
	CKPT_VERIFY_CHANGED = 1 << 0,
	/* Do not remember the results. */
	CKPT_VERIFY_NO_RECORD = 1 << 1,
};

/* Verifies the given epochs of run (NULL/0: all of them, ascending),
 * reading each ckpt-info.json and model now, and calls on_item (may be
 * NULL) as each one completes; each result is also remembered (see
 * ckpt_check_state). After a cancel, every result delivered so far is final
 * and remembered, the epoch being read is not reported, and the call
 * returns CKPT_ECANCELLED. An epoch number not in the run is CKPT_ENOENT
 * before anything is read. */
CKPT_API int ckpt_verify(const ckpt_run *run, const int64_t *epochs, size_t n_epochs,
			 unsigned flags, const ckpt_progress *progress, ckpt_verify_fn on_item,
			 void *payload);
/* One epoch, its result in *out. */
CKPT_API int ckpt_verify_epoch(ckpt_verify_result *out, const ckpt_run *run, int64_t epoch,
			       const ckpt_progress *progress);
/* Every epoch; out has ckpt_run_epoch_count(run) entries, in epoch order. */
CKPT_API int ckpt_verify_run(ckpt_verify_result *out, const ckpt_run *run,
			     const ckpt_progress *progress);

/* ---- browser operations: roll back, clean, relink ----------------------- */

enum {
	CKPT_FLAG_FORCE = 1 << 0,   /* go on past a CKPT_EREFUSED check */
	CKPT_FLAG_DRY_RUN = 1 << 1, /* decide and report, change nothing */
};

/* Re-points `last` at `epoch` (atomically, relative target) so that the next
 * restart loads it. An incomplete epoch or one whose checksum fails is
 * CKPT_EREFUSED unless CKPT_FLAG_FORCE. *out (may be NULL) says what a
 * restart would then load; caller frees with ckpt_restart_free. */
CKPT_API int ckpt_rollback(ckpt_restart **out, const ckpt_run *run, int64_t epoch,
			   unsigned flags);
/* The same, with the checksum check's progress (stage CKPT_STAGE_CHECKSUM:
 * it reads the whole model) and cancellation. */
CKPT_API int ckpt_rollback_progress(ckpt_restart **out, const ckpt_run *run, int64_t epoch,
				    unsigned flags, const ckpt_progress *progress);

CKPT_API const char *ckpt_keep_mode_name(ckpt_keep_mode mode); /* "linear", "all"... */
/* CKPT_EINVAL naming the choices for anything else. */
CKPT_API int ckpt_keep_mode_from_name(ckpt_keep_mode *out, const char *name);

typedef enum {
	CKPT_CLEAN_KEEP_LAST,        /* the target of `last` */
	CKPT_CLEAN_KEEP_BEST,        /* the target of `best` */
	CKPT_CLEAN_KEEP_LIMIT,       /* among the newest within the keep limit */
	CKPT_CLEAN_KEEP_EXPONENTIAL, /* kept by the exponential spread */
	CKPT_CLEAN_KEEP_ALL,         /* mode all */
	CKPT_CLEAN_DELETE,           /* beyond the limit */
	CKPT_CLEAN_KEEP_INTACT,      /* the newest intact epoch: last is damaged, or
				      * nothing else intact would remain */
	CKPT_CLEAN_KEEP_BEST_INTACT, /* the best intact epoch by the metric: best is damaged */
} ckpt_clean_reason;

CKPT_API const char *ckpt_clean_reason_name(ckpt_clean_reason reason); /* "last", "best"... */

/* A decision over every epoch of a run; immutable. */
typedef struct ckpt_clean_plan ckpt_clean_plan;

/* Decides, changes nothing. keep_limit 0 and mode CKPT_KEEP_RUNS_OWN take
 * the run's own (see ckpt_run_keep_policy). The targets of best and last
 * are always kept; when last's target is damaged or incomplete the newest
 * intact epoch is kept too, when best's the best intact one; no plan deletes
 * the last intact epoch. "Intact" is ckpt_epoch_health() OK, verify records
 * included: verify first to know. Caller frees with ckpt_clean_plan_free. */
CKPT_API int ckpt_clean_plan_new(ckpt_clean_plan **out, const ckpt_run *run, int64_t keep_limit,
				 ckpt_keep_mode mode);
CKPT_API void ckpt_clean_plan_free(ckpt_clean_plan *plan);
/* Borrowed: the snapshot planned over (the plan holds a reference). */
CKPT_API const ckpt_run *ckpt_clean_plan_run(const ckpt_clean_plan *plan);
CKPT_API int64_t ckpt_clean_plan_keep_limit(const ckpt_clean_plan *plan);
CKPT_API ckpt_keep_mode ckpt_clean_plan_mode(const ckpt_clean_plan *plan);
/* The limit is the run's recorded one, not a default or the caller's. */
CKPT_API bool ckpt_clean_plan_limit_is_runs_own(const ckpt_clean_plan *plan);
/* The limit is the default 5 because the run recorded none (a guess). */
CKPT_API bool ckpt_clean_plan_limit_is_guess(const ckpt_clean_plan *plan);
/* Epochs whose health rests on no current verify record. */
CKPT_API size_t ckpt_clean_plan_unverified_count(const ckpt_clean_plan *plan);
/* The i-th epoch of the plan (ascending, every epoch of the run). */
CKPT_API size_t ckpt_clean_plan_count(const ckpt_clean_plan *plan);
CKPT_API int64_t ckpt_clean_plan_epoch(const ckpt_clean_plan *plan, size_t i);
CKPT_API bool ckpt_clean_plan_keeps(const ckpt_clean_plan *plan, size_t i);
CKPT_API ckpt_clean_reason ckpt_clean_plan_reason(const ckpt_clean_plan *plan, size_t i);
CKPT_API uint64_t ckpt_clean_plan_bytes(const ckpt_clean_plan *plan, size_t i); /* on disk */
CKPT_API ckpt_epoch_state ckpt_clean_plan_health(const ckpt_clean_plan *plan, size_t i);
CKPT_API size_t ckpt_clean_plan_delete_count(const ckpt_clean_plan *plan);
CKPT_API uint64_t ckpt_clean_plan_bytes_freed(const ckpt_clean_plan *plan);
/* Whether applying also removes a crashed save's leftovers. */
CKPT_API bool ckpt_clean_plan_removes_work(const ckpt_clean_plan *plan);
/* Why the plan keeps more than asked (a damaged best, say), or NULL. */
CKPT_API const char *ckpt_clean_plan_note(const ckpt_clean_plan *plan);
/* The `ckpt clean --json` object (without "applied"). Caller frees with ckpt_free. */
CKPT_API int ckpt_clean_plan_to_json(char **out, const ckpt_clean_plan *plan, unsigned flags);
/* Applies the plan under the run's lock; refuses if best/last moved since. */
CKPT_API int ckpt_clean_apply(const ckpt_clean_plan *plan, const ckpt_progress *progress);

/* Rewrites relocated or absolute best/last as relative links. *out_changed
 * (may be NULL) counts the links rewritten. */
CKPT_API int ckpt_relink(int *out_changed, const ckpt_run *run);

#ifdef __cplusplus
}
#endif
#endif

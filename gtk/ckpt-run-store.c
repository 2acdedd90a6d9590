/* ckpt-run-store.c: scanning and re-reading the open folders on GTask
 * threads (see ckpt-run-store.h). Runs found by ckpt_scan's on_run are
 * loaded on the scanning thread and handed to the main loop in batches;
 * refreshes use ckpt_run_list_refresh and ckpt_history_refresh, which share
 * what did not change, so an idle tree costs a few stat calls a run. */
#define G_LOG_DOMAIN "ckpt-run-store"

#include "ckpt-run-store.h"

#include "ckpt-format.h"

#define FLUSH_MS 40
#define DEBOUNCE_MS 300
#define MAX_WATCHED 64

typedef struct {
	char *path;
	ckpt_run_list *list; /* NULL while its first scan runs */
	GFileMonitor *monitor;
} Folder;

struct _CkptRunStore {
	GObject parent_instance;
	GListStore *runs;
	GHashTable *by_key; /* root -> CkptRunItem (borrowed from runs) */
	GPtrArray *folders; /* of Folder */
	GPtrArray *watched; /* of GFileMonitor */
	GCancellable *cancellable;
	guint scanning;
	gboolean refreshing, refresh_again, shut_down;
	guint poll_ms, poll_source, debounce_source;
};

enum { PROP_0, PROP_SCANNING, N_PROPS };
enum { SIGNAL_SCAN_FINISHED, SIGNAL_REFRESHED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(CkptRunStore, ckpt_run_store, G_TYPE_OBJECT)

static void folder_free(Folder *f)
{
	if (f->monitor) {
		g_signal_handlers_disconnect_matched(f->monitor, G_SIGNAL_MATCH_DATA, 0, 0, NULL,
						     NULL, NULL);
		g_file_monitor_cancel(f->monitor);
		g_object_unref(f->monitor);
	}
	ckpt_run_list_free(f->list);
	g_free(f->path);
	g_free(f);
}

static Folder *find_folder(CkptRunStore *self, const char *path)
{
	for (guint i = 0; i < self->folders->len; i++) {
		Folder *f = g_ptr_array_index(self->folders, i);
		if (g_str_equal(f->path, path))
			return f;
	}
	return NULL;
}

/* ---- adding and updating items ------------------------------------------------ */

/* before (may be NULL): each item's snapshot when the snapshots were made;
 * an item that changed since (an operation re-read it) keeps its newer one,
 * and *out_stale (may be NULL) says to read everything again. */
static void add_snapshots(CkptRunStore *self, const char *folder, GPtrArray *snapshots,
			  GHashTable *before, gboolean *out_stale)
{
	g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func(g_object_unref);
	for (guint i = 0; i < snapshots->len; i++) {
		CkptSnapshot *s = g_ptr_array_index(snapshots, i);
		CkptRunItem *item = g_hash_table_lookup(self->by_key, ckpt_run_root(s->run));
		if (item) {
			CkptSnapshot *then =
			    before ? g_hash_table_lookup(before, ckpt_run_root(s->run)) : NULL;
			if (before && then != ckpt_run_item_get_snapshot(item)) {
				if (out_stale)
					*out_stale = TRUE;
				continue;
			}
			ckpt_run_item_set_snapshot(item, s);
			continue;
		}
		item = ckpt_run_item_new(s, folder);
		g_hash_table_insert(self->by_key, g_strdup(ckpt_run_item_get_key(item)), item);
		g_ptr_array_add(added, item);
	}
	if (added->len)
		g_list_store_splice(self->runs, g_list_model_get_n_items(G_LIST_MODEL(self->runs)),
				    0, added->pdata, added->len);
}

static void remove_vanished(CkptRunStore *self, const char *folder, GHashTable *present)
{
	for (guint i = g_list_model_get_n_items(G_LIST_MODEL(self->runs)); i-- > 0;) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(G_LIST_MODEL(self->runs), i);
		if (!g_str_equal(ckpt_run_item_get_folder(item), folder) ||
		    g_hash_table_contains(present, ckpt_run_item_get_key(item)))
			continue;
		g_hash_table_remove(self->by_key, ckpt_run_item_get_key(item));
		g_list_store_remove(self->runs, i);
	}
}

/* ---- scanning ---------------------------------------------------------------------- */

typedef struct {
	GWeakRef store;
	char *path;
	GMainContext *context;
	GMutex lock;
	GPtrArray *pending; /* of CkptSnapshot, found but not yet handed over */
	gboolean flush_scheduled;
	CkptCancelFlag cancel;
} ScanJob;

static void scan_job_clear(ScanJob *job)
{
	g_weak_ref_clear(&job->store);
	g_free(job->path);
	g_main_context_unref(job->context);
	g_mutex_clear(&job->lock);
	g_ptr_array_unref(job->pending);
	ckpt_cancel_flag_clear(&job->cancel);
}

static void scan_job_unref(gpointer job)
{
	g_atomic_rc_box_release_full(job, (GDestroyNotify)scan_job_clear);
}

/* On the main loop: the runs found since the last flush join the model. */
static gboolean scan_flush(gpointer data)
{
	ScanJob *job = data;
	g_mutex_lock(&job->lock);
	GPtrArray *batch = job->pending;
	job->pending = g_ptr_array_new_with_free_func((GDestroyNotify)ckpt_snapshot_unref);
	job->flush_scheduled = FALSE;
	g_mutex_unlock(&job->lock);
	g_autoptr(CkptRunStore) self = g_weak_ref_get(&job->store);
	if (self && !self->shut_down)
		add_snapshots(self, job->path, batch, NULL, NULL);
	g_ptr_array_unref(batch);
	return G_SOURCE_REMOVE;
}

/* On the scanning thread, as each run is read. */
static int scan_on_run(ckpt_run *run, void *payload)
{
	ScanJob *job = payload;
	if (job->cancel.flag)
		return 1;
	CkptSnapshot *s = ckpt_snapshot_load(run);
	g_mutex_lock(&job->lock);
	g_ptr_array_add(job->pending, s);
	gboolean schedule = !job->flush_scheduled;
	job->flush_scheduled = TRUE;
	g_mutex_unlock(&job->lock);
	if (schedule) {
		GSource *source = g_timeout_source_new(FLUSH_MS);
		g_source_set_callback(source, scan_flush, g_atomic_rc_box_acquire(job),
				      scan_job_unref);
		g_source_attach(source, job->context);
		g_source_unref(source);
	}
	return 0;
}

static void scan_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	(void)source, (void)cancellable;
	ScanJob *job = data;
	ckpt_run_list *list = NULL;
	ckpt_progress progress = {.cancel = &job->cancel.flag};
	int rc = ckpt_scan(&list, job->path, 0, &progress, scan_on_run, job);
	if (rc != 0) {
		GError *error = NULL;
		ckpt_set_error(&error, rc);
		g_task_return_error(task, error);
		return;
	}
	g_task_return_pointer(task, list, (GDestroyNotify)ckpt_run_list_free);
}

static void on_folder_changed(GFileMonitor *monitor, GFile *file, GFile *other,
			      GFileMonitorEvent event, gpointer data);

static void scan_done(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)data;
	CkptRunStore *self = CKPT_RUN_STORE(source);
	ScanJob *job = g_task_get_task_data(G_TASK(result));
	g_autoptr(GError) error = NULL;
	ckpt_run_list *list = g_task_propagate_pointer(G_TASK(result), &error);
	self->scanning--;
	if (self->shut_down) {
		ckpt_run_list_free(list);
		return;
	}
	scan_flush(job);
	Folder *f = find_folder(self, job->path);
	guint n = 0, problems = 0;
	g_autofree char *message = NULL;
	if (list && f) {
		f->list = list;
		n = (guint)ckpt_run_list_count(list);
		problems = (guint)ckpt_run_list_problem_count(list);
		if (problems)
			message = ckpt_text_escape(ckpt_run_list_problem(list, 0));
	} else {
		ckpt_run_list_free(list);
		message = g_strdup(error ? error->message : "the folder was closed");
		if (f)
			g_ptr_array_remove(self->folders, f);
	}
	g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_SCANNING]);
	g_signal_emit(self, signals[SIGNAL_SCAN_FINISHED], 0, job->path, n, problems, message);
}

static void watch_folder(CkptRunStore *self, Folder *f)
{
	g_autoptr(GFile) file = g_file_new_for_path(f->path);
	f->monitor = g_file_monitor_directory(file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
	if (f->monitor)
		g_signal_connect(f->monitor, "changed", G_CALLBACK(on_folder_changed), self);
}

void ckpt_run_store_open(CkptRunStore *self, const char *path)
{
	g_return_if_fail(CKPT_IS_RUN_STORE(self));
	if (self->shut_down)
		return;
	if (find_folder(self, path)) {
		ckpt_run_store_refresh(self);
		return;
	}
	Folder *f = g_new0(Folder, 1);
	f->path = g_strdup(path);
	g_ptr_array_add(self->folders, f);
	watch_folder(self, f);

	ScanJob *job = g_atomic_rc_box_new0(ScanJob);
	g_weak_ref_init(&job->store, self);
	job->path = g_strdup(path);
	job->context = g_main_context_ref_thread_default();
	g_mutex_init(&job->lock);
	job->pending = g_ptr_array_new_with_free_func((GDestroyNotify)ckpt_snapshot_unref);
	ckpt_cancel_flag_init(&job->cancel, self->cancellable);
	g_autoptr(GTask) task = g_task_new(self, self->cancellable, scan_done, NULL);
	g_task_set_source_tag(task, ckpt_run_store_open);
	g_task_set_task_data(task, job, scan_job_unref);
	g_task_set_return_on_cancel(task, FALSE);
	self->scanning++;
	g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_SCANNING]);
	g_task_run_in_thread(task, scan_thread);
}

/* ---- refreshing every folder ---------------------------------------------------------- */

typedef struct {
	char *path;
	const ckpt_run_list *old; /* the store keeps it until the job ends */
	ckpt_run_list *fresh;     /* NULL when the refresh failed */
	GPtrArray *snapshots;     /* of CkptSnapshot */
} RefreshFolder;

typedef struct {
	GPtrArray *folders; /* of RefreshFolder */
	GHashTable *before; /* root -> CkptSnapshot: every item's, read-only here */
	CkptCancelFlag cancel;
} RefreshJob;

static void refresh_folder_free(RefreshFolder *rf)
{
	g_free(rf->path);
	ckpt_run_list_free(rf->fresh);
	if (rf->snapshots)
		g_ptr_array_unref(rf->snapshots);
	g_free(rf);
}

static void refresh_job_free(RefreshJob *job)
{
	g_ptr_array_unref(job->folders);
	g_hash_table_unref(job->before);
	ckpt_cancel_flag_clear(&job->cancel);
	g_free(job);
}

static void refresh_thread(GTask *task, gpointer source, gpointer data, GCancellable *c)
{
	(void)source, (void)c;
	RefreshJob *job = data;
	ckpt_progress progress = {.cancel = &job->cancel.flag};
	for (guint i = 0; i < job->folders->len && !job->cancel.flag; i++) {
		RefreshFolder *rf = g_ptr_array_index(job->folders, i);
		if (ckpt_run_list_refresh(&rf->fresh, NULL, rf->old, &progress, NULL, NULL) != 0) {
			rf->fresh = NULL;
			continue;
		}
		size_t n = ckpt_run_list_count(rf->fresh);
		rf->snapshots = g_ptr_array_new_full((guint)n, (GDestroyNotify)ckpt_snapshot_unref);
		for (size_t k = 0; k < n && !job->cancel.flag; k++) {
			ckpt_run *run = ckpt_run_list_get(rf->fresh, k);
			CkptSnapshot *old = g_hash_table_lookup(job->before, ckpt_run_root(run));
			g_ptr_array_add(rf->snapshots, old ? ckpt_snapshot_update(old, run)
							   : ckpt_snapshot_load(run));
		}
	}
	g_task_return_boolean(task, !job->cancel.flag);
}

static void refresh_start(CkptRunStore *self);

static void refresh_done(GObject *source, GAsyncResult *result, gpointer data)
{
	(void)data;
	CkptRunStore *self = CKPT_RUN_STORE(source);
	RefreshJob *job = g_task_get_task_data(G_TASK(result));
	gboolean complete = g_task_propagate_boolean(G_TASK(result), NULL);
	self->refreshing = FALSE;
	if (self->shut_down || !complete)
		return;
	gboolean stale = FALSE;
	for (guint i = 0; i < job->folders->len; i++) {
		RefreshFolder *rf = g_ptr_array_index(job->folders, i);
		Folder *f = find_folder(self, rf->path);
		if (!f || !rf->fresh || f->list != rf->old)
			continue;
		ckpt_run_list_free(f->list);
		f->list = g_steal_pointer(&rf->fresh);
		add_snapshots(self, f->path, rf->snapshots, job->before, &stale);
		g_autoptr(GHashTable) present = g_hash_table_new(g_str_hash, g_str_equal);
		for (guint k = 0; k < rf->snapshots->len; k++) {
			CkptSnapshot *s = g_ptr_array_index(rf->snapshots, k);
			g_hash_table_add(present, (gpointer)ckpt_run_root(s->run));
		}
		remove_vanished(self, f->path, present);
	}
	g_signal_emit(self, signals[SIGNAL_REFRESHED], 0);
	if (stale)
		self->refresh_again = TRUE;
	if (self->refresh_again) {
		self->refresh_again = FALSE;
		refresh_start(self);
	}
}

static void refresh_start(CkptRunStore *self)
{
	if (self->shut_down)
		return;
	if (self->refreshing) {
		self->refresh_again = TRUE;
		return;
	}
	RefreshJob *job = g_new0(RefreshJob, 1);
	job->folders = g_ptr_array_new_with_free_func((GDestroyNotify)refresh_folder_free);
	job->before = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)ckpt_snapshot_unref);
	for (guint i = 0; i < self->folders->len; i++) {
		Folder *f = g_ptr_array_index(self->folders, i);
		if (!f->list)
			continue; /* still being scanned */
		RefreshFolder *rf = g_new0(RefreshFolder, 1);
		rf->path = g_strdup(f->path);
		rf->old = f->list;
		g_ptr_array_add(job->folders, rf);
	}
	GHashTableIter iter;
	gpointer key, value;
	g_hash_table_iter_init(&iter, self->by_key);
	while (g_hash_table_iter_next(&iter, &key, &value))
		g_hash_table_insert(job->before, g_strdup(key),
				    ckpt_snapshot_ref(ckpt_run_item_get_snapshot(value)));
	if (job->folders->len == 0) {
		refresh_job_free(job);
		return;
	}
	ckpt_cancel_flag_init(&job->cancel, self->cancellable);
	self->refreshing = TRUE;
	g_autoptr(GTask) task = g_task_new(self, self->cancellable, refresh_done, NULL);
	g_task_set_source_tag(task, refresh_start);
	g_task_set_task_data(task, job, (GDestroyNotify)refresh_job_free);
	g_task_run_in_thread(task, refresh_thread);
}

static gboolean on_debounce(gpointer data)
{
	CkptRunStore *self = data;
	self->debounce_source = 0;
	refresh_start(self);
	return G_SOURCE_REMOVE;
}

void ckpt_run_store_refresh(CkptRunStore *self)
{
	g_return_if_fail(CKPT_IS_RUN_STORE(self));
	if (!self->debounce_source && !self->shut_down)
		self->debounce_source = g_timeout_add(DEBOUNCE_MS, on_debounce, self);
}

static void on_folder_changed(GFileMonitor *monitor, GFile *file, GFile *other,
			      GFileMonitorEvent event, gpointer data)
{
	(void)monitor, (void)file, (void)other;
	if (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
		return;
	ckpt_run_store_refresh(CKPT_RUN_STORE(data));
}

static gboolean on_poll(gpointer data)
{
	refresh_start(CKPT_RUN_STORE(data));
	return G_SOURCE_CONTINUE;
}

void ckpt_run_store_set_poll_interval(CkptRunStore *self, guint ms)
{
	g_return_if_fail(CKPT_IS_RUN_STORE(self));
	g_clear_handle_id(&self->poll_source, g_source_remove);
	self->poll_ms = ms;
	if (ms && !self->shut_down)
		self->poll_source = g_timeout_add(ms, on_poll, self);
}

/* ---- refreshing one run ------------------------------------------------------------------ */

static void refresh_item_thread(GTask *task, gpointer source, gpointer data, GCancellable *c)
{
	(void)source, (void)c;
	GError *error = NULL;
	CkptSnapshot *s = ckpt_snapshot_refresh(data, &error);
	if (!s)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, s, (GDestroyNotify)ckpt_snapshot_unref);
}

static void refresh_item_done(GObject *source, GAsyncResult *result, gpointer data)
{
	CkptRunStore *self = CKPT_RUN_STORE(source);
	g_autoptr(CkptRunItem) item = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptSnapshot) s = g_task_propagate_pointer(G_TASK(result), &error);
	if (self->shut_down)
		return;
	if (!s) {
		g_debug("%s: %s", ckpt_run_item_get_name(item), error->message);
		return;
	}
	if (g_hash_table_lookup(self->by_key, ckpt_run_item_get_key(item)) == item)
		ckpt_run_item_set_snapshot(item, s);
}

void ckpt_run_store_refresh_item(CkptRunStore *self, CkptRunItem *item)
{
	g_return_if_fail(CKPT_IS_RUN_STORE(self));
	g_return_if_fail(CKPT_IS_RUN_ITEM(item));
	if (self->shut_down)
		return;
	g_autoptr(GTask) task =
	    g_task_new(self, self->cancellable, refresh_item_done, g_object_ref(item));
	g_task_set_source_tag(task, ckpt_run_store_refresh_item);
	g_task_set_task_data(task, ckpt_snapshot_ref(ckpt_run_item_get_snapshot(item)),
			     (GDestroyNotify)ckpt_snapshot_unref);
	g_task_run_in_thread(task, refresh_item_thread);
}

/* ---- watching ------------------------------------------------------------------------------ */

static void monitor_free(gpointer data)
{
	GFileMonitor *monitor = data;
	g_signal_handlers_disconnect_matched(monitor, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, NULL);
	g_file_monitor_cancel(monitor);
	g_object_unref(monitor);
}

void ckpt_run_store_watch(CkptRunStore *self, CkptRunItem *const *items, guint n)
{
	g_return_if_fail(CKPT_IS_RUN_STORE(self));
	g_ptr_array_set_size(self->watched, 0);
	for (guint i = 0; i < n && i < MAX_WATCHED && !self->shut_down; i++) {
		g_autoptr(GFile) root = g_file_new_for_path(ckpt_run_item_get_key(items[i]));
		GFileMonitor *m = g_file_monitor_directory(root, G_FILE_MONITOR_NONE, NULL, NULL);
		if (!m)
			continue;
		g_signal_connect(m, "changed", G_CALLBACK(on_folder_changed), self);
		g_ptr_array_add(self->watched, m);
	}
}

/* ---- the object --------------------------------------------------------------------------------
 */

void ckpt_run_store_shutdown(CkptRunStore *self)
{
	g_return_if_fail(CKPT_IS_RUN_STORE(self));
	self->shut_down = TRUE;
	g_cancellable_cancel(self->cancellable);
	g_clear_handle_id(&self->poll_source, g_source_remove);
	g_clear_handle_id(&self->debounce_source, g_source_remove);
	g_ptr_array_set_size(self->watched, 0);
	for (guint i = 0; i < self->folders->len; i++) {
		Folder *f = g_ptr_array_index(self->folders, i);
		if (f->monitor) {
			monitor_free(f->monitor);
			f->monitor = NULL;
		}
	}
}

CkptRunItem *ckpt_run_store_find(CkptRunStore *self, const char *root)
{
	g_return_val_if_fail(CKPT_IS_RUN_STORE(self), NULL);
	return root ? g_hash_table_lookup(self->by_key, root) : NULL;
}

GListModel *ckpt_run_store_get_model(CkptRunStore *self)
{
	return G_LIST_MODEL(self->runs);
}

gboolean ckpt_run_store_get_scanning(CkptRunStore *self)
{
	return self->scanning > 0;
}

guint ckpt_run_store_get_n_folders(CkptRunStore *self)
{
	return self->folders->len;
}

const char *ckpt_run_store_get_folder(CkptRunStore *self, guint i)
{
	g_return_val_if_fail(i < self->folders->len, NULL);
	return ((Folder *)g_ptr_array_index(self->folders, i))->path;
}

static void ckpt_run_store_dispose(GObject *object)
{
	CkptRunStore *self = CKPT_RUN_STORE(object);
	ckpt_run_store_shutdown(self);
	G_OBJECT_CLASS(ckpt_run_store_parent_class)->dispose(object);
}

static void ckpt_run_store_finalize(GObject *object)
{
	CkptRunStore *self = CKPT_RUN_STORE(object);
	g_hash_table_unref(self->by_key);
	g_object_unref(self->runs);
	g_ptr_array_unref(self->folders);
	g_ptr_array_unref(self->watched);
	g_object_unref(self->cancellable);
	G_OBJECT_CLASS(ckpt_run_store_parent_class)->finalize(object);
}

static void ckpt_run_store_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	CkptRunStore *self = CKPT_RUN_STORE(object);
	switch (id) {
	case PROP_SCANNING: g_value_set_boolean(value, self->scanning > 0); break;
	default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
	}
}

static void ckpt_run_store_class_init(CkptRunStoreClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = ckpt_run_store_dispose;
	object_class->finalize = ckpt_run_store_finalize;
	object_class->get_property = ckpt_run_store_get_property;
	properties[PROP_SCANNING] = g_param_spec_boolean("scanning", NULL, NULL, FALSE,
							 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, properties);
	/* (path, runs found, runs that could not be read, the first problem or the error) */
	signals[SIGNAL_SCAN_FINISHED] = g_signal_new(
	    "scan-finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
	    G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING);
	signals[SIGNAL_REFRESHED] =
	    g_signal_new("refreshed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 NULL, G_TYPE_NONE, 0);
}

static void ckpt_run_store_init(CkptRunStore *self)
{
	self->runs = g_list_store_new(CKPT_TYPE_RUN_ITEM);
	self->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->folders = g_ptr_array_new_with_free_func((GDestroyNotify)folder_free);
	self->watched = g_ptr_array_new_with_free_func(monitor_free);
	self->cancellable = g_cancellable_new();
	ckpt_run_store_set_poll_interval(self, 2000);
}

CkptRunStore *ckpt_run_store_new(void)
{
	return g_object_new(CKPT_TYPE_RUN_STORE, NULL);
}

/* ckpt-application.c: the AdwApplication (see ckpt-application.h). Opening
 * paths (command line, or a second launch through D-Bus) adds them to the
 * active window; the colour scheme follows the system unless chosen. */
#define G_LOG_DOMAIN "ckpt-application"

#include "ckpt-application.h"

#include "ckpt.h"

struct _CkptApplication {
	AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE(CkptApplication, ckpt_application, ADW_TYPE_APPLICATION)

CkptWindow *ckpt_application_get_window(CkptApplication *self)
{
	GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(self));
	if (CKPT_IS_WINDOW(window))
		return CKPT_WINDOW(window);
	return ckpt_window_new(GTK_APPLICATION(self));
}

static void ckpt_application_activate(GApplication *app)
{
	gtk_window_present(GTK_WINDOW(ckpt_application_get_window(CKPT_APPLICATION(app))));
}

static void ckpt_application_open(GApplication *app, GFile **files, int n, const char *hint)
{
	(void)hint;
	CkptWindow *window = ckpt_application_get_window(CKPT_APPLICATION(app));
	for (int i = 0; i < n; i++) {
		g_autofree char *path = g_file_get_path(files[i]);
		if (path)
			ckpt_window_open(window, path);
	}
	gtk_window_present(GTK_WINDOW(window));
}

static void quit_action(GSimpleAction *action, GVariant *param, gpointer data)
{
	(void)action, (void)param;
	GList *windows = g_list_copy(gtk_application_get_windows(GTK_APPLICATION(data)));
	for (GList *l = windows; l; l = l->next)
		gtk_window_destroy(l->data);
	g_list_free(windows);
}

static void about_action(GSimpleAction *action, GVariant *param, gpointer data)
{
	(void)action, (void)param;
	const char *developers[] = {"The ckpt authors", NULL};
	g_autofree char *comments = g_strdup_printf(
	    "Compare the runs of an experiment, see which checkpoints are on disk, verify, clean "
	    "and restart them.\n\nlibckpt %s",
	    ckpt_version());
	GtkWidget *about = g_object_new(
	    ADW_TYPE_ABOUT_WINDOW, "transient-for",
	    gtk_application_get_active_window(GTK_APPLICATION(data)), "application-icon",
	    CKPT_APPLICATION_ID, "application-name", "Checkpoints", "developer-name",
	    "The ckpt authors", "version", CKPT_VERSION_STRING, "comments", comments,
	    "license-type", GTK_LICENSE_MIT_X11, "developers", developers, NULL);
	gtk_window_present(GTK_WINDOW(about));
}

static AdwColorScheme scheme_from_name(const char *name)
{
	if (g_str_equal(name, "light"))
		return ADW_COLOR_SCHEME_FORCE_LIGHT;
	if (g_str_equal(name, "dark"))
		return ADW_COLOR_SCHEME_FORCE_DARK;
	return ADW_COLOR_SCHEME_DEFAULT;
}

static void color_scheme_action(GSimpleAction *action, GVariant *param, gpointer data)
{
	(void)data;
	adw_style_manager_set_color_scheme(adw_style_manager_get_default(),
					   scheme_from_name(g_variant_get_string(param, NULL)));
	g_simple_action_set_state(action, param);
}

static void ckpt_application_startup(GApplication *app)
{
	G_APPLICATION_CLASS(ckpt_application_parent_class)->startup(app);
	static const GActionEntry entries[] = {
	    {.name = "quit", .activate = quit_action},
	    {.name = "about", .activate = about_action},
	    {.name = "color-scheme",
	     .parameter_type = "s",
	     .state = "'default'",
	     .change_state = color_scheme_action},
	};
	g_action_map_add_action_entries(G_ACTION_MAP(app), entries, G_N_ELEMENTS(entries), app);
	static const struct {
		const char *action;
		const char *accels[3];
	} accels[] = {
	    {"app.quit", {"<Control>q", NULL}},
	    {"win.open", {"<Control>o", NULL}},
	    {"win.refresh", {"F5", "<Control>r", NULL}},
	    {"win.verify", {"<Control><Shift>v", NULL}},
	    {"win.verify-epoch", {"<Control><Alt>v", NULL}},
	    {"win.restart", {"<Control><Shift>r", NULL}},
	    {"win.clean", {"<Control>Delete", NULL}},
	    {"win.relink", {"<Control>l", NULL}},
	    {"win.export-png", {"<Control>e", NULL}},
	    {"win.export-svg", {"<Control><Shift>e", NULL}},
	    {"win.export-csv", {"<Control><Alt>e", NULL}},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(accels); i++)
		gtk_application_set_accels_for_action(GTK_APPLICATION(app), accels[i].action,
						      accels[i].accels);
}

static void ckpt_application_class_init(CkptApplicationClass *klass)
{
	GApplicationClass *app_class = G_APPLICATION_CLASS(klass);
	app_class->activate = ckpt_application_activate;
	app_class->open = ckpt_application_open;
	app_class->startup = ckpt_application_startup;
}

static void ckpt_application_init(CkptApplication *self)
{
	(void)self;
}

CkptApplication *ckpt_application_new(GApplicationFlags flags)
{
	return g_object_new(CKPT_TYPE_APPLICATION, "application-id", CKPT_APPLICATION_ID, "flags",
			    G_APPLICATION_HANDLES_OPEN | flags, NULL);
}

/* test-app-launch.c: the real ckpt-gtk, launched twice on one session bus:
 * the second launch hands its path to the first (GApplication HANDLES_OPEN)
 * and exits at once; the first goes on until asked to quit over D-Bus. */
#include "ui-support.h"

#include <signal.h>
#include <sys/wait.h>

#define APP_ID "io.github.ckpt.Ckpt"

typedef struct {
	GPid pid;
	gboolean exited;
	int status;
} Child;

static void on_child_exit(GPid pid, int status, gpointer data)
{
	Child *c = data;
	c->exited = TRUE;
	c->status = status;
	g_spawn_close_pid(pid);
}

static void launch(Child *c, const char *path)
{
	const char *bin = g_getenv("CKPT_GTK_BIN");
	g_assert_nonnull(bin);
	const char *argv[] = {bin, path, NULL};
	GError *error = NULL;
	g_assert_true(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
				    NULL, &c->pid, &error));
	g_assert_no_error(error);
	g_child_watch_add(c->pid, on_child_exit, c);
}

static gboolean exited(gpointer data)
{
	return ((Child *)data)->exited;
}

static gboolean name_owned(gpointer data)
{
	GDBusConnection *bus = data;
	g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
	    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "NameHasOwner", g_variant_new("(s)", APP_ID), G_VARIANT_TYPE("(b)"),
	    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
	gboolean owned = FALSE;
	if (reply)
		g_variant_get(reply, "(b)", &owned);
	return owned;
}

static void test_second_launch_hands_over(void)
{
	g_autofree char *tmp = ui_unpack_fixtures();
	g_autofree char *first_path = g_build_filename(tmp, "exp-2026-03", "nt3-lr0.01", NULL);
	g_autofree char *second_path = g_build_filename(tmp, "exp-2026-03", "tc1-acc", NULL);
	g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, NULL);
	g_assert_nonnull(bus);
	g_assert_false(name_owned(bus));

	Child first = {0}, second = {0};
	launch(&first, first_path);
	g_assert_true(ui_wait(name_owned, bus, 20000));
	g_assert_false(first.exited);

	/* The second finds the first on the bus, sends it its path, and exits 0. */
	gint64 start = g_get_monotonic_time();
	launch(&second, second_path);
	g_assert_true(ui_wait(exited, &second, 20000));
	g_test_message("second launch exited after %.0f ms",
		       (g_get_monotonic_time() - start) / 1e3);
	g_assert_true(WIFEXITED(second.status));
	g_assert_cmpint(WEXITSTATUS(second.status), ==, 0);
	ui_spin(300);
	g_assert_false(first.exited); /* the first instance goes on */

	/* app.quit, as `gapplication action io.github.ckpt.Ckpt quit` sends it */
	g_autoptr(GVariant) reply =
	    g_dbus_connection_call_sync(bus, APP_ID, "/io/github/ckpt/Ckpt", "org.gtk.Actions",
					"Activate", g_variant_new("(sava{sv})", "quit", NULL, NULL),
					NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
	g_assert_nonnull(reply);
	g_assert_true(ui_wait(exited, &first, 20000));
	g_assert_true(WIFEXITED(first.status));
	g_assert_cmpint(WEXITSTATUS(first.status), ==, 0);
	ui_remove_tree(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ui/app/second-launch-hands-its-paths-to-the-first",
			test_second_launch_hands_over);
	return g_test_run();
}

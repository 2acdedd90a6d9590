/* main.c: starts the Checkpoints app; everything else is in libckpt-gtk. */
#include "ckpt-application.h"

int main(int argc, char **argv)
{
	g_autoptr(CkptApplication) app = ckpt_application_new(G_APPLICATION_DEFAULT_FLAGS);
	g_set_application_name("Checkpoints");
	return g_application_run(G_APPLICATION(app), argc, argv);
}

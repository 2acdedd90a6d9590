/* ckpt-application.h: the application: one instance per session (a second
 * launch hands its paths to the first), windows, about, colour scheme. */
#pragma once

#include "ckpt-window.h"

#include <adwaita.h>

G_BEGIN_DECLS

#define CKPT_APPLICATION_ID "io.github.ckpt.Ckpt"
#define CKPT_TYPE_APPLICATION (ckpt_application_get_type())
G_DECLARE_FINAL_TYPE(CkptApplication, ckpt_application, CKPT, APPLICATION, AdwApplication)

/* flags are added to G_APPLICATION_HANDLES_OPEN (tests add NON_UNIQUE). */
CkptApplication *ckpt_application_new(GApplicationFlags flags);
/* The window paths open in: the active one, else a new one. */
CkptWindow *ckpt_application_get_window(CkptApplication *self);

G_END_DECLS

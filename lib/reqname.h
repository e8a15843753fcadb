/* reqname.h - file name templates (public API in profreport.h). */
#ifndef PR_REQNAME_H
#define PR_REQNAME_H

#include "profreport.h"

#endif

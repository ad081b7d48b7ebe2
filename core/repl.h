/* repl.h: the interactive prompt (readline), each line run as a task on the loop. */
#ifndef DM_REPL_H
#define DM_REPL_H

#include "host.h"

/* Runs the REPL until end of input; returns the exit code (0). */
int dm_repl_run(dm_host *h);

#endif

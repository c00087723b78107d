/* fuzz_check.h: an invariant that a fuzz target checks; a violation is a finding. */
#ifndef SOCKWATCH_FUZZ_CHECK_H
#define SOCKWATCH_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

/* abort() is a deadly signal to libFuzzer: it saves the input as crash-<sha1>. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__,     \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif

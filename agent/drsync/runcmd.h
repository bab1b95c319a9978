/*
 * runcmd.h: run a program without a shell, with a timeout, and keep
 * what it printed (runcmd.c). For `drsync { method = command }`,
 * drbdsetup, and any check that runs a program (service command).
 *
 * The command line is split into words, never expanded: no $VAR, no
 * globs, no ~, no redirections, no pipes. Quoting, for arguments with
 * blanks: '...' keeps everything up to the next ' as is; "..." keeps
 * everything, with \" and \\ standing for " and \; outside quotes, a
 * backslash keeps the next character as is. Words are separated by
 * blanks (space, tab, newline).
 */
#ifndef MH_RUNCMD_H
#define MH_RUNCMD_H

#include <stdbool.h>
#include <stddef.h>

#define RUNCMD_WORDS_MAX 64
#define RUNCMD_LINE_MAX 4096

/* Split line into a NULL-terminated argv (one allocation: free() it).
 * Returns NULL with *why set to a constant reason: an empty command, an
 * unterminated quote, a trailing backslash, too many words, a line
 * longer than RUNCMD_LINE_MAX. */
char **runcmd_split(const char *line, const char **why);

enum runcmd_end {
	RUNCMD_EXITED,		/* code: the exit status */
	RUNCMD_SIGNALED,	/* code: the signal */
	RUNCMD_TIMEOUT,		/* killed (with its process group) */
	RUNCMD_NOEXEC,		/* code: errno of the exec (ENOENT...) */
	RUNCMD_ERROR,		/* code: errno of pipe, spawn, poll */
};

struct runcmd_result {
	enum runcmd_end end;
	int code;
	char *out;		/* stdout, NUL-terminated, at most max_out */
	size_t outlen;
	char *err;		/* stderr, likewise */
	size_t errlen;
	bool truncated;		/* more output than max_out was thrown away */
	long ms;		/* wall time */
};

/* Run argv[0] (looked up in PATH when it has no '/') with stdin from
 * /dev/null, in its own process group, default signal dispositions and
 * an empty signal mask. Waits at most timeout_ms; then SIGKILLs the
 * group. Keeps up to max_out bytes of each of stdout and stderr (reads
 * and drops the rest, so the program never blocks on a full pipe).
 * Returns 0 with r filled (free it with runcmd_result_free), whatever
 * the program did; -1 only when r could not be filled at all. */
int runcmd_run(char *const argv[], long timeout_ms, size_t max_out,
    struct runcmd_result *r);
void runcmd_result_free(struct runcmd_result *);
/* "exit 3", "killed by signal 9", "timed out after 10 s", "cannot
 * execute: No such file or directory": how the run ended, for errors */
void runcmd_describe(const struct runcmd_result *, long timeout_ms,
    char *buf, size_t len);
/* The first non-empty line of s, blanks trimmed, control characters
 * replaced by '?', cut to len - 1 bytes. */
void runcmd_first_line(const char *s, char *buf, size_t len);

#endif

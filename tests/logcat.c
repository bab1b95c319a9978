/*
 * logcat.c: read a log source through the log source API (agent/logs/
 * logsrc.h) and print each line with its parsed header. A test program
 * (the rotation, multilog, journal and real-writer tests drive the
 * sources through it) and the benchmarks' reader; useful to an admin to
 * see what mailhealthd reads, so perhaps a debug option of the daemon
 * one day.
 *
 *   logcat [-D] [-k file|multilog|journal] [-s STATE] [-o [-S SECS]] [-b]
 *          [-f [-i MS] [-t SECS]] [-n LINES] [-x LINES] [-p PARSER]
 *          [-J FILE]... [-u UNIT]... [-I IDENT]... [-r | -q | -c] [PATH]
 *
 *   -o  replay from the beginning (or -S seconds back) to the end, stop
 *   -f  follow: a round every -i ms (default 200) when caught up, until
 *       SIGTERM/SIGINT or -t seconds; the state (-s) is saved after
 *       every round that read something, and at exit
 *   -b  following without a state: start at the beginning
 *   -n  at most LINES per read call; -x: stop (and save) after LINES
 *   -r  print the raw line; -q nothing; -c the number of lines at the end
 *   -D  debug messages of the sources on stderr
 *
 * Default output, one line each: ts TAB host TAB prog TAB pid TAB
 * parser TAB msg. At exit, on stderr: "logcat:" and the source's
 * statistics, then "rusage: utime_ms stime_ms maxrss_kb". Exit status
 * 0, 1 when the source reported an error in its last round (once mode:
 * any), 2 for usage or open errors.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "logs/logsrc.h"

enum out { OUT_FIELDS, OUT_RAW, OUT_QUIET, OUT_COUNT };

static volatile sig_atomic_t stop;
static enum out out = OUT_FIELDS;
static uint64_t nlines;
static uint64_t xmax;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
put(const struct log_str *s)
{
	fwrite(s->p, 1, s->n, stdout);
}

static void
on_line(void *arg, const struct log_line *l)
{
	static const char *const parsers[] = { "auto", "postfix", "dovecot",
		"qmail", "exim" };

	(void)arg;
	nlines++;
	switch (out) {
	case OUT_QUIET:
	case OUT_COUNT:
		return;
	case OUT_RAW:
		put(&l->text);
		putchar('\n');
		return;
	case OUT_FIELDS:
		break;
	}
	printf("%lld\t", (long long)l->ts);
	put(&l->host);
	putchar('\t');
	put(&l->prog);
	printf("\t%ld\t%s\t", l->pid,
	    (unsigned)l->parser < MH_ARRAY_SIZE(parsers) ?
	    parsers[l->parser] : "?");
	put(&l->msg);
	putchar('\n');
}

static void
usage(void)
{
	fprintf(stderr, "usage: logcat [-D] [-k file|multilog|journal] [-s STATE] "
	    "[-o [-S SECS]] [-b] [-f [-i MS] [-t SECS]] [-n LINES] "
	    "[-x LINES] [-p PARSER] [-J FILE]... [-u UNIT]... [-I IDENT]... "
	    "[-r|-q|-c] [PATH]\n");
	exit(2);
}

static const char **
push(const char **v, size_t *n, const char *s)
{
	v = xreallocarray(v, *n + 2, sizeof(*v));
	v[(*n)++] = s;
	v[*n] = NULL;
	return v;
}

static void
report(struct logsrc *src)
{
	struct logsrc_stats st;
	struct rusage ru;

	logsrc_stats(src, &st);
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "logcat: lines %llu bytes %llu long %llu unterm %llu "
	    "skipped %llu noheader %llu rotations %llu truncations %llu "
	    "copymissed %llu errors %llu\n",
	    (unsigned long long)st.lines, (unsigned long long)st.bytes,
	    (unsigned long long)st.long_lines,
	    (unsigned long long)st.unterminated,
	    (unsigned long long)st.skipped, (unsigned long long)st.no_header,
	    (unsigned long long)st.rotations,
	    (unsigned long long)st.truncations,
	    (unsigned long long)st.copy_missed,
	    (unsigned long long)st.errors);
	fprintf(stderr, "rusage: %ld %ld %ld\n",
	    ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000,
	    ru.ru_stime.tv_sec * 1000L + ru.ru_stime.tv_usec / 1000,
	    ru.ru_maxrss);
}

int
main(int argc, char **argv)
{
	struct logsrc_conf c;
	struct logsrc_budget b = { 0, 0 };
	const char **files = NULL, **units = NULL, **idents = NULL;
	size_t nfiles = 0, nunits = 0, nidents = 0;
	struct logsrc *src;
	struct logsrc_stats st;
	uint64_t saved_bytes = 0;
	long interval = 200, tmax = 0;
	bool follow = false, failed = false;
	enum logsrc_rc rc;
	struct sigaction sa;
	time_t t0 = time(NULL);
	char *why, *obuf;
	int ch;

	memset(&c, 0, sizeof(c));
	c.name = "logcat";
	c.kind = LOGSRC_FILE;
	log_init("logcat", LOG_TO_STDERR);
	while ((ch = getopt(argc, argv, "bcDfi:I:J:k:n:op:qrs:S:t:u:x:")) != -1) {
		switch (ch) {
		case 'D':
			log_set_debug("logs");
			break;
		case 'b':
			c.from_start = true;
			break;
		case 'c':
			out = OUT_COUNT;
			break;
		case 'f':
			follow = true;
			break;
		case 'i':
			interval = atol(optarg);
			break;
		case 'I':
			idents = push(idents, &nidents, optarg);
			break;
		case 'J':
			files = push(files, &nfiles, optarg);
			break;
		case 'k':
			if (strcmp(optarg, "file") == 0)
				c.kind = LOGSRC_FILE;
			else if (strcmp(optarg, "multilog") == 0)
				c.kind = LOGSRC_MULTILOG;
			else if (strcmp(optarg, "journal") == 0)
				c.kind = LOGSRC_JOURNAL;
			else
				usage();
			break;
		case 'n':
			b.lines = (size_t)atol(optarg);
			break;
		case 'o':
			c.once = true;
			break;
		case 'p':
			if (strcmp(optarg, "postfix") == 0)
				c.parser = LOGP_POSTFIX;
			else if (strcmp(optarg, "dovecot") == 0)
				c.parser = LOGP_DOVECOT;
			else if (strcmp(optarg, "qmail") == 0)
				c.parser = LOGP_QMAIL;
			else if (strcmp(optarg, "exim") == 0)
				c.parser = LOGP_EXIM;
			else
				usage();
			break;
		case 'q':
			out = OUT_QUIET;
			break;
		case 'r':
			out = OUT_RAW;
			break;
		case 's':
			c.state_file = optarg;
			break;
		case 'S':
			c.since = atol(optarg);
			break;
		case 't':
			tmax = atol(optarg);
			break;
		case 'u':
			units = push(units, &nunits, optarg);
			break;
		case 'x':
			xmax = (uint64_t)atoll(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind < argc)
		c.path = argv[optind++];
	if (optind != argc || (c.path == NULL && c.kind != LOGSRC_JOURNAL))
		usage();
	c.files = files;
	c.units = units;
	c.idents = idents;
	if (c.kind == LOGSRC_JOURNAL && !logsrc_have_journal()) {
		fprintf(stderr, "logcat: built without journal support\n");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	obuf = xmalloc(1 << 16);
	setvbuf(stdout, obuf, _IOFBF, 1 << 16);

	src = logsrc_open(&c, &why);
	if (src == NULL) {
		fprintf(stderr, "logcat: %s\n", why);
		return 2;
	}
	for (;;) {
		if (xmax) {
			if (nlines >= xmax)
				break;
			b.lines = (size_t)(xmax - nlines);
		}
		rc = logsrc_read(src, on_line, NULL, &b);
		if (rc == LOGSRC_ERROR && (c.once || !follow))
			failed = true;
		logsrc_stats(src, &st);
		if (c.state_file && st.bytes != saved_bytes) {
			fflush(stdout);
			if (logsrc_save(src) < 0)
				failed = true;
			saved_bytes = st.bytes;
		}
		if (rc == LOGSRC_DONE || stop || (failed && c.once))
			break;
		if (rc == LOGSRC_MORE)
			continue;
		if (!follow)
			break;
		if (tmax && time(NULL) - t0 >= tmax)
			break;
		fflush(stdout);
		{
			struct timespec ts = { interval / 1000,
				(interval % 1000) * 1000000L };

			while (nanosleep(&ts, &ts) < 0 && errno == EINTR &&
			    !stop)
				;
		}
	}
	if (logsrc_error(src)) {
		fprintf(stderr, "logcat: error: %s\n", logsrc_error(src));
		if (!follow)
			failed = true;
	}
	if (c.state_file && logsrc_save(src) < 0)
		failed = true;
	if (out == OUT_COUNT)
		printf("%llu\n", (unsigned long long)nlines);
	fflush(stdout);
	report(src);
	logsrc_close(src);
	free(files);
	free(units);
	free(idents);
	return failed ? 1 : 0;
}

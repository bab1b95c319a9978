/*
 * mailhealthd.c: the daemon: options, configuration, daemonising,
 * signals, and the glue between the collector thread, the alarm engine
 * and the SNMP layer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snmp/snmp.h"

struct daemon {
	const char *conffile;
	const char *agentx_override;
	struct conf *conf;
	struct collect *collect;
	struct alarms *alarms;
	struct snapshot *snap;		/* being served */
	struct mibview *view;
	struct agent_info ai;
	int snap_pipe[2];
	int sig_pipe[2];
	bool pidfile_written;
	int64_t last_tick;		/* monotonic ms */
	int64_t last_heartbeat;		/* monotonic ms, 0: none sent */
};

static int sig_pipe_w = -1;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailhealthd [-f] [-D[TOKENS]] [-c FILE] [-x AGENTX_SOCKET]\n"
	    "                   [--once [--format text|json] [--since DURATION]]\n"
	    "                   [--check-config]\n"
	    "  -f               stay in the foreground, log to stderr\n"
	    "  -D[TOKENS]       debug log to stderr (all, or e.g. -Dqueue,snmp);\n"
	    "                   implies -f\n"
	    "  -c FILE          configuration (default %s)\n"
	    "  -x SOCKET        AgentX master socket, overrides agentx_socket\n"
	    "  --once           collect once, print the snapshot, exit\n"
	    "  --format F       with --once: json (default) or text\n"
	    "  --since DURATION with --once: only log lines of the last DURATION\n"
	    "                   (90s, 30m, 2h, 1d, 1w; default: the whole logs)\n"
	    "  --check-config   validate the configuration and exit (78 if bad)\n"
	    "  -V, --version    print the version and exit\n",
	    conf_default_file());
}

static void
sig_handler(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (write(sig_pipe_w, &c, 1) < 0) {
		/* the pipe is full: a signal is already pending */
	}
	errno = saved;
}

static int
pipe_nb(int p[2])
{
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	return 0;
}

static void
view_rebuild(struct daemon *d)
{
	mibview_build(d->view, d->snap, &d->ai, d->alarms,
	    (size_t)d->conf->top_n);
	snmp_set_view(d->view);
}

static void
emit_alarm(const struct alarm_event *ev, void *arg)
{
	struct daemon *d = arg;
	struct snmp_notice n;
	char t[1024];

	alarm_text(ev, t, sizeof(t));
	log_notice("alarm", "%s %s [%s]: %s",
	    ev->kind == ALARM_RAISED ? "raised" : "cleared", ev->row->name,
	    mh_severity_name(ev->row->severity), t);
	snmp_notice_from_event(&n, ev);
	snmp_notify(&n, d->ai.hostname);
}

/* A new part arrived, or a part went stale: assemble, evaluate the
 * alarms, rebuild the view. */
static void
refresh(struct daemon *d)
{
	bool changed;
	struct snapshot *s = collect_snapshot(d->collect, &changed);

	if (!changed && d->snap != NULL) {
		snapshot_free(s);
		return;
	}
	d->ai.collect_errors = collect_errors(d->collect);
	alarms_eval(d->alarms, s, time(NULL), emit_alarm, d);
	snapshot_free(d->snap);
	d->snap = s;
	view_rebuild(d);
	log_debug("collect", "snapshot: %zu objects, %u error(s)%s%s",
	    mibview_count(d->view), s->errors, s->last_error[0] ? ": " : "",
	    s->last_error);
}

static void
on_snapshot(int fd, void *arg)
{
	struct daemon *d = arg;
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	refresh(d);
}

/* Once a second: parts age into staleness without any event. */
static void
on_tick(void *arg)
{
	struct daemon *d = arg;
	int64_t now = mh_now_ms();

	if (now - d->last_tick < 1000)
		return;
	d->last_tick = now;
	refresh(d);
	/* the dead-man's switch: a dead server sends no trap, so a live
	 * one says so every `heartbeat` seconds (mailhealth-sms --daemon
	 * pages when they stop) */
	if (d->conf->heartbeat > 0 && snmp_connected() &&
	    (d->last_heartbeat == 0 ||
	    now - d->last_heartbeat >= d->conf->heartbeat * 1000)) {
		snmp_heartbeat(d->ai.hostname, (uint32_t)d->conf->heartbeat);
		d->last_heartbeat = now;
	}
}

/* On every (re)connection, re-send the notifications of active alarms:
 * traps sent while the master was away are lost. All of them: the
 * paced queue holds up to notify_queue. */
static void
on_connect(void *arg)
{
	struct daemon *d = arg;
	const struct alarm_row **rows;
	size_t i, n = alarms_active(d->alarms, &rows);

	for (i = 0; i < n; i++) {
		struct alarm_event ev = { ALARM_RAISED, rows[i], rows[i]->value,
		    rows[i]->rising };
		struct snmp_notice no;

		snmp_notice_from_event(&no, &ev);
		snmp_notify(&no, d->ai.hostname);
	}
	free(rows);
	if (n)
		log_info("snmp", "re-sent %zu active alarm(s)", n);
}

/* Never waits for a collector: unchanged collectors keep running with
 * their state, changed ones are restarted without joining the old
 * thread (collect_reconf). */
static void
reload(struct daemon *d)
{
	struct conf *nc;
	char *err = NULL;

	nc = conf_load(d->conffile, &err);
	if (nc == NULL) {
		log_warnx("conf", "reload failed, keeping the running "
		    "configuration: %s", err);
		free(err);
		return;
	}
	if (strcmp(nc->agentx_socket, d->conf->agentx_socket) != 0 &&
	    d->agentx_override == NULL)
		log_warnx("conf", "agentx_socket changed: restart mailhealthd "
		    "for it to take effect");
	collect_reconf(d->collect, nc);
	alarms_configure(d->alarms, nc);
	snmp_set_queue_max((size_t)nc->notify_queue);
	conf_free(d->conf);
	d->conf = nc;
	d->ai.interval = nc->interval;
	view_rebuild(d);
	log_info("conf", "reloaded %s", d->conffile);
}

static void
on_signal(int fd, void *arg)
{
	struct daemon *d = arg;
	unsigned char c;

	while (read(fd, &c, 1) == 1) {
		switch (c) {
		case SIGHUP:
			reload(d);
			break;
		case SIGTERM:
		case SIGINT:
			log_info("main", "exiting on signal %d", c);
			loop_stop();
			break;
		}
	}
}

/* The pid of a running mailhealthd recorded in path, or 0. */
static long
pidfile_running(const char *path)
{
	FILE *fp;
	long pid = 0;
	int fd;

	/* a symlink there is not ours: not followed */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return 0;
	}
	if (fscanf(fp, "%ld", &pid) != 1 || pid <= 0 ||
	    pid == (long)getpid() || kill((pid_t)pid, 0) != 0)
		pid = 0;
	fclose(fp);
	return pid;
}

/* Written to a new file beside it and renamed over it: a symlink planted
 * at the path (in a directory others can write) is replaced, never
 * followed, and the file is 0644 whatever the umask. */
static int
pidfile_write(const char *path)
{
	char buf[32], *tmp;
	long pid;
	int fd, n, rc = -1;

	if ((pid = pidfile_running(path)) != 0) {
		log_warnx("main", "%s: mailhealthd already runs as pid %ld",
		    path, pid);
		return -1;
	}
	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		log_warn("main", "cannot write %s", path);
		free(tmp);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (fchmod(fd, 0644) != 0 || write(fd, buf, (size_t)n) != n ||
	    fsync(fd) != 0) {
		log_warn("main", "cannot write %s", tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		log_warn("main", "cannot rename %s to %s", tmp, path);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

static void
agent_info_init(struct agent_info *ai, const struct conf *c)
{
	memset(ai, 0, sizeof(*ai));
	ai->version = PACKAGE_VERSION;
	gethostname(ai->hostname, sizeof(ai->hostname) - 1);
	ai->started = time(NULL);
	ai->interval = c->interval;
}

/* "90", "90s", "30m", "2h", "1d", "1w": seconds, or -1 */
static long
parse_duration(const char *s)
{
	char *end;
	long v, mul = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || v <= 0)
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > 100L * 365 * 86400 / mul)
		return -1;
	return v * mul;
}

static int
run_once(const char *file, const char *format, long since)
{
	struct conf *c;
	struct snapshot *s;
	struct alarms *al;
	size_t i;
	int rc = 0;
	struct agent_info ai;
	char *err = NULL, *out;

	if ((c = conf_load(file, &err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return MH_EX_CONFIG;
	}
	c->once = true;
	c->since = since;
	agent_info_init(&ai, c);
	s = collect_once(c);
	ai.collect_errors = s->errors;
	al = alarms_new();
	alarms_configure(al, c);
	alarms_eval(al, s, s->taken, NULL, NULL);
	if (strcmp(format, "text") == 0)
		out = report_text(s, &ai, al, (size_t)c->top_n);
	else
		out = report_json(s, &ai, al);
	fputs(out, stdout);
	free(out);
	/* what it was asked to read and could not: say so in the status */
	for (i = 0; i < s->nparts; i++)
		if (s->parts[i].part && s->parts[i].part->incomplete)
			rc = 69;
	alarms_free(al);
	snapshot_free(s);
	conf_free(c);
	return rc;
}

int
mailhealthd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'O' },
		{ "format", required_argument, NULL, 'F' },
		{ "since", required_argument, NULL, 'S' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct daemon d;
	bool foreground = false, once = false, check = false;
	const char *format = "json", *debug = NULL;
	long since = 0;
	char *err = NULL;
	struct sigaction sa;
	int ch, rc = 0;

	memset(&d, 0, sizeof(d));
	d.conffile = conf_default_file();
	log_init("mailhealthd", LOG_TO_STDERR);

	while ((ch = getopt_long(argc, argv, "fD::c:x:Vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			foreground = true;
			break;
		case 'D':
			foreground = true;
			debug = optarg ? optarg : "all";
			break;
		case 'c':
			d.conffile = optarg;
			break;
		case 'x':
			d.agentx_override = optarg;
			break;
		case 'O':
			once = true;
			break;
		case 'F':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "mailhealthd: --format takes "
				    "json or text\n");
				return MH_EX_USAGE;
			}
			format = optarg;
			break;
		case 'S':
			if ((since = parse_duration(optarg)) < 0) {
				fprintf(stderr, "mailhealthd: --since takes a "
				    "duration: 90s, 30m, 2h, 1d, 1w\n");
				return MH_EX_USAGE;
			}
			break;
		case 'C':
			check = true;
			break;
		case 'V':
			printf("mailhealthd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return MH_EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return MH_EX_USAGE;
	}
	if (since > 0 && !once) {
		fprintf(stderr, "mailhealthd: --since goes with --once\n");
		return MH_EX_USAGE;
	}
	log_set_debug(debug);

	if (check) {
		struct conf *c = conf_load(d.conffile, &err);

		if (c == NULL) {
			fprintf(stderr, "%s\n", err);
			free(err);
			return MH_EX_CONFIG;
		}
		conf_free(c);
		printf("%s: configuration ok\n", d.conffile);
		return 0;
	}
	if (once)
		return run_once(d.conffile, format, since);

	if ((d.conf = conf_load(d.conffile, &err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return MH_EX_CONFIG;
	}
	if (!foreground && d.conf->pidfile[0]) {
		/* say it where the admin sees it, before detaching */
		long pid = pidfile_running(d.conf->pidfile);

		if (pid != 0) {
			fprintf(stderr, "mailhealthd: %s: already running as "
			    "pid %ld\n", d.conf->pidfile, pid);
			conf_free(d.conf);
			return 75;
		}
	}
	if (!foreground) {
		if (daemon(0, 0) != 0) {
			perror("mailhealthd: daemon");
			return 71;
		}
		log_init("mailhealthd", LOG_TO_SYSLOG);
	}
	if (d.conf->pidfile[0] && !foreground) {
		if (pidfile_write(d.conf->pidfile) != 0)
			return 75;
		d.pidfile_written = true;
	}

	agent_info_init(&d.ai, d.conf);

	if (pipe_nb(d.snap_pipe) != 0 || pipe_nb(d.sig_pipe) != 0) {
		log_warn("main", "pipe");
		return 71;
	}
	sig_pipe_w = d.sig_pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	d.alarms = alarms_new();
	alarms_configure(d.alarms, d.conf);
	d.view = mibview_new();
	view_rebuild(&d);

	snmp_on_connect(on_connect, &d);
	if (snmp_agent_init(d.agentx_override ? d.agentx_override :
	    d.conf->agentx_socket, d.conf->agentx_ping) != 0) {
		rc = 71;
		goto out;
	}
	loop_add_fd(d.snap_pipe[0], on_snapshot, &d);
	loop_add_fd(d.sig_pipe[0], on_signal, &d);
	loop_set_tick(on_tick, &d);
	snmp_set_queue_max((size_t)d.conf->notify_queue);

	d.collect = collect_new(d.conf, d.snap_pipe[1]);
	log_info("main", "mailhealthd %s started (AgentX %s, every %ld s)",
	    PACKAGE_VERSION, d.agentx_override ? d.agentx_override :
	    d.conf->agentx_socket, d.conf->interval);
	if (loop_run() != 0)
		rc = 70;

out:
	collect_free(d.collect);
	snmp_agent_shutdown();
	snapshot_free(d.snap);
	mibview_free(d.view);
	alarms_free(d.alarms);
	if (d.pidfile_written)
		unlink(d.conf->pidfile);
	conf_free(d.conf);
	return rc;
}

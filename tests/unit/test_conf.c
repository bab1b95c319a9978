/*
 * test_conf.c: mailhealthd.conf parsing and validation. Every bad input
 * must name the file and the line, and never yield a configuration.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/core.h"
#include "queue/queue.h"
#include "cfgtest.h"

/* The queue collector's own part of a configuration. */
static const struct conf_mta *
mta(const struct conf *c)
{
	return conf_col_of(c, &collector_queue)->cc;
}

static int
teardown(void **state)
{
	(void)state;
	ct_remove();
	return 0;
}

static void
test_sample_values(void **state)
{
	char *err = NULL;
	struct conf *c;

	(void)state;
	c = conf_load(ct_write(
	    "agentx_socket = \"/tmp/x.sock\"\n"
	    "interval = 7\n"
	    "top_n = 5\n"
	    "mta postfix { queue_directory = \"/srv/pf\" many_rcpt = 3 }\n"
	    "alarm q { metric = \"queue.total\" rising = 10 falling = 5\n"
	    "          hold = 30 severity = major text = 'big' }\n"
	    "alarm low { metric = \"queue.messages\" rising = 1 falling = 4 }\n"),
	    &err);
	assert_null(err);
	assert_non_null(c);
	assert_string_equal(c->agentx_socket, "/tmp/x.sock");
	assert_int_equal(c->interval, 7);
	assert_int_equal(c->top_n, 5);
	assert_int_equal(mta(c)->kind, MH_MTA_POSTFIX);
	assert_false(mta(c)->is_auto);
	assert_string_equal(mta(c)->queue_directory, "/srv/pf");
	assert_int_equal(mta(c)->many_rcpt, 3);
	assert_int_equal(c->nalarms, 2);
	assert_string_equal(c->alarms[0].name, "q");
	assert_string_equal(c->alarms[0].metric, "queue.total");
	assert_true(c->alarms[0].rising == 10.0);
	assert_true(c->alarms[0].falling == 5.0);
	assert_int_equal(c->alarms[0].hold, 30);
	assert_int_equal(c->alarms[0].severity, MH_SEV_MAJOR);
	assert_string_equal(c->alarms[0].text, "big");
	assert_int_equal(c->alarms[1].severity, MH_SEV_WARNING);
	assert_null(c->alarms[1].text);
	conf_free(c);
}

static void
test_defaults(void **state)
{
	char *err = NULL;
	struct conf *c;

	(void)state;
	c = conf_load(ct_write("# nothing\n"), &err);
	assert_non_null(c);
	assert_string_equal(c->agentx_socket, "/var/agentx/master");
	assert_int_equal(c->interval, 30);
	assert_int_equal(c->top_n, 10);
	assert_true(mta(c)->is_auto);
	assert_int_equal(c->nalarms, 0);
	conf_free(c);
	ct_remove();

	c = conf_load(ct_write("mta qmail { }\n"), &err);
	assert_non_null(c);
	assert_string_equal(mta(c)->queue_directory, "/var/qmail/queue");
	assert_int_equal(mta(c)->split, 23);
	conf_free(c);
	ct_remove();
	c = conf_load(ct_write("mta exim { }\n"), &err);
	assert_non_null(c);
	assert_string_equal(mta(c)->spool_directory, "/var/spool/exim4");
	conf_free(c);
}

static void
test_typo(void **state)
{
	(void)state;
	ct_expect_error("interval = 30\n\ntop_m = 10\n", 3, "top_m");
	/* a section libconfuse made before any file names the file too */
	ct_expect_error("system {\n disks = { \"var\" }\n}\n", 2,
	    "disks: 'var' is not an absolute path");
}

static void
test_bad_values(void **state)
{
	(void)state;
	ct_expect_error("interval = 0\n", 1, "out of range");
	ct_expect_error("\ninterval = \"often\"\n", 2, "interval");
	ct_expect_error("top_n = 101\n", 1, "out of range");
	ct_expect_error("mta sendmail { }\n", 1, "unknown mta 'sendmail'");
	ct_expect_error("mta exim {\n queue_directory = \"/q\"\n}\n", 3,
	    "spool_directory");
	ct_expect_error("mta postfix { queue_directory = \"relative\" }\n", 1,
	    "absolute");
	ct_expect_error("alarm a {\n metric = \"queue.totl\"\n rising = 1 "
	    "falling = 0 }\n", 2, "unknown metric 'queue.totl'");
	ct_expect_error("alarm a { metric = \"queue.total\"\n rising = 1 "
	    "falling = 0\n severity = severe }\n", 3,
	    "invalid severity 'severe'");
	ct_expect_error("alarm a { metric = \"queue.total\" falling = 0 }\n", 1,
	    "rising and falling are required");
	ct_expect_error("alarm a { metric = \"queue.total\" rising = 1 "
	    "falling = 0 }\n"
	    "alarm a { metric = \"queue.total\" rising = 1 falling = 0 }\n", 2, "a");
	ct_expect_error("mta postfix { }\nmta qmail { }\n", 2, "only one mta");
	ct_expect_error("interval = 30\nalarm x {\n", 3, "");
}

static void
test_missing_file(void **state)
{
	char *err = NULL;

	(void)state;
	assert_null(conf_load("/nonexistent/mh.conf", &err));
	assert_non_null(err);
	assert_string_equal(err,
	    "/nonexistent/mh.conf: cannot open: No such file or directory");
	free(err);
}

static void
test_severity_names(void **state)
{
	(void)state;
	assert_int_equal(mh_severity_parse("Critical"), MH_SEV_CRITICAL);
	assert_string_equal(mh_severity_name(MH_SEV_INFO), "info");
	assert_int_equal(mh_severity_parse("loud"), -1);
}

static char *manpage;

static void
check_documented(const char *name, void *arg)
{
	char want[128];

	(void)arg;
	/* ".It Li name" or one of a comma list ".It Li a , name , b" */
	snprintf(want, sizeof(want), " %s", name);
	if (strstr(manpage, want) == NULL)
		fail_msg("metric %s is not in mailhealthd.conf(5)", name);
}

/* Every metric a collector declares is documented for the admin, and
 * the sample configuration parses. */
static void
test_metrics_documented(void **state)
{
	const char *top = getenv("top_srcdir");
	char file[512], *err = NULL;
	struct conf *c;
	FILE *fp;
	long n;

	(void)state;
	assert_non_null(top);
	snprintf(file, sizeof(file), "%s/man/mailhealthd.conf.5", top);
	assert_non_null(fp = fopen(file, "r"));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	manpage = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(manpage, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	metrics_list(check_documented, NULL);
	free(manpage);

	snprintf(file, sizeof(file), "%s/conf/mailhealthd.conf", top);
	c = conf_load(file, &err);
	if (c == NULL)
		fail_msg("%s", err);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sample_values, teardown),
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_typo, teardown),
		cmocka_unit_test_teardown(test_bad_values, teardown),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_metrics_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

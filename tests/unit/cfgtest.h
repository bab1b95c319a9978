/*
 * cfgtest.h: what the tests that load a mailhealthd.conf share: the
 * text in a temp file, loaded, or checked for its error message.
 * Include after cmocka.h and core/core.h.
 */
#ifndef MH_CFGTEST_H
#define MH_CFGTEST_H

/* A fresh /tmp/mh-conf-XXXXXX holding text; returns its path, good
 * until the next call. ct_remove removes it. */
const char *ct_write(const char *text);
/* Remove the file ct_write made last, if it is still there (a teardown
 * for a test that fails half-way). */
void ct_remove(void);
/* text loaded as a configuration (the file removed); fails the test
 * with the loader's message if it does not load. */
struct conf *ct_load(const char *text);
/* Loads text expecting failure; checks the message is "FILE:LINE: ..."
 * with that line and contains want. */
void ct_expect_error(const char *text, int line, const char *want);

/* A fresh /tmp/mh-ct-XXXXXX in ct_dir for the files a test's
 * configuration names (logs, state): cmocka setup and teardown (the
 * latter removes it with all it holds). */
extern char ct_dir[64];
int ct_dir_setup(void **state);
int ct_dir_teardown(void **state);
/* The part's data; fails the test if there is no part or no data. */
const void *ct_data(const struct part *);
/* One --once round of col on c (c->once set, as mailhealthd --once
 * runs it); fails the test if the part has no data. */
struct part *ct_once(const struct collector *col, struct conf *c);

#endif

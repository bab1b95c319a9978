/*
 * storm_int.h: the storm state's structures, shared by storm.c (the
 * decisions) and storm_file.c (the state file). Nothing else sees them.
 */
#ifndef MH_SMS_STORM_INT_H
#define MH_SMS_STORM_INT_H

#include "sms.h"

#define STORM_MAX_ENTRIES 4096
#define STORM_KEEP_RAISED (30 * 86400)	/* remember a paged raise this long */
#define STORM_KEEP_OTHER 86400

struct storm_entry {
	char *to, *key;
	char *missed;		/* text of a raise that never reached the phone */
	bool raised_sent;	/* the phone shows it raised */
	bool held;		/* last raise was held back */
	time_t last_raise, last_held, last_seen;
	int last_sev;
};

struct storm_sent {
	time_t t;
	int sev;
};

struct storm_rcpt {
	char *to;
	struct storm_sent *sent;
	size_t nsent;
	unsigned held_total;
	unsigned held[MH_FAM_COUNT];
	time_t first_held, last_summary;
};

struct storm {
	struct storm_entry *e;
	size_t ne, ecap;
	/* (to, key) -> index + 1 into e; 0 = free slot. Open addressing,
	 * nidx a power of two, at most half full. NULL: rebuilt on the next
	 * lookup (after load-time growth, trimming or clearing). Without it
	 * a handler spent 36 ms on a full state (4096 entries), most of it
	 * in a linear search per entry while loading. */
	size_t *idx, nidx;
	struct storm_rcpt *r;
	size_t nr;
};

/* storm.c */
void storm_clear(struct storm *s);
struct storm_entry *storm_entry(struct storm *s, const char *to,
    const char *key, bool create);
struct storm_rcpt *storm_rcpt(struct storm *s, const char *to);

#endif

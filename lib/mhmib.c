/*
 * mhmib.c: the names of MAILHEALTH-MIB's enumerations, shared by the
 * agent (configuration, reports) and the SMS handler (templates, routes).
 */
#include "config.h"

#include <strings.h>

#include "mhmib.h"

static const char *const severities[MH_SEV_COUNT][2] = {
	[MH_SEV_UNKNOWN] = { "unknown", "UNKNOWN" },
	[MH_SEV_CRITICAL] = { "critical", "CRITICAL" },
	[MH_SEV_MAJOR] = { "major", "MAJOR" },
	[MH_SEV_MINOR] = { "minor", "MINOR" },
	[MH_SEV_WARNING] = { "warning", "WARNING" },
	[MH_SEV_INFO] = { "info", "INFO" },
};

/* [1] is the CamelCase part of mh<Mib>Alarm / mh<Mib>AlarmClear */
static const char *const families[MH_FAM_COUNT][2] = {
	[MH_FAM_OTHER] = { "other", "" },
	[MH_FAM_QUEUE] = { "queue", "Queue" },
	[MH_FAM_TRAFFIC] = { "traffic", "Traffic" },
	[MH_FAM_AUTH] = { "auth", "Auth" },
	[MH_FAM_DEFER] = { "defer", "Defer" },
	[MH_FAM_SERVICE] = { "service", "Service" },
	[MH_FAM_DRSYNC] = { "drsync", "DrSync" },
	[MH_FAM_CONN] = { "conn", "Conn" },
	[MH_FAM_SYSTEM] = { "system", "System" },
	[MH_FAM_AGENT] = { "agent", "Agent" },
};

const char *
mh_severity_name(enum mh_severity s)
{
	return (unsigned)s < MH_SEV_COUNT ? severities[s][0] : "unknown";
}

const char *
mh_severity_upper(enum mh_severity s)
{
	return (unsigned)s < MH_SEV_COUNT ? severities[s][1] : "UNKNOWN";
}

int
mh_severity_parse(const char *s)
{
	int i;

	for (i = MH_SEV_CRITICAL; i < MH_SEV_COUNT; i++)
		if (strcasecmp(s, severities[i][0]) == 0)
			return i;
	return -1;
}

const char *
mh_family_name(enum mh_family f)
{
	return (unsigned)f < MH_FAM_COUNT ? families[f][0] : "other";
}

const char *
mh_family_mib(enum mh_family f)
{
	return (unsigned)f < MH_FAM_COUNT ? families[f][1] : "";
}

int
mh_family_parse(const char *s)
{
	int i;

	for (i = 0; i < MH_FAM_COUNT; i++)
		if (strcasecmp(s, families[i][0]) == 0)
			return i;
	return -1;
}

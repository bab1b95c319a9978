/*
 * mhmib.h: MAILHEALTH-MIB as both programs see it: where it lives, its
 * arcs, and its enumerations (severities, alarm families, notification
 * objects). mailhealthd serves and sends it; mailhealth-sms reads it.
 * The numbers here must match mibs/MAILHEALTH-MIB.txt;
 * tests/integration/mib-lint.sh checks the C side against the MIB file.
 *
 * The root is the one line to change when a Private Enterprise Number is
 * assigned: netSnmpPlaypen (1.3.6.1.4.1.8072.9999.9999) . 25.
 */
#ifndef MH_MIB_H
#define MH_MIB_H

#define MH_OID_ROOT 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 25
#define MH_OID_ROOT_LEN 10

/* under the root */
#define MH_NOTIFICATIONS 0
#define MH_OBJECTS 1
#define MH_CONFORMANCE 2

/* under mhObjects */
#define MH_G_AGENT 1
#define MH_G_QUEUE 2
#define MH_G_TRAFFIC 3
#define MH_G_DEFER 4
#define MH_G_AUTH 5
#define MH_G_SERVICES 6
#define MH_G_DRSYNC 7
#define MH_G_CONN 8
#define MH_G_SYSTEM 9
#define MH_G_ALARMS 10
#define MH_G_NOTIFY 11

/* mhAgent scalars */
#define MH_AGENT_VERSION 1
#define MH_AGENT_MTA 2
#define MH_AGENT_HOSTNAME 3
#define MH_AGENT_STARTTIME 4
#define MH_AGENT_INTERVAL 5
#define MH_AGENT_LASTCOLLECT 6
#define MH_AGENT_SNAPSHOTAGE 7
#define MH_AGENT_COLLECTDURATION 8
#define MH_AGENT_COLLECTERRORS 9
#define MH_AGENT_LASTERROR 10

/* mhQueue scalars */
#define MH_QUEUE_MESSAGES 1
#define MH_QUEUE_KBYTES 2
#define MH_QUEUE_OLDESTAGE 3
#define MH_QUEUE_GROWTH 4
#define MH_QUEUE_BOUNCES 5
#define MH_QUEUE_MANYRCPT 6
#define MH_QUEUE_RECIPIENTS 7
#define MH_QUEUE_TABLE 10	/* .1.col.index */
#define MH_QUEUE_SENDER_TABLE 11
#define MH_QUEUE_DOMAIN_TABLE 12

/* mhQueueEntry columns */
#define MH_QE_INDEX 1
#define MH_QE_NAME 2
#define MH_QE_MESSAGES 3
#define MH_QE_KBYTES 4
#define MH_QE_OLDESTAGE 5
#define MH_QE_RECIPIENTS 6

/* mhQueueSenderEntry / mhQueueDomainEntry columns: the index is a
 * number the agent keeps per key, the rank a column of its own */
#define MH_QT_INDEX 1
#define MH_QT_RANK 5
#define MH_QT_NAME 2
#define MH_QT_COUNT 3
#define MH_QT_SHARE 4

/* mhDrSync scalars */
#define MH_DR_STATUS 1
#define MH_DR_LAG 2
#define MH_DR_LASTSUCCESS 3
#define MH_DR_LASTERROR 4
#define MH_DR_ROLE 5
#define MH_DR_METHOD 6
#define MH_DR_MAXLAG 7
#define MH_DR_DETAIL 8
#define MH_DR_OUTOFSYNC 9
#define MH_DR_PEER 10
#define MH_DR_PEERSTATUS 11
#define MH_DR_PEERCONNECTTIME 12
#define MH_DR_PEERFAILURES 13
#define MH_DR_PEERLASTERROR 14

/* mhConnections scalars, mhConnTable (indexed by port) and
 * mhConnHostTable (indexed by port and a number kept per host) */
#define MH_CONN_READER 1
#define MH_CONN_OUTBOUND 2
#define MH_CONN_TABLE 10
#define MH_CONN_HOST_TABLE 11
#define MH_CE_PORT 1
#define MH_CE_ESTABLISHED 2
#define MH_CE_HALFOPEN 3
#define MH_CE_REMOTEHOSTS 4
#define MH_CE_GROWTH 5
#define MH_CH_INDEX 1
#define MH_CH_ADDRESS 2
#define MH_CH_CONNECTIONS 3
#define MH_CH_SHARE 4
#define MH_CH_RANK 5

/* mhTraffic scalars (from the mail logs) and mhRateSenderTable */
#define MH_TR_RECEIVED 1	/* Counter64 totals since start */
#define MH_TR_DELIVERED 2
#define MH_TR_DEFERRED 3
#define MH_TR_BOUNCED 4
#define MH_TR_REJECTED 5
#define MH_TR_RATEWINDOW 6
#define MH_TR_SENDER_TABLE 10
#define MH_TR_RECEIVED_MIN 11	/* per minute over the window */
#define MH_TR_DELIVERED_MIN 12
#define MH_TR_DEFERRED_MIN 13
#define MH_TR_BOUNCED_MIN 14
#define MH_TR_REJECTED_MIN 15
#define MH_TR_RECEIVED_WIN 16	/* in the window */
#define MH_TR_DELIVERED_WIN 17
#define MH_TR_DEFERRED_WIN 18
#define MH_TR_BOUNCED_WIN 19
#define MH_TR_REJECTED_WIN 20
#define MH_TR_WINDOWEND 21
#define MH_RS_INDEX 1
#define MH_RS_NAME 2
#define MH_RS_MESSAGES 3
#define MH_RS_PERHOUR 4
#define MH_RS_CLIENTIPS 5
#define MH_RS_LASTCLIENT 6
#define MH_RS_RANK 7
#define MH_RS_MESSAGESERR 8
#define MH_RS_TOTAL 9
#define MH_RS_SINCE 10
#define MH_RS_CLIENTIPSACC 11
#define MH_RS_DOMAINS 12
#define MH_RS_DOMAINSACC 13
#define MH_RS_FIRSTCLIENTS 14
#define MH_RS_LASTTIME 15

/* mhDefer: mhDeferTable */
#define MH_DEFER_TABLE 10
#define MH_DF_INDEX 1
#define MH_DF_DOMAIN 2
#define MH_DF_MESSAGES 3
#define MH_DF_LASTREASON 4
#define MH_DF_LASTTIME 5
#define MH_DF_RANK 6
#define MH_DF_BOUNCES 7
#define MH_DF_DEFERREDTOTAL 8
#define MH_DF_BOUNCEDTOTAL 9
#define MH_DF_SINCE 10
#define MH_DF_FAILED 11
#define MH_DF_FAILEDERR 12

/* mhAuth scalars and tables */
#define MH_AU_WINDOW 1
#define MH_AU_FAILURES 2
#define MH_AU_FAILURESWIN 3
#define MH_AU_NOPASS 4
#define MH_AU_NOPASSWIN 5
#define MH_AU_SUCCESSES 6
#define MH_AU_PROTO_TABLE 10
#define MH_AU_USER_TABLE 11
#define MH_AU_CLIENT_TABLE 12
#define MH_AP_PROTO 1		/* smtp(1) pop3(2) imap(3) submission(4) */
#define MH_AP_FAILURES 2
#define MH_AP_FAILURESWIN 3
#define MH_AP_SUCCESSES 4
#define MH_AP_NOPASS 5
#define MH_AP_NOPASSWIN 6
#define MH_AUU_INDEX 1
#define MH_AUU_NAME 2
#define MH_AUU_FAILURES 3
#define MH_AUU_CLIENTS 4
#define MH_AUU_RANK 5
#define MH_AUU_FAILURESERR 6
#define MH_AUU_TOTAL 7
#define MH_AUU_SINCE 8
#define MH_AUU_CLIENTSACC 9
#define MH_AUU_LASTCLIENT 10
#define MH_AUU_LASTTIME 11
#define MH_AUC_INDEX 1
#define MH_AUC_ADDRESS 2
#define MH_AUC_FAILURES 3
#define MH_AUC_USERS 4
#define MH_AUC_RANK 5
#define MH_AUC_FAILURESERR 6
#define MH_AUC_TOTAL 7
#define MH_AUC_SINCE 8
#define MH_AUC_USERSACC 9
#define MH_AUC_FIRSTUSERS 10
#define MH_AUC_LASTTIME 11

/* mhSystem scalars and mhDiskTable columns */
#define MH_SYS_LOAD1 1
#define MH_SYS_LOAD5 2
#define MH_SYS_LOAD15 3
#define MH_SYS_CPUUTIL 4
#define MH_SYS_MEMTOTAL 5
#define MH_SYS_MEMAVAIL 6
#define MH_SYS_SWAPTOTAL 7
#define MH_SYS_SWAPFREE 8
#define MH_SYS_CPUIOWAIT 9
#define MH_SYS_DISK_TABLE 10
#define MH_SYS_MEMUSED 11
#define MH_SYS_CPUSTEAL 12
#define MH_SYS_SWAPUSED 13
#define MH_DK_INDEX 1
#define MH_DK_PATH 2
#define MH_DK_SIZE 3
#define MH_DK_USED 4
#define MH_DK_AVAIL 5
#define MH_DK_USEDPCT 6
#define MH_DK_INODESPCT 7

/* mhServiceTable columns (position index); 9.. appended */
#define MH_SVC_TABLE 10
#define MH_SV_INDEX 1
#define MH_SV_NAME 2
#define MH_SV_KIND 3
#define MH_SV_TARGET 4
#define MH_SV_STATUS 5
#define MH_SV_RESPONSE 6
#define MH_SV_LASTCHANGE 7
#define MH_SV_LASTERROR 8
#define MH_SV_CERTDAYS 9
#define MH_SV_FAILURES 10
#define MH_SV_CHECKS 11
#define MH_SV_LASTRESULT 12
#define MH_SV_FWRULES 13
#define MH_SV_FWFINGERPRINT 14
#define MH_SV_FWCHANGES 15
#define MH_SV_FWLASTCHANGE 16
#define MH_SV_FWLASTEVENT 17

/* mhAlarms */
#define MH_ALARM_ACTIVE 1
#define MH_ALARM_CHANGES 2
#define MH_ALARM_TABLE 10
#define MH_AE_INDEX 1
#define MH_AE_NAME 2
#define MH_AE_METRIC 3
#define MH_AE_INSTANCE 4
#define MH_AE_SEVERITY 5
#define MH_AE_VALUE 6
#define MH_AE_THRESHOLD 7
#define MH_AE_RAISED 8
#define MH_AE_TEXT 9
#define MH_AE_NOTIFICATION 10

/* mhNotifyObjects (accessible-for-notify, sent with instance .0) */
#define MH_N_ALARMINDEX 1
#define MH_N_ALARMNAME 2
#define MH_N_METRIC 3
#define MH_N_INSTANCE 4
#define MH_N_SEVERITY 5
#define MH_N_VALUE 6
#define MH_N_THRESHOLD 7
#define MH_N_TEXT 8
#define MH_N_HOST 9
#define MH_N_INTERVAL 10	/* mhHeartbeat: seconds until the next one */

/* under mhNotifications, beyond the raise/clear pairs of the families */
#define MH_NOTIFY_HEARTBEAT 19	/* mhHeartbeat { mhNotifyHost, mhNotifyInterval } */

/* MhSeverity. MH_SEV_UNKNOWN is not in the MIB: a trap that did not say. */
enum mh_severity {
	MH_SEV_UNKNOWN = 0,
	MH_SEV_CRITICAL = 1,
	MH_SEV_MAJOR = 2,
	MH_SEV_MINOR = 3,
	MH_SEV_WARNING = 4,
	MH_SEV_INFO = 5,
	MH_SEV_COUNT
};

/* Alarm families: mhNotifications.(2f-1) is family f raised (mhQueueAlarm,
 * ...), .(2f) its clear. MH_FAM_OTHER is a trap that is not ours. */
enum mh_family {
	MH_FAM_OTHER = 0,
	MH_FAM_QUEUE,
	MH_FAM_TRAFFIC,
	MH_FAM_AUTH,
	MH_FAM_DEFER,
	MH_FAM_SERVICE,
	MH_FAM_DRSYNC,
	MH_FAM_CONN,
	MH_FAM_SYSTEM,
	MH_FAM_AGENT,
	MH_FAM_COUNT
};

/* mhmib.c: the names of the enumerations, one table each */
const char *mh_severity_name(enum mh_severity);	/* "critical" */
const char *mh_severity_upper(enum mh_severity);	/* "CRITICAL" */
int mh_severity_parse(const char *);	/* by name, -1 if none */
const char *mh_family_name(enum mh_family);	/* "queue", "other" */
const char *mh_family_mib(enum mh_family);	/* "Queue": mhQueueAlarm */
int mh_family_parse(const char *);	/* by name, -1 if none */

#endif

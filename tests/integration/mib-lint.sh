#!/bin/sh
# mib-lint.sh: MAILHEALTH-MIB is clean SMIv2, loads in net-snmp, and agrees
# with the numbers compiled into the agent (lib/mhmib.h). TAP output.
#
# Needs smilint (smitools), snmptranslate (snmp), NET-SNMP-MIB
# (libsnmp-base, /usr/share/snmp/mibs) and the IETF base MIBs, which
# basemibs.sh fetches once into a cache. A missing tool or cache is a
# failure, not a skip.
#
# Environment: top_srcdir (exported by make check; default: this script's
# ../..), MAILHEALTH_MIB_CACHE (see basemibs.sh), NETSNMP_MIBDIR (default
# /usr/share/snmp/mibs).

set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
mib=$top_srcdir/mibs/MAILHEALTH-MIB.txt
mhoid=$top_srcdir/lib/mhmib.h
mhh=$top_srcdir/lib/mhmib.h
netsnmp_mibdir=${NETSNMP_MIBDIR:-/usr/share/snmp/mibs}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mh-miblint.XXXXXX") || {
	echo "1..1"
	echo "not ok 1 - mktemp"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Keep net-snmp away from the host's snmp.conf and persistent directory:
# only -M/-m below decide which MIBs are read.
SNMPCONFPATH=$tmp
SNMP_PERSISTENT_DIR=$tmp/persist
export SNMPCONFPATH SNMP_PERSISTENT_DIR
mkdir -p "$SNMP_PERSISTENT_DIR/cert_indexes"	# else net-snmp says "Created directory"
unset MIBS MIBDIRS MIBFILES 2>/dev/null || true

n=0
failed=0
ok() {	# ok DESCRIPTION
	n=$((n + 1))
	echo "ok $n - $1"
}
notok() {	# notok DESCRIPTION [FILE-WITH-DIAGNOSTICS]
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	if [ $# -ge 2 ] && [ -s "$2" ]; then
		lines=$(wc -l <"$2")
		sed -n '1,25s/^/# /p' "$2"
		[ "$lines" -le 25 ] || echo "# ... $((lines - 25)) more lines"
	fi
}
todo() {	# todo DESCRIPTION: a known gap, reported but not a failure
	n=$((n + 1))
	echo "not ok $n - $1 # TODO"
}

# ---------------------------------------------------------------------
# The map from lib/mhmib.h to the MIB. One line per check:
#   MACRO  MIB-NAME  PARENT
# PARENT is the expected OID of the MIB object's parent, written with
# macros of mhoid.h (ROOT is MH_OID_ROOT) and plain numbers, joined by
# dots. The check: snmptranslate -On MIB-NAME == PARENT.value-of-MACRO.

cat >"$tmp/map" <<'EOF'
MH_NOTIFICATIONS	mhNotifications	ROOT
MH_OBJECTS	mhObjects	ROOT
MH_CONFORMANCE	mhConformance	ROOT
MH_G_AGENT	mhAgent	ROOT.MH_OBJECTS
MH_G_QUEUE	mhQueue	ROOT.MH_OBJECTS
MH_G_TRAFFIC	mhTraffic	ROOT.MH_OBJECTS
MH_G_DEFER	mhDefer	ROOT.MH_OBJECTS
MH_G_AUTH	mhAuth	ROOT.MH_OBJECTS
MH_G_SERVICES	mhServices	ROOT.MH_OBJECTS
MH_G_DRSYNC	mhDrSync	ROOT.MH_OBJECTS
MH_G_CONN	mhConnections	ROOT.MH_OBJECTS
MH_G_SYSTEM	mhSystem	ROOT.MH_OBJECTS
MH_G_ALARMS	mhAlarms	ROOT.MH_OBJECTS
MH_G_NOTIFY	mhNotifyObjects	ROOT.MH_OBJECTS
MH_AGENT_VERSION	mhAgentVersion	ROOT.MH_OBJECTS.MH_G_AGENT
MH_AGENT_MTA	mhAgentMta	ROOT.MH_OBJECTS.MH_G_AGENT
MH_AGENT_HOSTNAME	mhAgentHostName	ROOT.MH_OBJECTS.MH_G_AGENT
MH_AGENT_STARTTIME	mhAgentStartTime	ROOT.MH_OBJECTS.MH_G_AGENT
MH_AGENT_INTERVAL	mhAgentInterval	ROOT.MH_OBJECTS.MH_G_AGENT
MH_AGENT_LASTCOLLECT	mhAgentLastCollect	ROOT.MH_OBJECTS.MH_G_AGENT
MH_AGENT_SNAPSHOTAGE	mhAgentSnapshotAge	ROOT.MH_OBJECTS.MH_G_AGENT
MH_AGENT_COLLECTDURATION	mhAgentCollectDuration	ROOT.MH_OBJECTS.MH_G_AGENT
MH_AGENT_COLLECTERRORS	mhAgentCollectErrors	ROOT.MH_OBJECTS.MH_G_AGENT
MH_AGENT_LASTERROR	mhAgentLastError	ROOT.MH_OBJECTS.MH_G_AGENT
MH_QUEUE_MESSAGES	mhQueueMessages	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QUEUE_KBYTES	mhQueueKBytes	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QUEUE_OLDESTAGE	mhQueueOldestAge	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QUEUE_GROWTH	mhQueueGrowth	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QUEUE_BOUNCES	mhQueueBounces	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QUEUE_MANYRCPT	mhQueueManyRcpt	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QUEUE_RECIPIENTS	mhQueueRecipients	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QUEUE_TABLE	mhQueueTable	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QUEUE_SENDER_TABLE	mhQueueSenderTable	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QUEUE_DOMAIN_TABLE	mhQueueDomainTable	ROOT.MH_OBJECTS.MH_G_QUEUE
MH_QE_INDEX	mhQueueIndex	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_TABLE.1
MH_QE_NAME	mhQueueName	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_TABLE.1
MH_QE_MESSAGES	mhQueueEntMessages	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_TABLE.1
MH_QE_KBYTES	mhQueueEntKBytes	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_TABLE.1
MH_QE_OLDESTAGE	mhQueueEntOldestAge	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_TABLE.1
MH_QE_RECIPIENTS	mhQueueEntRecipients	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_TABLE.1
MH_QT_INDEX	mhQueueSenderIndex	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_SENDER_TABLE.1
MH_QT_RANK	mhQueueSenderRank	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_SENDER_TABLE.1
MH_QT_NAME	mhQueueSenderAddress	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_SENDER_TABLE.1
MH_QT_COUNT	mhQueueSenderMessages	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_SENDER_TABLE.1
MH_QT_SHARE	mhQueueSenderShare	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_SENDER_TABLE.1
MH_QT_INDEX	mhQueueDomainIndex	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_DOMAIN_TABLE.1
MH_QT_RANK	mhQueueDomainRank	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_DOMAIN_TABLE.1
MH_QT_NAME	mhQueueDomainName	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_DOMAIN_TABLE.1
MH_QT_COUNT	mhQueueDomainRecipients	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_DOMAIN_TABLE.1
MH_QT_SHARE	mhQueueDomainShare	ROOT.MH_OBJECTS.MH_G_QUEUE.MH_QUEUE_DOMAIN_TABLE.1
MH_SVC_TABLE	mhServiceTable	ROOT.MH_OBJECTS.MH_G_SERVICES
MH_SV_INDEX	mhServiceIndex	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_NAME	mhServiceName	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_KIND	mhServiceKind	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_TARGET	mhServiceTarget	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_STATUS	mhServiceStatus	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_RESPONSE	mhServiceResponseTime	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_LASTCHANGE	mhServiceLastChange	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_LASTERROR	mhServiceLastError	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_CERTDAYS	mhServiceCertDays	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_FAILURES	mhServiceFailures	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_CHECKS	mhServiceChecks	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_LASTRESULT	mhServiceLastResult	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_FWRULES	mhServiceFwRules	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_FWFINGERPRINT	mhServiceFwFingerprint	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_FWCHANGES	mhServiceFwChanges	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_FWLASTCHANGE	mhServiceFwLastChange	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_SV_FWLASTEVENT	mhServiceFwLastEvent	ROOT.MH_OBJECTS.MH_G_SERVICES.MH_SVC_TABLE.1
MH_DR_STATUS	mhDrSyncStatus	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_LAG	mhDrSyncLag	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_LASTSUCCESS	mhDrSyncLastSuccess	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_LASTERROR	mhDrSyncLastError	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_ROLE	mhDrSyncRole	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_METHOD	mhDrSyncMethod	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_MAXLAG	mhDrSyncMaxLag	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_DETAIL	mhDrSyncDetail	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_OUTOFSYNC	mhDrSyncOutOfSync	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_PEER	mhDrSyncPeer	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_PEERSTATUS	mhDrSyncPeerStatus	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_PEERCONNECTTIME	mhDrSyncPeerConnectTime	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_PEERFAILURES	mhDrSyncPeerFailures	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_DR_PEERLASTERROR	mhDrSyncPeerLastError	ROOT.MH_OBJECTS.MH_G_DRSYNC
MH_CONN_READER	mhConnReader	ROOT.MH_OBJECTS.MH_G_CONN
MH_CONN_OUTBOUND	mhConnOutbound	ROOT.MH_OBJECTS.MH_G_CONN
MH_CONN_TABLE	mhConnTable	ROOT.MH_OBJECTS.MH_G_CONN
MH_CONN_HOST_TABLE	mhConnHostTable	ROOT.MH_OBJECTS.MH_G_CONN
MH_CE_PORT	mhConnPort	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_TABLE.1
MH_CE_ESTABLISHED	mhConnEstablished	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_TABLE.1
MH_CE_HALFOPEN	mhConnHalfOpen	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_TABLE.1
MH_CE_REMOTEHOSTS	mhConnRemoteHosts	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_TABLE.1
MH_CE_GROWTH	mhConnGrowth	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_TABLE.1
MH_CH_INDEX	mhConnHostIndex	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_HOST_TABLE.1
MH_CH_ADDRESS	mhConnHostAddress	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_HOST_TABLE.1
MH_CH_CONNECTIONS	mhConnHostConnections	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_HOST_TABLE.1
MH_CH_SHARE	mhConnHostShare	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_HOST_TABLE.1
MH_CH_RANK	mhConnHostRank	ROOT.MH_OBJECTS.MH_G_CONN.MH_CONN_HOST_TABLE.1
MH_ALARM_ACTIVE	mhAlarmActive	ROOT.MH_OBJECTS.MH_G_ALARMS
MH_ALARM_CHANGES	mhAlarmChanges	ROOT.MH_OBJECTS.MH_G_ALARMS
MH_ALARM_TABLE	mhAlarmTable	ROOT.MH_OBJECTS.MH_G_ALARMS
MH_AE_INDEX	mhAlarmIndex	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_AE_NAME	mhAlarmName	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_AE_METRIC	mhAlarmMetric	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_AE_INSTANCE	mhAlarmInstance	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_AE_SEVERITY	mhAlarmSeverity	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_AE_VALUE	mhAlarmValue	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_AE_THRESHOLD	mhAlarmThreshold	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_AE_RAISED	mhAlarmRaisedTime	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_AE_TEXT	mhAlarmText	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_AE_NOTIFICATION	mhAlarmNotification	ROOT.MH_OBJECTS.MH_G_ALARMS.MH_ALARM_TABLE.1
MH_N_ALARMINDEX	mhNotifyAlarmIndex	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_N_ALARMNAME	mhNotifyAlarmName	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_N_METRIC	mhNotifyMetric	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_N_INSTANCE	mhNotifyInstance	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_N_SEVERITY	mhNotifySeverity	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_N_VALUE	mhNotifyValue	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_N_THRESHOLD	mhNotifyThreshold	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_N_TEXT	mhNotifyText	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_N_HOST	mhNotifyHost	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_SYS_LOAD1	mhCpuLoad1	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_LOAD5	mhCpuLoad5	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_LOAD15	mhCpuLoad15	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_CPUUTIL	mhCpuUtil	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_MEMTOTAL	mhMemTotal	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_MEMAVAIL	mhMemAvailable	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_SWAPTOTAL	mhSwapTotal	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_SWAPFREE	mhSwapFree	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_CPUIOWAIT	mhCpuIowait	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_DISK_TABLE	mhDiskTable	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_MEMUSED	mhMemUsedPercent	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_CPUSTEAL	mhCpuSteal	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_SYS_SWAPUSED	mhSwapUsedPercent	ROOT.MH_OBJECTS.MH_G_SYSTEM
MH_DK_INDEX	mhDiskIndex	ROOT.MH_OBJECTS.MH_G_SYSTEM.MH_SYS_DISK_TABLE.1
MH_DK_PATH	mhDiskPath	ROOT.MH_OBJECTS.MH_G_SYSTEM.MH_SYS_DISK_TABLE.1
MH_DK_SIZE	mhDiskSize	ROOT.MH_OBJECTS.MH_G_SYSTEM.MH_SYS_DISK_TABLE.1
MH_DK_USED	mhDiskUsed	ROOT.MH_OBJECTS.MH_G_SYSTEM.MH_SYS_DISK_TABLE.1
MH_DK_AVAIL	mhDiskAvail	ROOT.MH_OBJECTS.MH_G_SYSTEM.MH_SYS_DISK_TABLE.1
MH_DK_USEDPCT	mhDiskUsedPercent	ROOT.MH_OBJECTS.MH_G_SYSTEM.MH_SYS_DISK_TABLE.1
MH_DK_INODESPCT	mhDiskInodesUsedPercent	ROOT.MH_OBJECTS.MH_G_SYSTEM.MH_SYS_DISK_TABLE.1
MH_N_INTERVAL	mhNotifyInterval	ROOT.MH_OBJECTS.MH_G_NOTIFY
MH_TR_RECEIVED	mhTrafficReceived	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_DELIVERED	mhTrafficDelivered	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_DEFERRED	mhTrafficDeferred	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_BOUNCED	mhTrafficBounced	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_REJECTED	mhTrafficRejected	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_RATEWINDOW	mhTrafficRateWindow	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_SENDER_TABLE	mhRateSenderTable	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_RECEIVED_MIN	mhTrafficReceivedPerMin	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_DELIVERED_MIN	mhTrafficDeliveredPerMin	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_DEFERRED_MIN	mhTrafficDeferredPerMin	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_BOUNCED_MIN	mhTrafficBouncedPerMin	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_REJECTED_MIN	mhTrafficRejectedPerMin	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_RECEIVED_WIN	mhTrafficReceivedWindow	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_DELIVERED_WIN	mhTrafficDeliveredWindow	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_DEFERRED_WIN	mhTrafficDeferredWindow	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_BOUNCED_WIN	mhTrafficBouncedWindow	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_REJECTED_WIN	mhTrafficRejectedWindow	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_TR_WINDOWEND	mhTrafficWindowEnd	ROOT.MH_OBJECTS.MH_G_TRAFFIC
MH_RS_INDEX	mhRateSenderIndex	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_NAME	mhRateSenderName	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_MESSAGES	mhRateSenderMessages	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_PERHOUR	mhRateSenderPerHour	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_CLIENTIPS	mhRateSenderClientIPs	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_LASTCLIENT	mhRateSenderLastClient	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_RANK	mhRateSenderRank	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_MESSAGESERR	mhRateSenderMessagesError	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_TOTAL	mhRateSenderMessagesTotal	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_SINCE	mhRateSenderTotalSince	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_CLIENTIPSACC	mhRateSenderClientIPsAcc	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_DOMAINS	mhRateSenderDomains	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_DOMAINSACC	mhRateSenderDomainsAcc	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_FIRSTCLIENTS	mhRateSenderFirstClients	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_RS_LASTTIME	mhRateSenderLastTime	ROOT.MH_OBJECTS.MH_G_TRAFFIC.MH_TR_SENDER_TABLE.1
MH_DEFER_TABLE	mhDeferTable	ROOT.MH_OBJECTS.MH_G_DEFER
MH_DF_INDEX	mhDeferIndex	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_DOMAIN	mhDeferDomain	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_MESSAGES	mhDeferMessages	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_LASTREASON	mhDeferLastReason	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_LASTTIME	mhDeferLastTime	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_RANK	mhDeferRank	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_BOUNCES	mhDeferBounces	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_DEFERREDTOTAL	mhDeferDeferredTotal	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_BOUNCEDTOTAL	mhDeferBouncedTotal	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_SINCE	mhDeferTotalSince	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_FAILED	mhDeferFailed	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_DF_FAILEDERR	mhDeferFailedError	ROOT.MH_OBJECTS.MH_G_DEFER.MH_DEFER_TABLE.1
MH_AU_WINDOW	mhAuthWindow	ROOT.MH_OBJECTS.MH_G_AUTH
MH_AU_FAILURES	mhAuthFailures	ROOT.MH_OBJECTS.MH_G_AUTH
MH_AU_FAILURESWIN	mhAuthFailuresWindow	ROOT.MH_OBJECTS.MH_G_AUTH
MH_AU_NOPASS	mhAuthNoPassword	ROOT.MH_OBJECTS.MH_G_AUTH
MH_AU_NOPASSWIN	mhAuthNoPasswordWindow	ROOT.MH_OBJECTS.MH_G_AUTH
MH_AU_SUCCESSES	mhAuthSuccesses	ROOT.MH_OBJECTS.MH_G_AUTH
MH_AU_PROTO_TABLE	mhAuthProtoTable	ROOT.MH_OBJECTS.MH_G_AUTH
MH_AU_USER_TABLE	mhAuthUserTable	ROOT.MH_OBJECTS.MH_G_AUTH
MH_AU_CLIENT_TABLE	mhAuthClientTable	ROOT.MH_OBJECTS.MH_G_AUTH
MH_AP_PROTO	mhAuthProto	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_PROTO_TABLE.1
MH_AP_FAILURES	mhAuthProtoFailures	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_PROTO_TABLE.1
MH_AP_FAILURESWIN	mhAuthProtoFailuresWindow	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_PROTO_TABLE.1
MH_AP_SUCCESSES	mhAuthProtoSuccesses	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_PROTO_TABLE.1
MH_AP_NOPASS	mhAuthProtoNoPassword	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_PROTO_TABLE.1
MH_AP_NOPASSWIN	mhAuthProtoNoPasswordWindow	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_PROTO_TABLE.1
MH_AUU_INDEX	mhAuthUserIndex	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_NAME	mhAuthUserName	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_FAILURES	mhAuthUserFailures	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_CLIENTS	mhAuthUserClients	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_RANK	mhAuthUserRank	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_FAILURESERR	mhAuthUserFailuresError	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_TOTAL	mhAuthUserFailuresTotal	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_SINCE	mhAuthUserTotalSince	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_CLIENTSACC	mhAuthUserClientsAcc	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_LASTCLIENT	mhAuthUserLastClient	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUU_LASTTIME	mhAuthUserLastTime	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_USER_TABLE.1
MH_AUC_INDEX	mhAuthClientIndex	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_ADDRESS	mhAuthClientAddress	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_FAILURES	mhAuthClientFailures	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_USERS	mhAuthClientUsers	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_RANK	mhAuthClientRank	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_FAILURESERR	mhAuthClientFailuresError	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_TOTAL	mhAuthClientFailuresTotal	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_SINCE	mhAuthClientTotalSince	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_USERSACC	mhAuthClientUsersAcc	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_FIRSTUSERS	mhAuthClientFirstUsers	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_AUC_LASTTIME	mhAuthClientLastTime	ROOT.MH_OBJECTS.MH_G_AUTH.MH_AU_CLIENT_TABLE.1
MH_NOTIFY_HEARTBEAT	mhHeartbeat	ROOT.MH_NOTIFICATIONS
EOF

# Notification families: enum mh_family constant -> raise notification;
# the clear is the raise's name + "Clear". Raise = 2f-1, clear = 2f.
cat >"$tmp/families" <<'EOF'
MH_FAM_QUEUE	mhQueueAlarm
MH_FAM_TRAFFIC	mhTrafficAlarm
MH_FAM_AUTH	mhAuthAlarm
MH_FAM_DEFER	mhDeferAlarm
MH_FAM_SERVICE	mhServiceAlarm
MH_FAM_DRSYNC	mhDrSyncAlarm
MH_FAM_CONN	mhConnAlarm
MH_FAM_SYSTEM	mhSystemAlarm
MH_FAM_AGENT	mhAgentAlarm
EOF

# ---------------------------------------------------------------------
# Read mhoid.h: "NAME VALUE" for every #define with a plain number, and
# the root as dotted text.

if [ -r "$mhoid" ]; then
	sed -n 's/^#[[:space:]]*define[[:space:]]\{1,\}\(MH_[A-Z0-9_]*\)[[:space:]]\{1,\}\([0-9]\{1,\}\)\([[:space:]].*\)\{0,1\}$/\1 \2/p' \
		"$mhoid" >"$tmp/defines"
	root=$(sed -n 's/^#[[:space:]]*define[[:space:]]\{1,\}MH_OID_ROOT[[:space:]]\{1,\}\([0-9][0-9, ]*\).*$/\1/p' "$mhoid" |
		tr -d ' \t' | tr ',' '.')
else
	: >"$tmp/defines"
	root=
fi
root_len=$(awk '$1 == "MH_OID_ROOT_LEN" { print $2 }' "$tmp/defines")

def() {	# def MACRO: its value, empty if unknown
	awk -v m="$1" '$1 == m { print $2; exit }' "$tmp/defines"
}

expand() {	# expand DOTTED-PATH: macros replaced by their values
	out=
	rest=$1.
	while [ -n "$rest" ]; do
		part=${rest%%.*}
		rest=${rest#*.}
		case $part in
		ROOT) v=$root ;;
		MH_*) v=$(def "$part") ;;
		*) v=$part ;;
		esac
		[ -n "$v" ] || return 1
		out=$out.$v
	done
	printf '%s\n' "$out"
}

# enum mh_family from lib/mhmib.h: "AF_NAME value" lines.
families_from_header() {
	[ -r "$mhh" ] || return 1
	awk '
		/enum[ \t]+mh_family[ \t]*\{/ { on = 1; sub(/.*\{/, "") }
		on {
			line = $0
			sub(/\/\*.*\*\//, "", line)
			done = (line ~ /\}/)
			sub(/\}.*/, "", line)
			n = split(line, parts, ",")
			for (i = 1; i <= n; i++) {
				p = parts[i]
				gsub(/[ \t]/, "", p)
				if (p == "") continue
				if (p ~ /=/) { split(p, kv, "="); name = kv[1]; val = kv[2] + 0 }
				else { name = p; val = val + 1 }
				print name, val
			}
			if (done) exit
		}
	' "$mhh" >"$tmp/afenum"
	[ -s "$tmp/afenum" ]
}

mapped=$(awk '{ print $1 }' "$tmp/map" | sort -u | wc -l)
ndefs=$(awk '$1 != "MH_OID_ROOT_LEN"' "$tmp/defines" | wc -l)
nmap=$(wc -l <"$tmp/map")
nfam=$(wc -l <"$tmp/families")
# fixed tests: cache, tools, imports, smilint, smilint namelength,
# snmptranslate -Tp, walk name, mhoid.h readable, root, root length,
# unmapped defines; then one per map line and two per family.
plan=$((11 + nmap + 2 * nfam))
echo "1..$plan"

# ---------------------------------------------------------------------
# 1: base MIBs

if cache=$("$here/basemibs.sh" 2>"$tmp/basemibs.err") && [ -n "$cache" ] &&
	[ -s "$cache/SNMPv2-SMI.txt" ]; then
	ok "base MIB cache $cache"
else
	notok "base MIB cache (tests/integration/basemibs.sh failed)" "$tmp/basemibs.err"
	cache=/nonexistent
fi

# 2: tools and NET-SNMP-MIB
: >"$tmp/tools.err"
for t in smilint snmptranslate; do
	command -v "$t" >/dev/null 2>&1 ||
		echo "$t not found (Debian: apt-get install smitools snmp)" >>"$tmp/tools.err"
done
[ -r "$netsnmp_mibdir/NET-SNMP-MIB.txt" ] ||
	echo "$netsnmp_mibdir/NET-SNMP-MIB.txt not found (Debian: apt-get install libsnmp-base, or set NETSNMP_MIBDIR)" >>"$tmp/tools.err"
[ -r "$mib" ] || echo "$mib not found" >>"$tmp/tools.err"
if [ -s "$tmp/tools.err" ]; then
	notok "smilint, snmptranslate, NET-SNMP-MIB and the MIB are present" "$tmp/tools.err"
else
	ok "smilint, snmptranslate, NET-SNMP-MIB and the MIB are present"
fi

# 3: imports only from SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF, NET-SNMP-MIB
if [ -r "$mib" ]; then
	sed 's/--.*//' "$mib" | awk '
		/^[ \t]*IMPORTS/ { on = 1 }
		on { print }
		on && /;/ { exit }
	' | tr ';,' '  ' | awk '
		{ for (i = 1; i <= NF; i++) if ($i == "FROM") print $(i + 1) }
	' | sort -u >"$tmp/imports"
else
	: >"$tmp/imports"
fi
grep -v -x -e SNMPv2-SMI -e SNMPv2-TC -e SNMPv2-CONF -e NET-SNMP-MIB \
	"$tmp/imports" >"$tmp/badimports"
if [ -s "$tmp/imports" ] && [ ! -s "$tmp/badimports" ]; then
	ok "imports only from SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF, NET-SNMP-MIB"
else
	echo "imported modules: $(tr '\n' ' ' <"$tmp/imports")" >>"$tmp/badimports"
	notok "imports only from SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF, NET-SNMP-MIB" "$tmp/badimports"
fi

# 4, 5: smilint -l 6 prints nothing (also with namelength-32)
SMIPATH=$cache:$netsnmp_mibdir
export SMIPATH
smilint -l 6 -s "$mib" >"$tmp/smilint.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/smilint.out" ]; then
	ok "smilint -l 6 is silent"
else
	echo "exit status $rc" >>"$tmp/smilint.out"
	notok "smilint -l 6 is silent" "$tmp/smilint.out"
fi
smilint -l 6 -s -i namelength-32 "$mib" >"$tmp/smilint32.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/smilint32.out" ]; then
	ok "smilint -l 6 -i namelength-32 is silent"
else
	echo "exit status $rc" >>"$tmp/smilint32.out"
	notok "smilint -l 6 -i namelength-32 is silent" "$tmp/smilint32.out"
fi

# 6: net-snmp loads the module without complaint
st() {
	snmptranslate -M "$cache:$netsnmp_mibdir:$top_srcdir/mibs" -m MAILHEALTH-MIB "$@"
}
st -Tp >"$tmp/tp.out" 2>"$tmp/tp.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/tp.err" ] && grep -q 'mailhealthMIB(25)' "$tmp/tp.out"; then
	ok "snmptranslate -Tp loads MAILHEALTH-MIB without warnings"
else
	echo "exit status $rc" >>"$tmp/tp.err"
	notok "snmptranslate -Tp loads MAILHEALTH-MIB without warnings" "$tmp/tp.err"
fi

# 7: the name a walk prints translates to the agent's OID
want=.1.3.6.1.4.1.8072.9999.9999.25.1.2.1.0
got=$(st -On MAILHEALTH-MIB::mhQueueMessages.0 2>"$tmp/walk.err")
if [ "$got" = "$want" ]; then
	ok "MAILHEALTH-MIB::mhQueueMessages.0 is $want"
else
	echo "got '$got'" >>"$tmp/walk.err"
	notok "MAILHEALTH-MIB::mhQueueMessages.0 is $want" "$tmp/walk.err"
fi

# 8-11: lib/mhmib.h
if [ -s "$tmp/defines" ] && [ -n "$root" ]; then
	ok "lib/mhmib.h has MH_OID_ROOT and numeric arcs"
else
	echo "cannot read MH_OID_ROOT and #defines from $mhoid" >"$tmp/mhoid.err"
	notok "lib/mhmib.h has MH_OID_ROOT and numeric arcs" "$tmp/mhoid.err"
fi

got=$(st -On MAILHEALTH-MIB::mailhealthMIB 2>"$tmp/root.err")
if [ -n "$root" ] && [ "$got" = ".$root" ]; then
	ok "MH_OID_ROOT is mailhealthMIB ($got)"
else
	echo "mhoid.h: .$root, MIB: $got" >>"$tmp/root.err"
	notok "MH_OID_ROOT is mailhealthMIB" "$tmp/root.err"
fi

arcs=$(printf '%s\n' "$root" | awk -F. '{ print NF }')
if [ -n "$root" ] && [ "$root_len" = "$arcs" ]; then
	ok "MH_OID_ROOT_LEN ($root_len) counts the arcs of MH_OID_ROOT"
else
	echo "MH_OID_ROOT_LEN '$root_len', MH_OID_ROOT has $arcs arcs" >"$tmp/len.err"
	notok "MH_OID_ROOT_LEN counts the arcs of MH_OID_ROOT" "$tmp/len.err"
fi

awk '$1 != "MH_OID_ROOT_LEN" { print $1 }' "$tmp/defines" | sort -u >"$tmp/defnames"
awk '{ print $1 }' "$tmp/map" | sort -u >"$tmp/mapnames"
comm -23 "$tmp/defnames" "$tmp/mapnames" >"$tmp/unmapped"
if [ -s "$tmp/unmapped" ]; then
	# A new arc in mhoid.h: add it to the map above (and to the MIB).
	todo "every numeric #define of mhoid.h is checked (unchecked: $(tr '\n' ' ' <"$tmp/unmapped"))"
else
	ok "every numeric #define of mhoid.h is checked ($ndefs defines, $mapped mapped)"
fi

# one per map line
while read -r macro name parent; do
	v=$(def "$macro")
	p=$(expand "$parent") || p=
	got=$(st -On "MAILHEALTH-MIB::$name" 2>"$tmp/one.stderr")
	if [ -n "$v" ] && [ -n "$p" ] && [ "$got" = "$p.$v" ]; then
		ok "$macro: $name is $got"
	else
		printf 'mhoid.h: %s (%s = %s), MIB: %s\n' "${p:-?}.${v:-?}" "$macro" "${v:-undefined}" "${got:-?}" >"$tmp/one.err"
		cat "$tmp/one.stderr" >>"$tmp/one.err"
		notok "$macro: $name" "$tmp/one.err"
	fi
done <"$tmp/map"

# two per family: raise 2f-1, clear 2f under mhNotifications
if families_from_header; then
	src="enum mh_family"
else
	# No enum to compare with: check the documented order 1..9.
	awk '{ print $1, NR }' "$tmp/families" >"$tmp/afenum"
	src="documented order"
fi
notif=$(expand ROOT.MH_NOTIFICATIONS) || notif=
while read -r af name; do
	f=$(awk -v a="$af" '$1 == a { print $2; exit }' "$tmp/afenum")
	for kind in raise clear; do
		if [ $kind = raise ]; then
			nm=$name
			arc=$((2 * ${f:-0} - 1))
		else
			nm=${name}Clear
			arc=$((2 * ${f:-0}))
		fi
		got=$(st -On "MAILHEALTH-MIB::$nm" 2>"$tmp/one.stderr")
		if [ -n "$f" ] && [ -n "$notif" ] && [ "$got" = "$notif.$arc" ]; then
			ok "$af ($src $f): $nm is $got"
		else
			printf 'expected %s.%s (%s = %s), MIB: %s\n' "${notif:-?}" "$arc" "$af" "${f:-missing}" "${got:-?}" >"$tmp/one.err"
			cat "$tmp/one.stderr" >>"$tmp/one.err"
			notok "$af: $nm" "$tmp/one.err"
		fi
	done
done <"$tmp/families"

if [ "$n" -ne "$plan" ]; then
	echo "# planned $plan tests, ran $n"
	exit 1
fi
[ "$failed" -eq 0 ]

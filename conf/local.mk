## conf/: sample configurations, installed as the defaults' templates.
sampleconfdir = $(sysconfdir)/mailhealth
dist_sampleconf_DATA = conf/mailhealthd.conf
dist_sampleconf_DATA += conf/mailhealth-sms.conf
## snmpd and snmptrapd lines to copy, not files of ours to install: the
## Debian packages ship them as examples
EXTRA_DIST += conf/snmpd.conf.sample conf/snmptrapd.conf.sample

## conf/: sample configurations, installed as the defaults' templates.
sampleconfdir = $(sysconfdir)/mailhealth
dist_sampleconf_DATA = conf/mailhealthd.conf
dist_sampleconf_DATA += conf/mailhealth-sms.conf
## snmpd and snmptrapd: the parts mailhealth needs, to merge by hand
dist_sampleconf_DATA += conf/snmpd.conf.sample conf/snmptrapd.conf.sample

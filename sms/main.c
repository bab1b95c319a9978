/*
 * main.c: mailhealth-sms. Everything lives in libmhsms (sms_main.c).
 */
#include "config.h"

#include "sms.h"

int
main(int argc, char **argv)
{
	return sms_main(argc, argv);
}

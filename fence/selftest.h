/* vmguard selftest: prove that every fence device of the cluster would work
 * today (see fence/selftest.c and vmguard-selftest(8)). */
#ifndef VG_SELFTEST_H
#define VG_SELFTEST_H

/* argv[0] is the command name ("selftest"); the options follow.  Returns
 * the exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios codes,
 * whatever the output format). */
int vmguard_selftest_main(int argc, char **argv);

#endif

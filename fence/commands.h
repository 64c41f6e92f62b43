/* The subcommands of the vmguard admin tool that live in files of their own.
 * Each takes the arguments after its name and returns the process exit
 * status. */
#ifndef VG_COMMANDS_H
#define VG_COMMANDS_H

/* vmguard fence-host: OpenNebula's host-failure hook (fence/fencehost.c). */
int vmguard_fence_host_main(int argc, char **argv);

#endif

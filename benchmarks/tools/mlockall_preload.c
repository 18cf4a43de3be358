// LD_PRELOAD shim for benchmarks: lock every current and future mapping of the process in RAM,
// so a pageout daemon (DAMON on this VM) cannot evict model pages mid-run. Same for every server.
// build: cc -O2 -shared -fPIC -o libmlockall.so benchmarks/tools/mlockall_preload.c
#include <stdio.h>
#include <sys/mman.h>
__attribute__((constructor)) static void lock_all(void) {
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) perror("mlockall");
}

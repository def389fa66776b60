// The kernel's clock discipline state (adjtimex(2)): what `timedatectl` reports as "System clock synchronized".
#include <sys/timex.h>

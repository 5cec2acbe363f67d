/* The clocks every stage reads. */
#ifndef OH_CLOCK_H
#define OH_CLOCK_H

#include <stdint.h>

uint64_t monotonic_ms(void);
uint64_t monotonic_us(void);
/* CPU time the calling thread has used. */
uint64_t thread_cpu_us(void);

#endif

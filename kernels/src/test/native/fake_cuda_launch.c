/* A stand-in for the CUDA driver's cuLaunchKernel, for ForeignLaunchTest: it records what it was
 * given (the function and stream handles, the launch shape, and the first five parameters read as
 * 8-byte slots through kernelParams) and returns the status set by fake_fail_next. */
#include <stdint.h>
#include <string.h>

static uint64_t last_function, last_stream;
static unsigned last_shape[7];
static uint64_t last_params[5];
static int next_status;
static int launches;

int cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void* stream, void** params, void** extra) {
    (void)extra;
    last_function = (uint64_t)(uintptr_t)f;
    last_stream = (uint64_t)(uintptr_t)stream;
    unsigned shape[7] = {gx, gy, gz, bx, by, bz, shared};
    memcpy(last_shape, shape, sizeof shape);
    for (int i = 0; i < 5; i++) memcpy(&last_params[i], params[i], 8);
    launches++;
    int s = next_status;
    next_status = 0;
    return s;
}

uint64_t fake_param(int i) { return last_params[i]; }
unsigned fake_shape(int i) { return last_shape[i]; }
uint64_t fake_function(void) { return last_function; }
uint64_t fake_stream(void) { return last_stream; }
int fake_launches(void) { return launches; }
void fake_fail_next(int status) { next_status = status; }

/* A stand-in for the CUDA driver's cuLaunchKernel and graph functions, for ForeignLaunchTest and
 * StepGraphsTest. cuLaunchKernel records what it was given (the function and stream handles, the
 * launch shape, and the first five parameters read as 8-byte slots through kernelParams) and returns
 * the status set by fake_fail_next. Outside a stream capture a launch "runs": it is appended to the
 * execution log. During a capture it becomes a node of the graph being captured; an instantiated
 * graph runs its nodes, in order, into the same log when launched; cuGraphExecKernelNodeSetParams_v2
 * gives one node new arguments. So a test compares what ran, eagerly or replayed. */
#include <stdint.h>
#include <string.h>

#define MAX_NODES 256
#define MAX_GRAPHS 512
typedef struct {
    uint64_t function;
    unsigned shape[7];
    uint64_t params[5];
} node_t;

static node_t graph_nodes[MAX_GRAPHS][MAX_NODES], exec_nodes[MAX_GRAPHS][MAX_NODES];
static int graph_size[MAX_GRAPHS], exec_size[MAX_GRAPHS], graphs, execs;
static int capturing, capture_graph;
static uint64_t last_node;
static node_t run_log[4 * MAX_NODES];
static int run_count;

static void run(const node_t* n) {
    if (run_count < 4 * MAX_NODES) run_log[run_count++] = *n;
}

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
    if (s != 0) return s;
    node_t n;
    n.function = last_function;
    memcpy(n.shape, shape, sizeof shape);
    memcpy(n.params, last_params, sizeof last_params);
    if (capturing) {
        if (graph_size[capture_graph] == MAX_NODES) return 1;   /* the fake's capacity: CUDA_ERROR_INVALID_VALUE */
        int g = capture_graph, i = graph_size[g]++;
        graph_nodes[g][i] = n;
        last_node = ((uint64_t)(g + 1) << 20) | (uint64_t)(i + 1);   /* a node handle: graph and index */
    } else {
        run(&n);
    }
    return 0;
}

int cuStreamBeginCapture_v2(void* stream, int mode) {
    (void)stream; (void)mode;
    if (capturing || graphs == MAX_GRAPHS) return 1;
    capturing = 1;
    capture_graph = graphs++;
    graph_size[capture_graph] = 0;
    last_node = 0;
    return 0;
}

int cuStreamGetCaptureInfo_v3(void* stream, int* status, uint64_t* id, uint64_t* graph, const uint64_t** deps,
                              const void** edges, size_t* count) {
    (void)stream;
    static uint64_t dep;
    dep = last_node;
    if (status) *status = capturing;
    if (id) *id = 1;
    if (graph) *graph = (uint64_t)capture_graph + 1;
    if (deps) *deps = &dep;
    if (edges) *edges = 0;
    if (count) *count = capturing && last_node != 0 ? 1 : 0;
    return 0;
}

int cuStreamEndCapture(void* stream, uint64_t* graph) {
    (void)stream;
    if (!capturing) return 1;
    capturing = 0;
    *graph = (uint64_t)capture_graph + 1;
    return 0;
}

int cuGraphInstantiateWithFlags(uint64_t* exec, uint64_t graph, unsigned long long flags) {
    (void)flags;
    if (execs == MAX_GRAPHS) return 1;
    int g = (int)graph - 1, e = execs++;
    memcpy(exec_nodes[e], graph_nodes[g], sizeof(node_t) * graph_size[g]);
    exec_size[e] = graph_size[g];
    *exec = (uint64_t)e + 1;
    return 0;
}

int cuGraphLaunch(uint64_t exec, void* stream) {
    (void)stream;
    int e = (int)exec - 1;
    for (int i = 0; i < exec_size[e]; i++) run(&exec_nodes[e][i]);
    return 0;
}

/* CUDA_KERNEL_NODE_PARAMS_v2: func at 0, grid x/y/z at 8/12/16, block x/y/z at 20/24/28, shared at
 * 32, kernelParams at 40. The function must stay the node's (as the driver requires). */
int cuGraphExecKernelNodeSetParams_v2(uint64_t exec, uint64_t node, const unsigned char* p) {
    int e = (int)exec - 1, i = (int)(node & 0xfffff) - 1;
    node_t* n = &exec_nodes[e][i];
    uint64_t function;
    memcpy(&function, p, 8);
    if (i < 0 || i >= exec_size[e] || function != n->function) return 1;
    memcpy(n->shape, p + 8, 7 * sizeof(unsigned));
    void** params;
    memcpy(&params, p + 40, sizeof params);
    for (int k = 0; k < 5; k++) memcpy(&n->params[k], params[k], 8);
    return 0;
}

int cuGraphExecDestroy(uint64_t exec) { (void)exec; return 0; }
int cuGraphDestroy(uint64_t graph) { (void)graph; return 0; }

int fake_run_count(void) { return run_count; }
uint64_t fake_run_function(int i) { return run_log[i].function; }
uint64_t fake_run_param(int i, int k) { return run_log[i].params[k]; }
void fake_run_reset(void) { run_count = 0; }

uint64_t fake_param(int i) { return last_params[i]; }
unsigned fake_shape(int i) { return last_shape[i]; }
uint64_t fake_function(void) { return last_function; }
uint64_t fake_stream(void) { return last_stream; }
int fake_launches(void) { return launches; }
void fake_fail_next(int status) { next_status = status; }

// Runs jbert's CUDA kernels under cuda_emu.h against plain double-precision loops (the same math as
// jbert.engine.cpu.ReferenceKernels), with the launch shapes the launchers of jbert.kernels.ops use. A small SM count
// (2) makes every grid-stride loop go round more than once. Prints one line per check and
// "N passed, M failed" last; exits non-zero on any failure.
#include "cuda_emu.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace elementwise {
#include "Elementwise.cu"
}
namespace gelu {
#include "Gelu.cu"
}
namespace layernorm {
#include "LayerNorm.cu"
}
namespace softmax {
#include "Softmax.cu"
}
namespace permute {
#include "Permute.cu"
}
namespace embedding {
#include "Embedding.cu"
}
namespace dropout {
#include "Dropout.cu"
}
namespace crossentropy {
#include "CrossEntropy.cu"
}
namespace reduce {
#include "Reduce.cu"
}
namespace adamw {
#include "AdamW.cu"
}
namespace matmul {
#include "Matmul.cu"
}
namespace matmultf32 {
#include "MatmulTf32.cu"
}

using Vec = std::vector<float>;
static const int THREADS = 256, SMS = 2;
static int passed = 0, failed = 0;
static std::mt19937_64 rng(1234);

static Vec randn(size_t n, double scale = 1) {
    std::normal_distribution<double> d(0, scale);
    Vec v(n);
    for (auto& x : v) x = (float)d(rng);
    return v;
}

// max |got - want| / max |scale|, scale defaulting to want itself (the tensor's own size).
static void check(const std::string& what, const Vec& want, const Vec& got, double tol, const Vec* magnitude = nullptr) {
    double scale = 0, worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < want.size(); i++) {
        scale = std::max(scale, (double)std::fabs(magnitude ? (*magnitude)[i] : want[i]));
        double d = std::isfinite(got[i]) ? std::fabs((double)got[i] - want[i]) : INFINITY;
        if (d > worst) { worst = d; at = i; }
    }
    double rel = worst / std::max(scale, 1e-30);
    bool ok = rel <= tol || worst == 0;
    (ok ? passed : failed)++;
    std::printf("%s %s: relative error %.2e%s\n", ok ? "ok  " : "FAIL", what.c_str(), rel,
                ok ? "" : (" at " + std::to_string(at) + " want " + std::to_string(want[at]) + " got " + std::to_string(got[at])).c_str());
}

// the launchers' launch shapes (jbert.kernels.ops).
static unsigned grid(long long n) { return (unsigned)std::max(1LL, std::min((n + THREADS - 1) / THREADS, (long long)SMS * 32)); }
static unsigned warpRowsGrid(long long rows) { return (unsigned)((rows * 32 + THREADS - 1) / THREADS); }
static int rowsPerBlock(int rows, int cols) {
    int columnBlocks = (cols + 31) / 32;
    int wanted = std::max(1, (2 * SMS + columnBlocks - 1) / columnBlocks);
    int per = std::max(64, (rows + wanted - 1) / wanted);
    return std::min(per, std::max(rows, 1));
}

static double geluRef(double x) { return x * 0.5 * (1 + std::erf(x / std::sqrt(2.0))); }
static double geluDRef(double x) { return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI); }

static void testElementwise() {
    for (long long n : {1LL, 3LL, 4LL, 7LL, 4097LL, 100003LL}) {
        Vec a = randn(n), b = randn(n), out(n), want(n);
        launch(elementwise::add_forward_elementwise, {grid(n)}, {THREADS}, a.data(), b.data(), out.data(), n);
        for (long long i = 0; i < n; i++) want[i] = a[i] + b[i];
        check("add n=" + std::to_string(n), want, out, 0);
        Vec b2 = b;
        launch(elementwise::axpy_accumulate_elementwise, {grid(n)}, {THREADS}, -0.37f, a.data(), b.data(), n);
        for (long long i = 0; i < n; i++) want[i] = b2[i] + -0.37f * a[i];
        check("axpy n=" + std::to_string(n), want, b, 0);
        for (long long i = 0; i < n; i++) want[i] = 2.5f * a[i];
        launch(elementwise::scale_forward_elementwise, {grid(n)}, {THREADS}, 2.5f, a.data(), a.data(), n);   // in place
        check("scale in place n=" + std::to_string(n), want, a, 0);
    }
    for (int s : {1, 7, 33, 5000}) {
        int rows = s % 7 + 1, cols = s;
        long long n = (long long)rows * cols;
        Vec x = randn(n), bias = randn(cols), out(n), want(n);
        launch(elementwise::bias_forward_broadcast_rows, {grid(n)}, {THREADS}, x.data(), bias.data(), out.data(), rows, cols);
        for (long long i = 0; i < n; i++) want[i] = x[i] + bias[i % cols];
        check("biasForward " + std::to_string(rows) + "x" + std::to_string(cols), want, out, 1e-6);
        Vec db = randn(cols), dbWant = db;
        int per = rowsPerBlock(rows, cols);
        launch(elementwise::bias_backward_column_reduce, {(unsigned)(cols + 31) / 32, (unsigned)((rows + per - 1) / per)}, {32, 16},
               x.data(), db.data(), rows, cols, per);
        for (int c = 0; c < cols; c++) { double sum = 0; for (int r = 0; r < rows; r++) sum += x[(long long)r * cols + c]; dbWant[c] += sum; }
        check("biasBackward " + std::to_string(rows) + "x" + std::to_string(cols), dbWant, db, 1e-6);
        Vec tin = randn(n), y(n), dy = randn(n), dx = randn(n), dxWant = dx;
        launch(elementwise::tanh_forward_elementwise, {grid(n)}, {THREADS}, tin.data(), y.data(), n);
        launch(elementwise::tanh_backward_elementwise, {grid(n)}, {THREADS}, y.data(), dy.data(), dx.data(), n);
        for (long long i = 0; i < n; i++) { want[i] = std::tanh(tin[i]); dxWant[i] += dy[i] * (1 - (double)y[i] * y[i]); }
        check("tanh", want, y, 1e-6);
        check("tanhBackward", dxWant, dx, 1e-6);
    }
    int B = 3, T = 5, H = 7;
    Vec x = randn(B * T * H), out(B * H), want(B * H);
    // The fills and copies the backend issues as kernels: every n, aligned and not (a table's part).
    for (long long n : {1LL, 5LL, 1027LL, 4096LL}) {
        std::vector<unsigned> src(n + 1), dst(n + 2, 7u);
        for (long long i = 0; i < n + 1; i++) src[i] = 0x9e3779b9u * (unsigned)(i + 1);
        launch(elementwise::copy_words_elementwise, {grid(n)}, {THREADS}, src.data(), dst.data(), n);
        bool ok = dst[n] == 7u && dst[n + 1] == 7u;
        for (long long i = 0; i < n; i++) ok = ok && dst[i] == src[i];
        launch(elementwise::copy_words_elementwise, {grid(n)}, {THREADS}, src.data() + 1, dst.data() + 1, n);   // 4-byte aligned only
        for (long long i = 0; i < n; i++) ok = ok && dst[i + 1] == src[i + 1];
        ok = ok && dst[n + 1] == 7u;
        launch(elementwise::fill_words_elementwise, {grid(n)}, {THREADS}, dst.data(), 0x3f800000u, n);
        for (long long i = 0; i < n; i++) ok = ok && dst[i] == 0x3f800000u;
        ok = ok && dst[n] != 0x3f800000u;
        launch(elementwise::fill_words_elementwise, {grid(n)}, {THREADS}, dst.data() + 1, 5u, n);   // 4-byte aligned only
        for (long long i = 0; i < n; i++) ok = ok && dst[i + 1] == 5u;
        ok = ok && dst[0] == 0x3f800000u && dst[n + 1] == 7u;
        (ok ? passed : failed)++;
        std::printf("%s copy_words / fill_words n=%lld\n", ok ? "ok  " : "FAIL", n);
    }
    launch(elementwise::select_token_forward_gather, {grid(B * H)}, {THREADS}, x.data(), out.data(), B, T, H, 4);
    for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) want[b * H + h] = x[(b * T + 4) * H + h];
    check("selectToken", want, out, 0);
    Vec xw = x;
    launch(elementwise::select_token_backward_scatter, {grid(B * H)}, {THREADS}, out.data(), x.data(), B, T, H, 4);
    for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) xw[(b * T + 4) * H + h] += out[b * H + h];
    check("selectTokenBackward", xw, x, 0);
}

static void testGelu() {
    for (auto [rows, cols] : {std::pair{1, 1}, {3, 7}, {17, 100}, {70, 33}}) {
        long long n = (long long)rows * cols;
        Vec x = randn(n, 3), bias = randn(cols), pre(n), out(n), wantPre(n), wantOut(n);
        launch(gelu::bias_gelu_forward_fused, {grid(n)}, {THREADS}, x.data(), bias.data(), pre.data(), out.data(), rows, cols);
        for (long long i = 0; i < n; i++) { wantPre[i] = x[i] + bias[i % cols]; wantOut[i] = (float)geluRef(wantPre[i]); }
        std::string shape = std::to_string(rows) + "x" + std::to_string(cols);
        check("biasGelu pre " + shape, wantPre, pre, 0);
        check("biasGelu out " + shape, wantOut, out, 1e-6);
        Vec same(n);
        launch(gelu::bias_gelu_forward_fused, {grid(n)}, {THREADS}, x.data(), bias.data(), same.data(), same.data(), rows, cols);
        check("biasGelu pre == out " + shape, wantOut, same, 1e-6);
        Vec dout = randn(n), dx = randn(n), db = randn(cols), dxWant = dx, dbWant = db;
        int per = rowsPerBlock(rows, cols);
        launch(gelu::bias_gelu_backward_fused_column_reduce, {(unsigned)(cols + 31) / 32, (unsigned)((rows + per - 1) / per)}, {32, 16},
               pre.data(), dout.data(), dx.data(), db.data(), rows, cols, per);
        for (int c = 0; c < cols; c++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) { long long i = (long long)r * cols + c; float g = (float)(dout[i] * geluDRef(pre[i])); dxWant[i] += g; sum += g; }
            dbWant[c] += sum;
        }
        check("biasGeluBackward dx " + shape, dxWant, dx, 1e-6);
        check("biasGeluBackward dbias " + shape, dbWant, db, 1e-6);
        Vec gx(n), gdx = randn(n), gdxWant = gdx;
        launch(gelu::gelu_forward_elementwise, {grid(n)}, {THREADS}, x.data(), gx.data(), n);
        launch(gelu::gelu_backward_elementwise, {grid(n)}, {THREADS}, x.data(), dout.data(), gdx.data(), n);
        for (long long i = 0; i < n; i++) { wantOut[i] = (float)geluRef(x[i]); gdxWant[i] += dout[i] * geluDRef(x[i]); }
        check("gelu " + shape, wantOut, gx, 1e-6);
        check("geluBackward " + shape, gdxWant, gdx, 1e-6);
    }
}

// The float4 register kernels (LayerNorm.registerWidth's choice for cols % 4 == 0, cols <= 1024) against the
// references the generic kernels were checked with; backward starts from the generic kernel's inputs.
static void testLayerNormRegisters(int rows, int cols, const Vec& a, const Vec& b, const Vec& gamma, const Vec& beta,
                                   const Vec& sumW, const Vec& outW, const Vec& meanW, const Vec& rstdW, const Vec& meanUsed,
                                   const Vec& rstdUsed, const Vec& dout,
                                   const Vec& dxWant, const Vec& dgWant, const Vec& dbWant, const Vec& dxStart, const Vec& dgStart,
                                   const Vec& dbStart) {
    long long n = (long long)rows * cols;
    int upto = cols <= 256 ? 256 : cols <= 768 ? 768 : 1024, perSm = upto == 256 ? 4 : upto == 768 ? 2 : 1;
    auto fwd = upto == 256 ? layernorm::layernorm_forward_warp_per_row_float4_upto256
             : upto == 768 ? layernorm::layernorm_forward_warp_per_row_float4_upto768 : layernorm::layernorm_forward_warp_per_row_float4_upto1024;
    auto res = upto == 256 ? layernorm::residual_layernorm_forward_warp_per_row_float4_upto256
             : upto == 768 ? layernorm::residual_layernorm_forward_warp_per_row_float4_upto768
                           : layernorm::residual_layernorm_forward_warp_per_row_float4_upto1024;
    auto bwd = upto == 256 ? layernorm::layernorm_backward_warp_per_row_float4_upto256
             : upto == 768 ? layernorm::layernorm_backward_warp_per_row_float4_upto768 : layernorm::layernorm_backward_warp_per_row_float4_upto1024;
    std::string shape = std::to_string(rows) + "x" + std::to_string(cols) + " float4 upto" + std::to_string(upto);
    Vec sum(n), out(n), mean(rows), rstd(rows);
    launch(res, {warpRowsGrid(rows)}, {THREADS}, a.data(), b.data(), gamma.data(), beta.data(), sum.data(), out.data(), mean.data(),
           rstd.data(), rows, cols, 1e-12f);
    check("residualLayernorm sum " + shape, sumW, sum, 0);
    check("residualLayernorm out " + shape, outW, out, 1e-5);
    check("residualLayernorm mean " + shape, meanW, mean, 1e-5);
    check("residualLayernorm rstd " + shape, rstdW, rstd, 1e-5);
    Vec out2(n), mean2(rows), rstd2(rows);
    launch(fwd, {warpRowsGrid(rows)}, {THREADS}, sum.data(), gamma.data(), beta.data(), out2.data(), mean2.data(), rstd2.data(), rows, cols, 1e-12f);
    check("layernorm out " + shape, outW, out2, 1e-5);
    check("layernorm rstd " + shape, rstdW, rstd2, 1e-5);

    Vec dx = dxStart, dg = dgStart, db = dbStart;
    unsigned blocks = std::min(warpRowsGrid(rows), (unsigned)(SMS * perSm));
    Vec partials((size_t)blocks * 2 * cols, NAN);
    launch(bwd, {blocks}, {THREADS}, dout.data(), sum.data(), gamma.data(), meanUsed.data(), rstdUsed.data(), dx.data(), partials.data(), rows,
           cols);
    launch(layernorm::layernorm_backward_sum_block_partials, {(unsigned)(2 * cols + 31) / 32}, {256}, partials.data(), (int)blocks, cols,
           dg.data(), db.data());
    check("layernormBackward dx " + shape, dxWant, dx, 1e-5);
    check("layernormBackward dgamma " + shape, dgWant, dg, 1e-5);
    check("layernormBackward dbeta " + shape, dbWant, db, 1e-5);
}

static void testLayerNorm() {
    for (auto [rows, cols] : {std::pair{1, 2}, {3, 7}, {17, 33}, {20, 768}, {3, 7000}, {5, 100}, {37, 1000}, {70, 764}}) {
        long long n = (long long)rows * cols;
        Vec a = randn(n), b = randn(n, 2), gamma = randn(cols), beta = randn(cols), sum(n), out(n), mean(rows), rstd(rows);
        for (auto& v : b) v += 3;
        launch(layernorm::residual_layernorm_forward_warp_per_row, {warpRowsGrid(rows)}, {THREADS}, a.data(), b.data(), gamma.data(), beta.data(),
               sum.data(), out.data(), mean.data(), rstd.data(), rows, cols, 1e-12f);
        Vec sumW(n), outW(n), meanW(rows), rstdW(rows);
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) { sumW[r * cols + c] = a[r * cols + c] + b[r * cols + c]; s += sumW[r * cols + c]; }
            double mu = s / cols, sq = 0;
            for (int c = 0; c < cols; c++) { double d = sumW[r * cols + c] - mu; sq += d * d; }
            double rs = 1 / std::sqrt(sq / cols + 1e-12f);
            for (int c = 0; c < cols; c++) outW[r * cols + c] = (float)((sumW[r * cols + c] - mu) * rs * gamma[c] + beta[c]);
            meanW[r] = (float)mu;
            rstdW[r] = (float)rs;
        }
        std::string shape = std::to_string(rows) + "x" + std::to_string(cols);
        check("residualLayernorm sum " + shape, sumW, sum, 0);
        check("residualLayernorm out " + shape, outW, out, 1e-5);
        check("residualLayernorm mean " + shape, meanW, mean, 1e-5);
        check("residualLayernorm rstd " + shape, rstdW, rstd, 1e-5);
        Vec out2(n);
        launch(layernorm::layernorm_forward_warp_per_row, {warpRowsGrid(rows)}, {THREADS}, sum.data(), gamma.data(), beta.data(), out2.data(),
               mean.data(), rstd.data(), rows, cols, 1e-12f);
        check("layernorm out " + shape, outW, out2, 1e-5);

        Vec dout = randn(n), dx = randn(n), dg = randn(cols), db = randn(cols), dxW = dx, dgW = dg, dbW = db, dx0 = dx, dg0 = dg, db0 = db;
        bool useShared = 2L * cols * 4 <= 48 * 1024;
        unsigned blocks = std::min(warpRowsGrid(rows), (unsigned)SMS * 2);
        launch(layernorm::layernorm_backward_warp_per_row, {blocks}, {THREADS}, dout.data(), sum.data(), gamma.data(), mean.data(), rstd.data(),
               dx.data(), dg.data(), db.data(), rows, cols, (int)useShared);
        std::vector<double> dgs(cols), dbs(cols);
        for (int r = 0; r < rows; r++) {
            double mu = mean[r], rs = rstd[r], gm = 0, gx = 0;
            for (int c = 0; c < cols; c++) {
                double xhat = (sum[r * cols + c] - mu) * rs, g = (double)dout[r * cols + c] * gamma[c];
                gm += g; gx += g * xhat; dgs[c] += dout[r * cols + c] * xhat; dbs[c] += dout[r * cols + c];
            }
            gm /= cols; gx /= cols;
            for (int c = 0; c < cols; c++) {
                double xhat = (sum[r * cols + c] - mu) * rs, g = (double)dout[r * cols + c] * gamma[c];
                dxW[r * cols + c] += (float)(rs * (g - gm - xhat * gx));
            }
        }
        for (int c = 0; c < cols; c++) { dgW[c] += (float)dgs[c]; dbW[c] += (float)dbs[c]; }
        check("layernormBackward dx " + shape, dxW, dx, 1e-5);
        check("layernormBackward dgamma " + shape + (useShared ? "" : " (global partials)"), dgW, dg, 1e-5);
        check("layernormBackward dbeta " + shape, dbW, db, 1e-5);
        if (cols % 4 == 0 && cols <= 1024) testLayerNormRegisters(rows, cols, a, b, gamma, beta, sumW, outW, meanW, rstdW, mean, rstd, dout, dxW, dgW, dbW, dx0, dg0, db0);
    }
}

// The masked, scaled softmax of every row in double: want[r, j] = exp(z_j - max z) / sum, z = scale * scores + mask.
static void softmaxReference(const Vec& scores, const Vec& mask, float scale, int B, int NH, int T, Vec& want) {
    for (long long r = 0; r < (long long)B * NH * T; r++) {
        long long b = r / ((long long)NH * T);
        std::vector<double> z(T);
        double mx = -INFINITY, sum = 0;
        for (int j = 0; j < T; j++) { z[j] = (double)scale * scores[r * T + j] + mask[b * T + j]; mx = std::max(mx, z[j]); }
        for (int j = 0; j < T; j++) { z[j] = std::exp(z[j] - mx); sum += z[j]; }
        for (int j = 0; j < T; j++) want[r * T + j] = (float)(z[j] / sum);
    }
}

static void testSoftmax() {
    for (auto s : {std::array<int, 3>{1, 1, 1}, {2, 3, 7}, {2, 2, 40}, {1, 3, 64}, {1, 1, 70}, {1, 1, 129}, {1, 1, 256}, {1, 1, 512}, {1, 1, 530}}) {
        int B = s[0], NH = s[1], T = s[2];
        long long rows = (long long)B * NH * T, n = rows * T;
        Vec scores = randn(n, 4), mask(B * T), probs(n), want(n);
        for (int b = 0; b < B; b++) for (int t = 1 + (int)(rng() % T); t < T; t++) mask[b * T + t] = -3.402823466e+38f;
        float scale = 0.125f;
        launch(softmax::softmax_forward_masked_scaled_warp_per_row, {warpRowsGrid(rows)}, {THREADS}, scores.data(), mask.data(), scale, probs.data(), B, NH, T);
        softmaxReference(scores, mask, scale, B, NH, T, want);
        std::string shape = std::to_string(B) + "x" + std::to_string(NH) + "x" + std::to_string(T);
        check("softmax " + shape, want, probs, 1e-5);
        Vec dp = randn(n), ds = randn(n, 0.1), dsW = ds;
        launch(softmax::softmax_backward_scaled_warp_per_row, {warpRowsGrid(rows)}, {THREADS}, probs.data(), dp.data(), ds.data(), scale, B, NH, T);
        for (long long r = 0; r < rows; r++) {
            double dot = 0;
            for (int j = 0; j < T; j++) dot += (double)dp[r * T + j] * probs[r * T + j];
            for (int j = 0; j < T; j++) dsW[r * T + j] += (float)(scale * probs[r * T + j] * (dp[r * T + j] - dot));
        }
        check("softmaxBackward " + shape, dsW, ds, 1e-5);
    }
}

// The float4 lane-group kernels (Softmax.laneGroup in jbert.kernels.ops: T % 4 == 0, G the smallest power of
// two >= T / 4, launched as the Softmax launcher does). Against the double loops and the warp-per-row kernels
// on the same inputs; T / 4 not a power of two leaves lanes idle (T = 12, 20, 40, 100), NH * T not a
// multiple of the block's THREADS / G rows leaves rows idle; batch 0 is all padding; the forward also
// runs in place. A guard past the end must stay untouched.
static int laneGroup(int T) { int g = 1; while (4 * g < T) g *= 2; return g; }

static void testSoftmaxLaneGroups() {
    using Forward = void (*)(const float*, const float*, float, float*, int, int);
    using Backward = void (*)(const float*, const float*, float*, float, int, int);
    auto forward = [](int G) -> Forward {
        switch (G) {
            case 1: return softmax::softmax_forward_masked_scaled_float4_lane_group_upto4;
            case 2: return softmax::softmax_forward_masked_scaled_float4_lane_group_upto8;
            case 4: return softmax::softmax_forward_masked_scaled_float4_lane_group_upto16;
            case 8: return softmax::softmax_forward_masked_scaled_float4_lane_group_upto32;
            case 16: return softmax::softmax_forward_masked_scaled_float4_lane_group_upto64;
            default: return softmax::softmax_forward_masked_scaled_float4_lane_group_upto128;
        }
    };
    auto backward = [](int G) -> Backward {
        switch (G) {
            case 1: return softmax::softmax_backward_scaled_float4_lane_group_upto4;
            case 2: return softmax::softmax_backward_scaled_float4_lane_group_upto8;
            case 4: return softmax::softmax_backward_scaled_float4_lane_group_upto16;
            case 8: return softmax::softmax_backward_scaled_float4_lane_group_upto32;
            case 16: return softmax::softmax_backward_scaled_float4_lane_group_upto64;
            default: return softmax::softmax_backward_scaled_float4_lane_group_upto128;
        }
    };
    const float lowest = -3.402823466e+38f, guard = 12345.0f;
    for (auto s : {std::array<int, 3>{1, 1, 4}, {3, 5, 4}, {2, 3, 8}, {2, 2, 12}, {2, 3, 16}, {2, 1, 20}, {2, 3, 32}, {2, 2, 40},
                   {2, 3, 64}, {3, 1, 64}, {2, 1, 100}, {2, 1, 128}}) {
        int B = s[0], NH = s[1], T = s[2], G = laneGroup(T);
        long long rows = (long long)B * NH * T, n = rows * T;
        Vec scores = randn(n + 4, 4), mask(B * T), probs(n + 4, guard), want(n), reference(n);
        for (int t = 0; t < T; t++) mask[t] = lowest;   // batch 0: every position padding
        for (int b = 1; b < B; b++) for (int t = 1 + (int)(rng() % T); t < T; t++) mask[b * T + t] = lowest;
        float scale = 0.125f;
        softmaxReference(scores, mask, scale, B, NH, T, want);
        int rowsPerBlock = THREADS / G;
        dim3 grid{(unsigned)((NH * T + rowsPerBlock - 1) / rowsPerBlock), (unsigned)B};
        launch(forward(G), grid, {THREADS}, scores.data(), mask.data(), scale, probs.data(), NH, T);
        launch(softmax::softmax_forward_masked_scaled_warp_per_row, {warpRowsGrid(rows)}, {THREADS}, scores.data(), mask.data(), scale, reference.data(), B, NH, T);
        std::string shape = std::to_string(B) + "x" + std::to_string(NH) + "x" + std::to_string(T) + " (G=" + std::to_string(G) + ")";
        Vec got(probs.begin(), probs.begin() + n);
        check("softmax lane group " + shape, want, got, 1e-5);
        check("softmax lane group vs warp per row " + shape, reference, got, 1e-6);
        bool padded = true;   // batch 0's rows are uniform, 1 / T
        for (long long i = 0; i < (long long)NH * T * T; i++) padded = padded && std::fabs(got[i] - 1.0f / T) <= 1e-6f;
        (padded ? passed : failed)++;
        std::printf("%s softmax lane group %s: fully padded rows uniform\n", padded ? "ok  " : "FAIL", shape.c_str());
        Vec inPlace(scores.begin(), scores.begin() + n);
        launch(forward(G), grid, {THREADS}, inPlace.data(), mask.data(), scale, inPlace.data(), NH, T);
        check("softmax lane group in place " + shape, got, inPlace, 0);

        Vec dp = randn(n), ds = randn(n + 4, 0.1), dsW(ds.begin(), ds.begin() + n), dsRef = dsW, guardDs(ds.begin() + n, ds.end());
        for (long long r = 0; r < rows; r++) {
            double dot = 0;
            for (int j = 0; j < T; j++) dot += (double)dp[r * T + j] * got[r * T + j];
            for (int j = 0; j < T; j++) dsW[r * T + j] += (float)(scale * got[r * T + j] * (dp[r * T + j] - dot));
        }
        launch(backward(G), {(unsigned)((rows * G + THREADS - 1) / THREADS)}, {THREADS}, got.data(), dp.data(), ds.data(), scale, (int)rows, T);
        launch(softmax::softmax_backward_scaled_warp_per_row, {warpRowsGrid(rows)}, {THREADS}, got.data(), dp.data(), dsRef.data(), scale, B, NH, T);
        Vec dsGot(ds.begin(), ds.begin() + n);
        check("softmaxBackward lane group " + shape, dsW, dsGot, 1e-5);
        check("softmaxBackward lane group vs warp per row " + shape, dsRef, dsGot, 1e-6);
        bool guarded = probs[n] == guard && probs[n + 3] == guard && std::equal(ds.begin() + n, ds.end(), guardDs.begin());
        (guarded ? passed : failed)++;
        std::printf("%s softmax lane group %s: nothing written past the end\n", guarded ? "ok  " : "FAIL", shape.c_str());
    }
}

static void testPermuteEmbeddingDropout() {
    for (auto s : {std::array<int, 4>{2, 3, 5, 7}, {2, 3, 5, 8}, {1, 4, 3, 64}}) {
        int A = s[0], B = s[1], C = s[2], D = s[3];
        long long n = (long long)A * B * C * D;
        Vec x = randn(n), out = randn(n), want(n), acc = out;
        for (int a = 0; a < A; a++) for (int b = 0; b < B; b++) for (int c = 0; c < C; c++) for (int d = 0; d < D; d++) {
            want[((a * C + c) * B + b) * D + d] = x[((a * B + b) * C + c) * D + d];
            acc[((a * C + c) * B + b) * D + d] += x[((a * B + b) * C + c) * D + d];
        }
        // The Permute launcher's choice: float4s when D % 4 == 0.
        auto kernel = D % 4 == 0 ? permute::permute0213_forward_float4 : permute::permute0213_forward_elementwise;
        unsigned blocks = grid(D % 4 == 0 ? n / 4 : n);
        std::string shape = std::to_string(A) + "x" + std::to_string(B) + "x" + std::to_string(C) + "x" + std::to_string(D);
        Vec sum = out;
        launch(kernel, {blocks}, {THREADS}, x.data(), out.data(), A, B, C, D, 0);
        check("permute0213 " + shape, want, out, 0);
        launch(kernel, {blocks}, {THREADS}, x.data(), sum.data(), A, B, C, D, 1);
        check("permute0213 accumulate " + shape, acc, sum, 0);
    }

    int V = 11, H = 9, rows = 40;
    std::vector<int> ids(rows);
    for (auto& id : ids) id = (int)(rng() % V);
    ids[3] = -1;
    Vec table = randn(V * H), gathered(rows * H), gw(rows * H), dout = randn(rows * H), dt = randn(V * H), dtW = dt;
    launch(embedding::embedding_forward_gather, {grid(rows * H)}, {THREADS}, ids.data(), table.data(), gathered.data(), rows, H);
    for (int i = 0; i < rows; i++) for (int h = 0; h < H; h++) gw[i * H + h] = ids[i] < 0 ? gathered[i * H + h] : table[ids[i] * H + h];
    check("embedding gather", gw, gathered, 0);
    launch(embedding::embedding_backward_scatter_add_atomic, {grid(rows * H)}, {THREADS}, ids.data(), dout.data(), dt.data(), rows, H);
    for (int i = 0; i < rows; i++) if (ids[i] >= 0) for (int h = 0; h < H; h++) dtW[ids[i] * H + h] += dout[i * H + h];
    check("embedding scatter-add (padding id skipped)", dtW, dt, 1e-6);

    // jbert.engine.Rng.uniform, as Java computes it (signed longs wrap like unsigned ones).
    auto uniform = [](int64_t seed, int64_t i) {
        uint64_t z = (uint64_t)seed + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        return (float)(z >> 40) * 0x1.0p-24f;
    };
    long long m = 10007;
    for (float p : {0.0f, 0.1f, 1.0f}) {
        int64_t seed = -8234567890123LL;
        float s = p >= 1 ? 0.0f : (float)(1.0 / (1.0 - p));
        Vec xin = randn(m), o(m), ow(m);
        launch(dropout::dropout_forward_counter_rng, {grid(m)}, {THREADS}, xin.data(), o.data(), m, p, s, (unsigned long long)seed);
        for (long long i = 0; i < m; i++) ow[i] = uniform(seed, i) >= p ? xin[i] * s : 0.0f;
        check("dropout p=" + std::to_string(p), ow, o, 0);
        Vec dx = randn(m), dxw = dx;
        launch(dropout::dropout_backward_counter_rng, {grid(m)}, {THREADS}, xin.data(), dx.data(), m, p, s, (unsigned long long)seed);
        for (long long i = 0; i < m; i++) if (uniform(seed, i) >= p) dxw[i] += xin[i] * s;
        check("dropoutBackward p=" + std::to_string(p), dxw, dx, 0);
    }
}

static void testLossReduceAdam() {
    for (auto [N, C] : {std::pair{1, 1}, {4, 3}, {5, 100}}) {
        Vec logits = randn(N * C, 3), probs(N * C), want(N * C);
        std::vector<int> labels(N);
        for (auto& l : labels) l = (int)(rng() % C);
        std::vector<double> losses(N);
        launch(crossentropy::cross_entropy_forward_warp_per_row, {warpRowsGrid(N)}, {THREADS}, logits.data(), labels.data(), probs.data(), losses.data(), N, C);
        double lossW = 0, loss = 0;
        for (int r = 0; r < N; r++) {
            double mx = -INFINITY, sum = 0;
            for (int c = 0; c < C; c++) mx = std::max(mx, (double)logits[r * C + c]);
            for (int c = 0; c < C; c++) sum += std::exp(logits[r * C + c] - mx);
            for (int c = 0; c < C; c++) want[r * C + c] = (float)(std::exp(logits[r * C + c] - mx) / sum);
            lossW += mx + std::log(sum) - logits[r * C + labels[r]];
            loss += losses[r];
        }
        check("crossEntropy probs " + std::to_string(N) + "x" + std::to_string(C), want, probs, 1e-6);
        check("crossEntropy loss", Vec{(float)(lossW / N)}, Vec{(float)(loss / N)}, 1e-6);
    }
    long long n = 100003;
    Vec x = randn(n);
    double total = 0, want = 0;
    launch(reduce::sum_of_squares_reduce_double, {std::min(grid(n), (unsigned)SMS * 4)}, {THREADS}, x.data(), n, &total);
    for (float v : x) want += (double)v * v;
    check("sumOfSquares", Vec{(float)want}, Vec{(float)total}, 1e-7);

    Vec p = randn(n, 0.02), g = randn(n, 0.01), m(n), v(n), pw = p, mw(n), vw(n);
    float lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.01f, bc1 = 0.1f, bc2 = 0.001f;
    // gradScale 1: the plain update (the multi-tensor test below scales, then zeroes as the AdamW launcher does).
    launch(adamw::adamw_update_fused, {grid(n)}, {THREADS}, p.data(), g.data(), m.data(), v.data(), n, lr, b1, b2, eps, wd, bc1, bc2,
           1.0f);
    for (long long i = 0; i < n; i++) {
        double pp = pw[i] * (1.0 - (double)lr * wd), mi = b1 * 0.0 + (1.0 - b1) * g[i], vi = (1.0 - b2) * (double)g[i] * g[i];
        mw[i] = (float)mi; vw[i] = (float)vi;
        pw[i] = (float)(pp - (double)lr / bc1 * mi / (std::sqrt(vi) / std::sqrt((double)bc2) + eps));
    }
    check("adamw param", pw, p, 1e-6);
    check("adamw m", mw, m, 1e-6);
    check("adamw v", vw, v, 1e-6);
}

// The multi-tensor kernels over tensors of odd sizes (an empty one, tails, several chunks), with the
// chunk table jbert.kernels.TensorList builds.
static void testMultiTensor() {
    std::vector<long long> sizes = {1, 3, 0, 8, 70001, 32768, 32771, 5};
    std::vector<int> chunkTensor;
    std::vector<long long> chunkStart;
    for (int t = 0; t < (int)sizes.size(); t++)
        for (long long s = 0; s < sizes[t]; s += MULTI_TENSOR_CHUNK) { chunkTensor.push_back(t); chunkStart.push_back(s); }
    int chunks = (int)chunkTensor.size(), T = (int)sizes.size();
    unsigned blocks = std::min((unsigned)chunks, (unsigned)SMS * 4);
    std::vector<Vec> x(T), p(T), g(T), m(T), v(T);
    std::vector<float*> xp(T), pp(T), mp(T), vp(T);
    std::vector<float*> gp(T);
    Vec wd(T);
    double want = 0;
    for (int t = 0; t < T; t++) {
        x[t] = randn(sizes[t]); p[t] = randn(sizes[t], 0.02); g[t] = randn(sizes[t], 0.01); m[t] = randn(sizes[t], 0.001);
        v[t] = Vec(sizes[t], 1e-6f);
        xp[t] = x[t].data(); pp[t] = p[t].data(); gp[t] = g[t].data(); mp[t] = m[t].data(); vp[t] = v[t].data();
        wd[t] = t % 2 ? 0.0f : 0.01f;
        for (float f : x[t]) want += (double)f * f;
    }
    std::vector<double> totals(blocks);
    launch(reduce::sum_of_squares_reduce_double_multi_tensor, {blocks}, {THREADS}, (const float* const*)xp.data(), sizes.data(),
           chunkTensor.data(), chunkStart.data(), chunks, totals.data());
    double total = 0;
    for (double b : totals) total += b;
    check("sumOfSquares multi-tensor", Vec{(float)want}, Vec{(float)total}, 1e-7);

    std::vector<Vec> scaled = x;
    for (auto& t : scaled) for (auto& f : t) f *= 0.37f;
    launch(elementwise::scale_inplace_multi_tensor, {blocks}, {THREADS}, 0.37f, xp.data(), sizes.data(), chunkTensor.data(), chunkStart.data(), chunks);
    for (int t = 0; t < T; t++) check("scale multi-tensor tensor " + std::to_string(t), scaled[t], x[t], 0);
    launch(elementwise::fill_multi_tensor, {blocks}, {THREADS}, 0.5f, xp.data(), sizes.data(), chunkTensor.data(), chunkStart.data(), chunks);
    for (int t = 0; t < T; t++) check("fill multi-tensor tensor " + std::to_string(t), Vec(sizes[t], 0.5f), x[t], 0);

    // Clipping's scale (a float product, as a separate scale pass would store) fused; then zero_grad as
    // AdamW.update (jbert.kernels.ops) runs it, a fill over the same table's gradients.
    float lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, bc1 = 0.19f, bc2 = 0.002f, gradScale = 0.37f;
    std::vector<Vec> pw = p, mw = m, vw = v;
    for (int t = 0; t < T; t++)
        for (long long i = 0; i < sizes[t]; i++) {
            double pd = pw[t][i] * (1.0 - (double)lr * wd[t]), gi = (float)(g[t][i] * gradScale);
            double mi = b1 * (double)mw[t][i] + (1.0 - b1) * gi, vi = b2 * (double)vw[t][i] + (1.0 - b2) * gi * gi;
            mw[t][i] = (float)mi; vw[t][i] = (float)vi;
            pw[t][i] = (float)(pd - (double)lr / bc1 * mi / (std::sqrt(vi) / std::sqrt((double)bc2) + eps));
        }
    launch(adamw::adamw_update_fused_multi_tensor, {blocks}, {THREADS}, pp.data(), gp.data(), mp.data(), vp.data(),
           (const float*)wd.data(), (const long long*)sizes.data(), (const int*)chunkTensor.data(), (const long long*)chunkStart.data(),
           chunks, lr, b1, b2, eps, bc1, bc2, gradScale);
    launch(elementwise::fill_multi_tensor, {blocks}, {THREADS}, 0.0f, gp.data(), sizes.data(), chunkTensor.data(), chunkStart.data(), chunks);
    for (int t = 0; t < T; t++) {
        std::string what = " multi-tensor tensor " + std::to_string(t) + " (" + std::to_string(sizes[t]) + ")";
        check("adamw param" + what, pw[t], p[t], 1e-6);
        check("adamw m" + what, mw[t], m[t], 1e-6);
        check("adamw v" + what, vw[t], v[t], 1e-6);
        check("adamw zeroed grad" + what, Vec(sizes[t], 0.0f), g[t], 0);
    }
}

// TiledGemm.matmul: split-K plan (SplitK.plan), beta pre-scale, float4 or scalar entry point.
static void gemm(bool tA, bool tB, int batch, int M, int N, int K, float alpha, const Vec& A, const Vec& B, float beta, Vec& C, bool tf32) {
    long long tiles = (long long)((M + 127) / 128) * ((N + 127) / 128) * batch, slots = 2LL * SMS;
    int splits = 1, chunk = std::max(K, 1);
    double bestCost = (double)((tiles + slots - 1) / slots) * (K + 32);
    for (int s = 2; s <= std::min(64, K / 256); s++) {
        int c = ((K + s - 1) / s + 7) / 8 * 8, n = (K + c - 1) / c;
        if (n != s) continue;
        double cost = (double)((tiles * n + slots - 1) / slots) * (c + 128);
        if (cost < bestCost) { bestCost = cost; splits = n; chunk = c; }
    }
    bool atomic = splits > 1;
    if (atomic) for (auto& c : C) c = beta == 0 ? 0 : c * beta;
    bool vec = (tA ? M % 4 == 0 : K % 4 == 0) && (tB ? K % 4 == 0 : N % 4 == 0);
    auto k = tf32 ? (vec ? matmultf32::matmul_tf32_mma_tiled128_float4 : matmultf32::matmul_tf32_mma_tiled128_scalar)
                  : (vec ? matmul::matmul_sgemm_tiled128_float4 : matmul::matmul_sgemm_tiled128_scalar);
    launch(k, {(unsigned)(N + 127) / 128, (unsigned)(M + 127) / 128, (unsigned)(batch * splits)}, {256},
           (int)tA, (int)tB, M, N, K, alpha, A.data(), B.data(), beta, C.data(), splits, chunk, (int)atomic);
}

static void testMatmul(bool tf32) {
    // Odd sizes, partial tiles (130 x 129), float4 and scalar loads, split-K (K >= 512 with 2 SMs), K = 0.
    // The TF32 kernel gets a shorter K: emulating each mma.sync costs two warp barriers.
    std::vector<std::array<int, 4>> shapes = {{1, 1, 1, 1}, {1, 3, 5, 7}, {2, 33, 65, 17}, {1, 130, 129, 12}, {1, 4, 4, 0}};
    if (tf32) shapes.push_back({1, 8, 12, 520});
    else for (auto s : {std::array<int, 4>{1, 8, 12, 1100}, {1, 20, 16, 600}}) shapes.push_back(s);
    float ab[][2] = {{1, 0}, {0.5f, 1}, {-2, 0.25f}};
    for (auto& s : shapes) {
        int batch = s[0], M = s[1], N = s[2], K = s[3];
        for (int combo = 0; combo < 4; combo++) {
            bool tA = combo & 1, tB = combo & 2;
            float alpha = ab[combo % 3][0], beta = ab[combo % 3][1];
            Vec A = randn((size_t)batch * M * K), B = randn((size_t)batch * K * N), C = randn((size_t)batch * M * N), W = C, mag = C;
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < N; j++) {
                        double dot = 0, absDot = 0;
                        for (int k = 0; k < K; k++) {
                            float a = tA ? A[b * M * K + k * M + i] : A[b * M * K + i * K + k];
                            float bb = tB ? B[b * K * N + j * K + k] : B[b * K * N + k * N + j];
                            dot += (double)a * bb;
                            absDot += std::fabs((double)a * bb);
                        }
                        double old = beta == 0 ? 0 : (double)beta * W[b * M * N + i * N + j];
                        W[b * M * N + i * N + j] = (float)(alpha * dot + old);
                        // errors are judged against the size of the terms summed, not the (maybe cancelled) result
                        mag[b * M * N + i * N + j] = (float)(std::fabs(alpha) * absDot + std::fabs(old));
                    }
            gemm(tA, tB, batch, M, N, K, alpha, A, B, beta, C, tf32);
            char what[160];
            std::snprintf(what, sizeof what, "matmul%s tA=%d tB=%d batch=%d M=%d N=%d K=%d alpha=%g beta=%g", tf32 ? " tf32" : "", tA, tB, batch, M, N, K, alpha, beta);
            check(what, W, C, tf32 ? 1e-3 : 1e-5, &mag);
        }
    }
}

int main() {
    testElementwise();
    testGelu();
    testLayerNorm();
    testSoftmax();
    testSoftmaxLaneGroups();
    testPermuteEmbeddingDropout();
    testLossReduceAdam();
    testMultiTensor();
    testMatmul(false);
    testMatmul(true);
    // The emulator's cvt.rna.tf32.f32: 10 mantissa bits, to nearest, ties away from zero.
    check("to_tf32 (emulator)", Vec{1.0f, 1.0f + 0x1.0p-10f, -(1.0f + 0x1.0p-10f), 1.0f + 0x1.0p-10f, 1.0f},
          Vec{to_tf32(1.0f + 0x1.0p-12f), to_tf32(1.0f + 0x1.0p-11f), to_tf32(-(1.0f + 0x1.0p-11f)), to_tf32(1.0f + 0x1.0p-10f),
              to_tf32(1.0f + 0x1.0p-11f - 0x1.0p-23f)}, 0);
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

// Duplicate-identity search: every enrolled embedding against a new one, at city scale (millions
// of rows). Rows are int8 (a quarter of the float matrix, so the scan is bound by arithmetic, not
// memory); the dot product accumulates in int32, which the compiler turns into SIMD
// multiply-adds.
#include <cmath>
#include <cstdint>

#include "fastcert_bridge.h"

namespace {

inline int32_t dot(const int8_t *a, const int8_t *b, uint32_t n) {
    int32_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) sum += int32_t(a[i]) * int32_t(b[i]);
    return sum;
}

inline int32_t dot128(const int8_t *__restrict a, const int8_t *__restrict b) {
    int32_t sum = 0;
#pragma clang loop vectorize(enable)
    for (uint32_t i = 0; i < 128; ++i) sum += int32_t(a[i]) * int32_t(b[i]);
    return sum;
}

}  // namespace

extern "C" fc_status fc_template_scan(const int8_t *rows, const float *scale, const float *norm2, uint64_t count,
                                      uint32_t dimensions, const int8_t *queries, const float *query_scale,
                                      const float *query_norm2, uint32_t query_count, float limit, fc_scan_hit *hits,
                                      uint64_t capacity, uint64_t *found_out) noexcept {
    if (found_out != nullptr) *found_out = 0;
    if (found_out == nullptr || (count > 0 && (rows == nullptr || scale == nullptr || norm2 == nullptr)) ||
        (query_count > 0 && (queries == nullptr || query_scale == nullptr || query_norm2 == nullptr)) ||
        (capacity > 0 && hits == nullptr) || dimensions == 0)
        return FC_BAD_ARGUMENT;
    const float limit2 = limit * limit;
    uint64_t found = 0;
    for (uint64_t r = 0; r < count; ++r) {
        const float n2 = norm2[r];
        if (!std::isfinite(n2)) continue;
        const int8_t *row = rows + r * dimensions;
        for (uint32_t q = 0; q < query_count; ++q) {
            const int8_t *query = queries + uint64_t(q) * dimensions;
            const int32_t d = dimensions == 128 ? dot128(row, query) : dot(row, query, dimensions);
            const float d2 = n2 + query_norm2[q] - 2.0f * scale[r] * query_scale[q] * float(d);
            if (d2 <= limit2) {
                if (found < capacity)
                    hits[found] = fc_scan_hit{r, q, std::sqrt(std::fmax(d2, 0.0f))};
                ++found;
            }
        }
    }
    *found_out = found;
    return FC_OK;
}

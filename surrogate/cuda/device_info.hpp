// What the CUDA runtime sees: number of devices (0 when no GPU or no driver).
#pragma once

namespace fno::cuda {
int device_count() noexcept;
}

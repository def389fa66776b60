#pragma once
// libgpiod v1.6 (Debian 12). The v2 API can sit behind the same HAL protocol later.
#include <gpiod.h>

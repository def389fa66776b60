#pragma once
// libi2c 4.3 has no pkg-config file: headers from libi2c-dev and the kernel UAPI.
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <i2c/smbus.h>

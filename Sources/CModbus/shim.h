#pragma once
#include <modbus.h>
#include <errno.h>

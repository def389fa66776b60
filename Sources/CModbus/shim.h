#pragma once
#include <modbus.h>
#include <errno.h>

// libmodbus reports protocol failures through errno values built from macros (`MODBUS_ENOBASE + …`), which Swift
// cannot import; re-export the ones we map as constants.
static const int CModbus_EMBXILFUN = EMBXILFUN;
static const int CModbus_EMBXILADD = EMBXILADD;
static const int CModbus_EMBXILVAL = EMBXILVAL;
static const int CModbus_EMBXSFAIL = EMBXSFAIL;
static const int CModbus_EMBXACK = EMBXACK;
static const int CModbus_EMBXSBUSY = EMBXSBUSY;
static const int CModbus_EMBXNACK = EMBXNACK;
static const int CModbus_EMBXMEMPAR = EMBXMEMPAR;
static const int CModbus_EMBXGPATH = EMBXGPATH;
static const int CModbus_EMBXGTAR = EMBXGTAR;
static const int CModbus_EMBBADCRC = EMBBADCRC;
static const int CModbus_EMBBADDATA = EMBBADDATA;
static const int CModbus_EMBBADEXC = EMBBADEXC;
static const int CModbus_EMBUNKEXC = EMBUNKEXC;
static const int CModbus_EMBMDATA = EMBMDATA;
static const int CModbus_EMBBADSLAVE = EMBBADSLAVE;
static const int CModbus_RTU_RS485 = MODBUS_RTU_RS485;

#ifndef CURBSIDE_CFFTW_SHIM_H
#define CURBSIDE_CFFTW_SHIM_H

#include <fftw3.h>

#endif

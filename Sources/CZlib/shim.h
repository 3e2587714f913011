#ifndef ALMEDALEN_CZLIB_SHIM_H
#define ALMEDALEN_CZLIB_SHIM_H
#include <zlib.h>
#endif

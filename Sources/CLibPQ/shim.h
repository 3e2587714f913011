#ifndef ALMEDALEN_CLIBPQ_SHIM_H
#define ALMEDALEN_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
